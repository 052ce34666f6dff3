import type { Redis } from "ioredis";
import type { Config } from "../config/config.js";
import type { Store } from "../store/store.js";
import type { Logger } from "../log/logger.js";
import type { Clock } from "../clock.js";
import type { Metrics } from "./metrics.js";
import type { SyncQueues } from "../sync/queues.js";
import type { DirectoryTarget } from "../sync/targets/target.js";

/** Everything the HTTP app needs, passed in so tests build it against real services with their own clock. */
export interface AppDeps {
  config: Config;
  store: Store;
  logger: Logger;
  clock: Clock;
  metrics: Metrics;
  /** Checked by /readyz; absent when the process runs without queues. */
  redis?: Redis | null;
  /** The sync queues (failed jobs, retries, the dashboard); absent without Redis. */
  queues?: SyncQueues | null;
  /** The sync target, for on-demand division syncs and the dry-run plan. */
  target?: DirectoryTarget | null;
}
