import { type Clock, systemClock } from "../clock.js";
import type { Config } from "../config/config.js";
import type { Store } from "../store/store.js";
import type { DirectoryTarget } from "./targets/target.js";
import { DryRunTarget } from "./targets/dry-run-target.js";
import { GenesysTarget } from "./targets/genesys-target.js";
import { genesysUrls } from "../genesys/regions.js";

/** TARGET=dry-run (default) records the plan; TARGET=genesys calls the Platform API. */
export function createTarget(config: Config, store: Store, clock: Clock = systemClock): DirectoryTarget {
  if (config.TARGET === "dry-run") return new DryRunTarget(store, clock);
  const { loginUrl, apiUrl } = genesysUrls(config.GENESYS_REGION, { loginUrl: config.GENESYS_LOGIN_URL, apiUrl: config.GENESYS_API_URL });
  return new GenesysTarget({ loginUrl, apiUrl, clientId: config.GENESYS_CLIENT_ID, clientSecret: config.GENESYS_CLIENT_SECRET, clock });
}
