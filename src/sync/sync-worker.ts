import { type Clock, systemClock } from "../clock.js";
import { UnrecoverableError, Worker, type ConnectionOptions, type Job } from "bullmq";
import type { Store } from "../store/store.js";
import type { Logger } from "../log/logger.js";
import type { DirectoryTarget } from "./targets/target.js";
import { TargetError } from "./target-error.js";
import { QUEUE_NAMES, enqueueSync, enqueueSyncMany, type SyncJobData, type SyncQueues } from "./queues.js";
import { reconcileUser } from "./reconcile-user.js";
import { reconcileGroup } from "./reconcile-group.js";
import { markFailed, noteError } from "./sync-state.js";
import type { SyncMetrics } from "./sync-metrics.js";

export interface WorkerDeps {
  store: Store;
  target: DirectoryTarget;
  queues: SyncQueues;
  logger: Logger;
  metrics?: SyncMetrics;
  clock?: Clock;
  /** The roles the sync may grant (reconcile-user.ts). */
  grantableRoles?: ReadonlySet<string>;
}

export interface WorkerOptions {
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  /** How soon a job whose worker died is taken up again (BullMQ stalled-job check). */
  lockDurationMs?: number;
  /** The longest wait between two attempts of a job that keeps failing transiently. */
  retryCapMs?: number;
}

export const DEFAULT_RETRY_CAP_MS = 5 * 60_000;

/**
 * The wait before attempt `attemptsMade + 1`: doubling from a second, capped, with jitter (half to
 * all of it) so that jobs failed by one outage do not all come back at once.
 */
export function retryDelayMs(attemptsMade: number, capMs: number, random: () => number = Math.random): number {
  const base = Math.min(capMs, 1000 * 2 ** Math.min(30, Math.max(0, attemptsMade - 1)));
  return Math.round(base * (0.5 + random() * 0.5));
}

/**
 * The thin BullMQ wiring around reconcileUser/reconcileGroup (which know nothing of BullMQ). Each
 * failure kind steers the queue: rate-limited pauses it without spending an attempt, permanent fails
 * at once with the target's message kept, transient retries with backoff.
 */
export function startSyncWorker(kind: "User" | "Group", deps: WorkerDeps, opts: WorkerOptions): Worker<SyncJobData> {
  const clock = deps.clock ?? systemClock;
  const queueName = kind === "User" ? QUEUE_NAMES.User : QUEUE_NAMES.Group;
  const log = deps.logger.child({ category: "sync", queue: queueName });
  const reconcileDeps = { db: deps.store, target: deps.target, clock, grantableRoles: deps.grantableRoles };
  const worker: Worker<SyncJobData> = new Worker<SyncJobData>(
    queueName,
    async (job: Job<SyncJobData>) => {
      const started = process.hrtime.bigint();
      const { id } = job.data;
      try {
        if (kind === "User") {
          const result = await reconcileUser(reconcileDeps, id);
          if (result.groups.length) await enqueueSyncMany(deps.queues, "Group", result.groups);
          if (result.reports.length || result.requeue)
            await enqueueSyncMany(deps.queues, "User", result.requeue ? [...result.reports, id] : result.reports);
          if (result.pendingSince) deps.metrics?.lag.observe({ type: kind }, (clock() - result.pendingSince.getTime()) / 1000);
          log.debug(
            { jobId: job.id, id, outcome: result.outcome, version: result.version },
            result.repeat ? "user already synced at this version: nothing to do" : "user synced",
          );
        } else {
          const result = await reconcileGroup(reconcileDeps, id);
          if (result.requeue) await enqueueSync(deps.queues, "Group", id);
          if (result.pendingSince) deps.metrics?.lag.observe({ type: kind }, (clock() - result.pendingSince.getTime()) / 1000);
          log.debug({ jobId: job.id, id, added: result.added, removed: result.removed }, "group synced");
        }
        deps.metrics?.jobs.inc({ queue: queueName, outcome: "completed" });
      } catch (err) {
        if (err instanceof TargetError && err.kind === "rate_limited") {
          deps.metrics?.jobs.inc({ queue: queueName, outcome: "rate_limited" });
          log.info({ jobId: job.id, id, retryAfterMs: err.retryAfterMs }, "target rate-limited: queue paused");
          await worker.rateLimit(err.retryAfterMs ?? 60_000);
          throw Worker.RateLimitError();
        }
        const message = err instanceof Error ? err.message : String(err);
        const permanent = err instanceof TargetError ? ["permanent", "conflict"].includes(err.kind) : false;
        if (permanent) {
          await markFailed(deps.store, kind, id, message);
          deps.metrics?.jobs.inc({ queue: queueName, outcome: "failed" });
          log.warn({ jobId: job.id, id, err: message }, "sync failed for good");
          throw new UnrecoverableError(message);
        }
        // Transient: never failed for good. The job backs off to a cap and goes on (retryDelayMs), so an
        // outage of any length ends with everything applied; the resource stays pending meanwhile.
        await noteError(deps.store, kind, id, message);
        deps.metrics?.jobs.inc({ queue: queueName, outcome: "retried" });
        log.info({ jobId: job.id, id, attempt: job.attemptsMade + 1, err: message }, "sync failed; will retry");
        throw err;
      } finally {
        deps.metrics?.duration.observe({ queue: queueName }, Number(process.hrtime.bigint() - started) / 1e9);
      }
    },
    {
      connection: opts.connection,
      prefix: opts.prefix,
      concurrency: opts.concurrency,
      settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, opts.retryCapMs ?? DEFAULT_RETRY_CAP_MS) },
      lockDuration: opts.lockDurationMs ?? 30_000,
      stalledInterval: Math.max(500, Math.floor((opts.lockDurationMs ?? 30_000) / 2)),
    },
  );
  // Connection errors repeat at every reconnection attempt; Redis loss and return are logged once by RedisHealth
  worker.on("error", (err) => log.debug({ err: err.message }, "worker error"));
  return worker;
}
