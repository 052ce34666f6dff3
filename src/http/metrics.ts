import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** One registry per app instance, so that tests can build several apps in one process. */
export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<"method" | "route" | "status">;
  tokensIssued: Counter<"outcome">;
  tokenChecks: Counter<"outcome">;
}

export function createMetrics(withDefaults = true): Metrics {
  const registry = new Registry();
  if (withDefaults) collectDefaultMetrics({ register: registry, prefix: "scim_bridge_" });
  return {
    registry,
    httpDuration: new Histogram({
      name: "scim_bridge_http_request_duration_seconds",
      help: "HTTP request duration by route template",
      labelNames: ["method", "route", "status"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    tokensIssued: new Counter({
      name: "scim_bridge_oauth_tokens_issued_total",
      help: "Token requests by outcome (issued or the OAuth error code)",
      labelNames: ["outcome"],
      registers: [registry],
    }),
    tokenChecks: new Counter({
      name: "scim_bridge_oauth_token_checks_total",
      help: "Bearer token checks by outcome",
      labelNames: ["outcome"],
      registers: [registry],
    }),
  };
}
