import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export interface SyncMetrics {
  jobs: Counter<"queue" | "outcome">;
  duration: Histogram<"queue">;
  depth: Gauge<"queue" | "state">;
  lag: Histogram<"type">;
}

export function createSyncMetrics(registry: Registry): SyncMetrics {
  return {
    jobs: new Counter({
      name: "scim_bridge_sync_jobs_total",
      help: "Sync jobs by queue and outcome (completed, failed, retried, rate_limited)",
      labelNames: ["queue", "outcome"],
      registers: [registry],
    }),
    duration: new Histogram({
      name: "scim_bridge_sync_job_duration_seconds",
      help: "Sync job run time",
      labelNames: ["queue"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    depth: new Gauge({
      name: "scim_bridge_sync_queue_jobs",
      help: "Jobs in each queue by state",
      labelNames: ["queue", "state"],
      registers: [registry],
    }),
    lag: new Histogram({
      name: "scim_bridge_sync_lag_seconds",
      help: "Time from the SCIM write to its application on the target",
      labelNames: ["type"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
      registers: [registry],
    }),
  };
}
