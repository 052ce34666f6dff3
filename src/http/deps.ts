import type { Redis } from "ioredis";
import type { Config } from "../config/config.js";
import type { Store } from "../store/store.js";
import type { Logger } from "../log/logger.js";
import type { Clock } from "../clock.js";
import type { Metrics } from "./metrics.js";

/** Everything the HTTP app needs, passed in so tests build it against real services with their own clock. */
export interface AppDeps {
  config: Config;
  store: Store;
  logger: Logger;
  clock: Clock;
  metrics: Metrics;
  /** Checked by /readyz; absent when the process runs without queues. */
  redis?: Redis | null;
}
