import type { Queryable } from "../store/store.js";

/**
 * The registry generation: a counter that moves with every change to what a bearer token grants. The
 * code moves it for client and role changes (bumpRegistryGeneration); the store's triggers move it for
 * revoked or shortened tokens and changed settings (migrations/008_token_cache.sql). Each process's
 * verification cache (verification-cache.ts) drops what it holds when it sees the counter move.
 *
 * A change made by this process must be seen by this process's next request, not up to a second later
 * as a change made by another process may be: the value the change leaves is remembered here, and the
 * cache is not trusted until it has read that value (or a later one) from the store, which proves the
 * change committed.
 */
export async function bumpRegistryGeneration(tx: Queryable): Promise<void> {
  const [r] = await tx.query<{ n: number }>("update registry_generation set n = n + 1 where id = 1 returning n");
  if (r) expectGeneration(r.n);
}

/** After a change the store's triggers count (a token revoked or shortened, a setting changed). */
export async function noteRegistryChange(tx: Queryable): Promise<void> {
  const [r] = await tx.query<{ n: number }>("select n from registry_generation where id = 1");
  if (r) expectGeneration(r.n);
}

/** The generation and the organisation's HIPAA setting, as one verification reads them. */
export async function readRegistryGeneration(db: Queryable): Promise<{ n: number; hipaa: boolean | null }> {
  const [r] = await db.query<{ n: number; hipaa: boolean | null }>(
    "select g.n, (select (value)::text::boolean from settings where key = 'hipaaCompliance') as hipaa from registry_generation g where g.id = 1",
  );
  return r ?? { n: -1, hipaa: null };
}

/**
 * A transaction that moved the counter and then rolled back leaves a value the store never shows: the
 * expectation lapses after this long, during which every verification simply reads the store.
 */
const EXPECTATION_MS = 10_000;

let expected = { n: -1, at: 0 };

function expectGeneration(n: number): void {
  const now = performance.now();
  if (n > expected.n || now - expected.at > EXPECTATION_MS) expected = { n, at: now };
}

/** The least generation this process's caches may trust (-1: any). */
export function expectedGeneration(): number {
  return performance.now() - expected.at > EXPECTATION_MS ? -1 : expected.n;
}
