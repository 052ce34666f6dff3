import { type Clock, systemClock } from "../clock.js";
import type { Config } from "../config/config.js";
import type { Store } from "../store/store.js";
import type { DirectoryTarget } from "./targets/target.js";
import { DryRunTarget } from "./targets/dry-run-target.js";
import { GenesysTarget } from "./targets/genesys-target.js";
import { genesysUrls } from "../genesys/regions.js";
import type { Redis } from "ioredis";
import { RedisPacer } from "./targets/pacer.js";

/**
 * TARGET=dry-run (default) records the plan; TARGET=genesys calls the Platform API, paced through
 * `redis` (shared with every process using the same Genesys client) when one is given.
 */
export function createTarget(config: Config, store: Store, clock: Clock = systemClock, redis?: Redis): DirectoryTarget {
  if (config.TARGET === "dry-run") return new DryRunTarget(store, clock);
  const { loginUrl, apiUrl } = genesysUrls(config.GENESYS_REGION, { loginUrl: config.GENESYS_LOGIN_URL, apiUrl: config.GENESYS_API_URL });
  const pacer = redis
    ? new RedisPacer(redis, {
        perMinute: config.GENESYS_RATE_LIMIT_PER_MINUTE,
        budget: `${apiUrl} ${config.GENESYS_CLIENT_ID}`,
        prefix: config.QUEUE_PREFIX,
      })
    : undefined;
  return new GenesysTarget({
    loginUrl,
    apiUrl,
    clientId: config.GENESYS_CLIENT_ID,
    clientSecret: config.GENESYS_CLIENT_SECRET,
    clock,
    pacer,
  });
}
