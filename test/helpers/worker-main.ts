/**
 * A sync worker in a process of its own, for tests that kill it: PostgreSQL store (a test schema),
 * the fake Genesys, real Redis. Configured by environment variables set by the test.
 */
import { openPgStore } from "../../src/store/pg-store.js";
import { GenesysTarget } from "../../src/sync/targets/genesys-target.js";
import { startSyncRuntime } from "../../src/sync/runtime.js";
import { createLogger } from "../../src/log/logger.js";

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is required`);
  return v;
};

const store = await openPgStore({ connectionString: env("WORKER_DATABASE_URL"), schema: env("WORKER_SCHEMA"), max: 4 });
const target = new GenesysTarget({
  loginUrl: env("WORKER_GENESYS_URL"),
  apiUrl: env("WORKER_GENESYS_URL"),
  clientId: env("WORKER_GENESYS_CLIENT_ID"),
  clientSecret: env("WORKER_GENESYS_CLIENT_SECRET"),
  timeoutMs: 30_000,
});
await startSyncRuntime(store, target, createLogger("silent"), {
  redisUrl: env("WORKER_REDIS_URL"),
  prefix: env("WORKER_PREFIX"),
  concurrency: 2,
  relayIntervalMs: 20,
  sweepIntervalMs: 60_000,
  divisionSyncIntervalMs: 3_600_000,
  lockDurationMs: 1_000,
  debounceMs: 0,
});
process.stdout.write("ready\n");
