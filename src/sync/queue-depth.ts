import type { SyncQueues } from "./queues.js";
import type { SyncMetrics } from "./sync-metrics.js";

/**
 * Keeps the queue-depth gauge current: every queue's job counts by state, read every `everyMs`. A
 * failed read (Redis away) leaves the last figures; RedisHealth reports the loss. Returns the stop.
 */
export function watchQueueDepth(queues: SyncQueues, metrics: SyncMetrics, everyMs = 15_000): () => void {
  const timer = setInterval(() => {
    for (const q of [queues.user, queues.group, queues.divisions]) {
      q.getJobCounts("wait", "active", "delayed", "failed", "prioritized").then(
        (counts) => {
          for (const [state, n] of Object.entries(counts)) metrics.depth.set({ queue: q.name, state }, n);
        },
        () => undefined,
      );
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
