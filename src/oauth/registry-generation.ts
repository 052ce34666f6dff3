import type { Queryable } from "../store/store.js";

/**
 * The registry generation: a counter every transaction that changes a client or a role bumps. It is
 * read with the token on every request, so each process's grant cache (grant-cache.ts) drops what it
 * holds as soon as any process changes the registry.
 */
export async function bumpRegistryGeneration(tx: Queryable): Promise<void> {
  await tx.query("update registry_generation set n = n + 1 where id = 1");
}
