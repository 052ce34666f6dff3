import type { Config } from "../config/config.js";
import type { Store } from "./store.js";
import { openPgStore } from "./pg-store.js";
import { openPgliteStore } from "./pglite-store.js";
import { migrate } from "./migrate.js";
import type { Queryable } from "./store.js";
import { lockDataDir } from "./data-dir-lock.js";

/** PostgreSQL when DATABASE_URL is set, the embedded PGlite in DATA_DIR otherwise. */
export async function openStore(
  config: Pick<Config, "DATABASE_URL" | "DATA_DIR"> & Partial<Pick<Config, "STORE_TIMEOUT_MS" | "STORE_STARTUP_TIMEOUT_MS">>,
): Promise<Store> {
  if (config.DATABASE_URL)
    return openPgStore({
      connectionString: config.DATABASE_URL,
      timeoutMs: config.STORE_TIMEOUT_MS,
      startupTimeoutMs: config.STORE_STARTUP_TIMEOUT_MS,
    });
  const unlock = lockDataDir(config.DATA_DIR);
  try {
    const store = await openPgliteStore({ dataDir: config.DATA_DIR });
    const close = store.close.bind(store);
    store.close = async () => {
      await close();
      unlock();
    };
    return store;
  } catch (err) {
    unlock();
    throw err;
  }
}

/** Writes the shipped data of a new store, in the transaction it is given. */
export type Seed = (tx: Queryable) => Promise<void>;

/**
 * Migrations, then, on a new store only, the shipped data the caller gives (the registry's home
 * division and built-in roles): the store knows no domain. Safe to run on every start; a built-in
 * role an admin deleted stays deleted until `roles restore-defaults`.
 */
export async function prepareStore(store: Store, seed: Seed): Promise<string[]> {
  const applied = await migrate(store);
  if (applied.includes("001_registry")) await store.transaction(seed);
  return applied;
}
