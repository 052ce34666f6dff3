import { type Clock, systemClock } from "../clock.js";
import { Worker, type ConnectionOptions } from "bullmq";
import type { Store } from "../store/store.js";
import type { Logger } from "../log/logger.js";
import type { DirectoryTarget } from "./targets/target.js";
import { QUEUE_NAMES, createQueues, type SyncQueues } from "./queues.js";
import { OutboxRelay } from "./outbox-relay.js";
import { startSyncWorker } from "./sync-worker.js";
import { sweep } from "./sweep.js";
import { resyncIfTargetChanged, type TargetIdentity } from "./target-change.js";
import { syncDivisions } from "./reconcile-divisions.js";
import type { SyncMetrics } from "./sync-metrics.js";

export interface SyncRuntimeOptions {
  redisUrl: string;
  prefix: string;
  concurrency: number;
  relayIntervalMs: number;
  sweepIntervalMs: number;
  divisionSyncIntervalMs: number;
  lockDurationMs?: number;
  debounceMs: number;
  /** How long stop() lets active jobs finish before closing the workers by force. */
  shutdownGraceMs?: number;
  /**
   * Which target the sync state belongs to. When it differs from the one recorded in the store, every
   * resource is reset to pending before the workers start (ids of another target mean nothing here).
   */
  targetIdentity?: TargetIdentity;
  /** The longest wait between attempts of a job failing transiently (default 5 minutes). */
  retryCapMs?: number;
  /** The time source of the workers and the division sync (tests move it). */
  clock?: Clock;
  /** The role names the sync may grant from SCIM `roles` (GENESYS_GRANTABLE_ROLES); none by default. */
  grantableRoles?: ReadonlySet<string>;
}

const delay = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms).unref());

export interface SyncRuntime {
  queues: SyncQueues;
  workers: Worker[];
  relay: OutboxRelay;
  /** Registers the periodic division sync again and sweeps: for a Redis that came back empty. */
  reschedule(): void;
  stop(): Promise<void>;
}

/** Redis connection settings: workers block (no retry limit), as BullMQ's workers require (maxRetriesPerRequest: null). */
export function redisConnection(url: string, forWorker: boolean): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === "rediss:" ? {} : undefined,
    maxRetriesPerRequest: forWorker ? null : 1,
    enableOfflineQueue: forWorker,
  };
}

/**
 * The worker side: outbox relay, user and group workers, the division worker and its schedule, and
 * the periodic sweep. Stops in order: relay, workers (finishing active jobs), queues.
 */
export async function startSyncRuntime(
  store: Store,
  target: DirectoryTarget,
  logger: Logger,
  opts: SyncRuntimeOptions,
  metrics?: SyncMetrics,
): Promise<SyncRuntime> {
  const log = logger.child({ category: "sync" });
  const clock = opts.clock ?? systemClock;
  if (opts.targetIdentity) {
    const change = await resyncIfTargetChanged(store, opts.targetIdentity, new Date(clock()), log);
    // the division ids of the new target first, or users outside the home division fail on them
    if (change.changed)
      await syncDivisions(store, target, new Date(clock())).catch((err: unknown) =>
        log.warn({ err: (err as Error).message }, "division sync after the target change failed; it is retried on its schedule"),
      );
  }
  const queues = createQueues(redisConnection(opts.redisUrl, false), opts.prefix, opts.debounceMs);
  const relay = new OutboxRelay(store, queues, log, opts.relayIntervalMs);
  const workerOpts = {
    connection: redisConnection(opts.redisUrl, true),
    prefix: opts.prefix,
    concurrency: opts.concurrency,
    lockDurationMs: opts.lockDurationMs,
    retryCapMs: opts.retryCapMs,
  };
  const deps = { store, target, queues, logger, metrics, clock, grantableRoles: opts.grantableRoles };
  const workers: Worker[] = [startSyncWorker("User", deps, workerOpts), startSyncWorker("Group", deps, workerOpts)];
  const divisionWorker = new Worker(QUEUE_NAMES.Divisions, async () => syncDivisions(store, target, new Date(clock())), {
    connection: workerOpts.connection,
    prefix: opts.prefix,
    concurrency: 1,
  });
  // Connection errors repeat at every reconnection attempt; Redis loss and return are logged once by RedisHealth
  divisionWorker.on("error", (err) => log.debug({ err: err.message }, "division worker error"));
  workers.push(divisionWorker);
  relay.start();
  const runSweep = () =>
    sweep(store, queues).then(
      (n) => n && log.info({ queued: n }, "sweep queued unsynced resources"),
      (err: unknown) => log.debug({ err: (err as Error).message }, "sweep failed; will run again"),
    );
  void runSweep();
  const sweepTimer = setInterval(runSweep, opts.sweepIntervalMs);
  sweepTimer.unref();
  // The schedule lives in Redis. Registering it can fail while Redis is down, or just after it is back
  // while the queue's own connection is still waiting to reconnect: it is tried again every 2 s until it
  // holds (a new attempt replaces a pending one).
  let scheduleRetry: NodeJS.Timeout | null = null;
  let stopped = false;
  const schedule = (attempt = 1): void => {
    if (scheduleRetry) clearTimeout(scheduleRetry);
    scheduleRetry = null;
    queues.divisions.upsertJobScheduler("divisions-sync", { every: opts.divisionSyncIntervalMs }, { name: "sync", data: {} }).then(
      () => undefined,
      (err: unknown) => {
        if (stopped) return;
        if (attempt === 1) log.debug({ err: (err as Error).message }, "could not schedule division sync yet; retrying");
        scheduleRetry = setTimeout(() => schedule(attempt + 1), 2_000);
        scheduleRetry.unref();
      },
    );
  };
  schedule();
  return {
    queues,
    workers,
    relay,
    reschedule: () => {
      schedule();
      void runSweep();
    },
    stop: async () => {
      stopped = true;
      if (scheduleRetry) clearTimeout(scheduleRetry);
      clearInterval(sweepTimer);
      await relay.stop();
      // Active jobs may finish; but with Redis gone a graceful close never returns: force it after a grace period.
      const graceful = Promise.all(workers.map((w) => w.close())).then(
        () => true,
        () => false,
      );
      if (!(await Promise.race([graceful, delay(opts.shutdownGraceMs ?? 10_000, false)]))) {
        log.warn("workers did not finish in time (is Redis reachable?): closing them by force");
        await Promise.race([Promise.all(workers.map((w) => w.close(true).catch(() => undefined))), delay(2_000, undefined)]);
      }
      // With Redis gone, closing a queue can fail or never finish: neither may stop the shutdown
      await Promise.race([queues.close().catch(() => undefined), delay(2_000, undefined)]);
    },
  };
}
