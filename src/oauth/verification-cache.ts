import type { Queryable } from "../store/store.js";
import { type ClientAccess, type TokenRecord, findToken, loadClientAccess } from "./token-store.js";
import { expectedGeneration, readRegistryGeneration } from "./registry-generation.js";

/**
 * How old the last reading of the registry generation may be for a token to be answered from memory:
 * a revocation, expiry change, client or role change made by another process takes effect within this
 * long (one made by this process, at once: registry-generation.ts).
 */
export const FRESH_MS = 1_000;
/** Past this age, a request answered from memory also reads the generation again, in the background. */
const REFRESH_MS = 250;
const MAX_ENTRIES = 10_000;

interface Observation {
  generation: number;
  hipaa: boolean | null;
  /** performance.now() when the reading started: what it saw was true at least from then on. */
  startedAt: number;
}

/**
 * Per-process memory of verified tokens and of each client's state and grants, valid for one registry
 * generation. The generation is read with every token looked up in the store, and again in the
 * background every REFRESH_MS while tokens are answered from memory; nothing is answered from memory
 * once the last reading is FRESH_MS old, or while a change this process made is not yet seen. The
 * times are the monotonic clock's, not the injected one (which tests stop and move).
 */
export class VerificationCache {
  private observed: Observation | null = null;
  private refreshing = false;
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly grants = new Map<string, ClientAccess | null>();

  /** The token's record, from memory when that is known to be current, else from the store. */
  async token(db: Queryable, tokenHash: string): Promise<TokenRecord | null> {
    const o = this.observed;
    if (o && o.generation >= expectedGeneration()) {
      const age = performance.now() - o.startedAt;
      const hit = age < FRESH_MS ? this.tokens.get(tokenHash) : undefined;
      if (hit) {
        if (age > REFRESH_MS) this.refresh(db);
        return hit;
      }
    }
    const startedAt = performance.now();
    const rec = await findToken(db, tokenHash);
    if (!rec) return null;
    this.observe({ generation: rec.generation, hipaa: rec.hipaaSetting, startedAt });
    if (this.observed?.generation === rec.generation) {
      if (this.tokens.size >= MAX_ENTRIES) this.tokens.clear();
      this.tokens.set(tokenHash, rec);
    }
    return rec;
  }

  /** Forgets a token, so that the next look-up reads the store (a cached record that fails a check is read again). */
  forget(tokenHash: string): void {
    this.tokens.delete(tokenHash);
  }

  /** The client's state and grants under `generation` (the one its token was read with). */
  async access(db: Queryable, clientId: string, generation: number): Promise<ClientAccess | null> {
    const current = this.observed?.generation === generation;
    if (current && this.grants.has(clientId)) return this.grants.get(clientId)!;
    const access = await loadClientAccess(db, clientId);
    // only what was read under the generation held is kept; a newer one would be read again anyway
    if (current && this.observed?.generation === generation) {
      if (this.grants.size >= MAX_ENTRIES) this.grants.clear();
      this.grants.set(clientId, access);
    }
    return access;
  }

  private observe(o: Observation): void {
    const prev = this.observed;
    if (prev && o.startedAt < prev.startedAt) return;
    if (!prev || prev.generation !== o.generation || prev.hipaa !== o.hipaa) {
      this.tokens.clear();
      this.grants.clear();
    }
    this.observed = o;
  }

  private refresh(db: Queryable): void {
    if (this.refreshing) return;
    this.refreshing = true;
    const startedAt = performance.now();
    readRegistryGeneration(db)
      .then((r) => this.observe({ generation: r.n, hipaa: r.hipaa, startedAt }))
      // a failed reading leaves the last one to age: past FRESH_MS every request reads the store
      .catch(() => undefined)
      .finally(() => {
        this.refreshing = false;
      });
  }
}
