import type { Queryable } from "../store/store.js";
import { type ClientAccess, loadClientAccess } from "./token-store.js";

const MAX_CLIENTS = 10_000;

/**
 * Per-process cache of each client's state and grants, valid for one registry generation. The
 * generation is read with the token on every request, so a role or client change made by any process
 * is seen on the next request, while the common case costs a single indexed lookup.
 */
export class GrantCache {
  private generation = -1;
  private readonly byClient = new Map<string, ClientAccess | null>();

  async get(db: Queryable, clientId: string, generation: number): Promise<ClientAccess | null> {
    if (generation !== this.generation || this.byClient.size >= MAX_CLIENTS) {
      this.byClient.clear();
      this.generation = generation;
    }
    if (this.byClient.has(clientId)) return this.byClient.get(clientId)!;
    const access = await loadClientAccess(db, clientId);
    // Only cache what was read under the generation we hold; a newer one would be reloaded anyway.
    if (generation === this.generation) this.byClient.set(clientId, access);
    return access;
  }
}
