/**
 * The server thread's side of the sync section (bench/sync-bench.ts): the sync runtime started beside
 * the app, on the same store and event loop, as `scim-bridge serve` runs API and workers in one
 * process; the "is everything synced?" poll; the runtime's own metrics; and a bare BullMQ worker that
 * does nothing, the floor the pipeline's job rate is compared with. The fake Genesys Cloud runs in
 * the main thread (it stands for a remote service), reached over loopback by GenesysTarget.
 */
import { performance, type EventLoopUtilization } from "node:perf_hooks";
import { Queue, Worker } from "bullmq";
import { Registry, type Counter, type Histogram } from "prom-client";
import type { Store } from "../src/store/store.js";
import { createLogger } from "../src/log/logger.js";
import { redisConnection, startSyncRuntime, type SyncRuntime } from "../src/sync/runtime.js";
import { createSyncMetrics, type SyncMetrics } from "../src/sync/sync-metrics.js";
import { GenesysTarget, type GenesysTargetOptions } from "../src/sync/targets/genesys-target.js";
import { JOB_OPTIONS, QUEUE_NAMES, createQueues, enqueueSync, type SyncJobData } from "../src/sync/queues.js";
import { seedUsers } from "./scim-seed.js";

export interface SyncStartArgs {
  redisUrl: string;
  prefix: string;
  concurrency: number;
  debounceMs: number;
  relayIntervalMs: number;
  sweepIntervalMs: number;
  target: Pick<GenesysTargetOptions, "loginUrl" | "apiUrl" | "clientId" | "clientSecret">;
}

/** What the runtime did since the last `sync-mark`, from its own metrics and the thread's event loop. */
export interface SyncStats {
  /** `scim_bridge_sync_jobs_total` by "queue outcome". */
  jobs: Record<string, number>;
  /** `scim_bridge_sync_job_duration_seconds` of the user queue: sum (s) and count. */
  userJobSeconds: { sum: number; count: number };
  /** `scim_bridge_sync_lag_seconds` of users: sum (s), count, and cumulative bucket counts by upper bound. */
  lag: { sum: number; count: number; buckets: Array<[number, number]> };
  /** Event-loop utilisation of the server thread (app, workers, relay, PGlite) since the mark, 0..1. */
  elu: number;
  /** The poll's quick query: calls, median and total ms; and the full allSynced query: calls and median ms. */
  poll: { calls: number; medianMs: number; totalMs: number; fullCalls: number; fullMedianMs: number };
  /** Date.now() when the full query first counted nothing unsynced since the mark (null: not yet). */
  syncedAt: number | null;
  /** Jobs (user and group queues) waiting, delayed or running at `syncedAt`. */
  queuedAtSynced: number | null;
  /** Jobs completed after `syncedAt`: runs of resources already synced. */
  jobsAfterSynced: number;
  /** Date.now() of the last job completed since the mark (null: none). */
  lastJobAt: number | null;
  /** Jobs waiting, delayed or running now. */
  queued: number;
}

export interface BareArgs {
  redisUrl: string;
  prefix: string;
  jobs: number;
  concurrency: number;
  /**
   * "plain": the jobs added up front (addBulk, JOB_OPTIONS), then the worker started and timed.
   * "enqueue": the jobs added through enqueueSync itself (the debounce delay and the deduplication id
   * the pipeline uses), in batches of 500 as the relay adds them, while the worker runs; timed from
   * the first add.
   */
  mode: "plain" | "enqueue";
  debounceMs: number;
}

export interface BareResult {
  /** ms to add the jobs ("plain": before the worker started). */
  addMs: number;
  /** ms from the worker's start ("plain") or the first add ("enqueue") to the last completion. */
  runMs: number;
  completed: number;
}

/**
 * test/helpers/sync.ts allSynced's query, as counts: outbox rows, users and groups not applied at their
 * current version, sync states not synced (or deletions outstanding). All synced when the sum is 0; a
 * user waiting is counted in up to three of them, so `users` alone says how many users wait.
 */
const FULL_SQL = `select (select count(*) from outbox)::int as outbox,
      (select count(*) from scim_users u left join sync_state s on s.resource_type = 'User' and s.resource_id = u.id where s.synced_version is distinct from u.version or s.state <> 'synced')::int as users,
      (select count(*) from scim_groups g left join sync_state s on s.resource_type = 'Group' and s.resource_id = g.id where s.synced_version is distinct from g.version or s.state <> 'synced')::int as groups,
      (select count(*) from sync_state s where s.state <> 'synced' or (not s.deleted and s.resource_type = 'User' and not exists (select 1 from scim_users u where u.id = s.resource_id)))::int as states`;

/**
 * The poll's cheap form, for every 100 ms: outbox rows and sync states not synced (pending or failed),
 * through the sync_state (resource_type, state) index. While no SCIM write is in flight it is 0 exactly
 * when allSynced's is (a SCIM write leaves an outbox row in its transaction, and the relay marks the
 * resource pending before it deletes the row); the poll confirms a 0 with FULL_SQL.
 */
const QUICK_SQL = `select (select count(*) from outbox)::int as outbox,
      (select count(*) from sync_state where resource_type in ('User', 'Group') and state in ('pending', 'failed'))::int as waiting`;

export interface Unsynced {
  /** The sum of the counts: 0 when everything is synced. */
  total: number;
  /** quick: outbox rows + sync states pending or failed. full: users not applied at their current version. */
  waiting: number;
}

export interface SyncServer {
  start(args: SyncStartArgs): Promise<null>;
  unsynced(full: boolean): Promise<Unsynced>;
  /** Users from..to (bench/scim-seed.ts, one outbox row each) in one transaction; answers the ms it took. */
  seed(from: number, to: number): Promise<number>;
  mark(): Promise<null>;
  stats(): Promise<SyncStats>;
  stop(): Promise<null>;
  /** userName and created_at (ms) of the users whose userName starts with `prefix`. */
  created(prefix: string): Promise<Array<[string, number]>>;
  bare(args: BareArgs): Promise<BareResult>;
}

export function syncServer(store: Store): SyncServer {
  let runtime: SyncRuntime | null = null;
  let registry: Registry | null = null;
  let metrics: SyncMetrics | null = null;
  let eluMark: EventLoopUtilization = performance.eventLoopUtilization();
  let pollMs: number[] = [];
  let fullMs: number[] = [];
  /** Completion times of the user and group workers' jobs since the mark. */
  let completions: number[] = [];
  let syncedAt: number | null = null;
  let queuedAtSynced: number | null = null;

  async function queuedNow(): Promise<number> {
    if (!runtime) return 0;
    let n = 0;
    for (const q of [runtime.queues.user, runtime.queues.group]) {
      const c = await q.getJobCounts("waiting", "delayed", "active", "prioritized");
      n += Object.values(c).reduce((a, b) => a + b, 0);
    }
    return n;
  }

  async function counterValues(c: Counter<"queue" | "outcome">): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const v of (await c.get()).values) out[`${v.labels.queue} ${v.labels.outcome}`] = v.value;
    return out;
  }

  async function histogram(
    h: Histogram<string>,
    label: string,
    value: string,
  ): Promise<{ sum: number; count: number; buckets: Array<[number, number]> }> {
    const values = (await h.get()).values.filter((v) => v.labels[label] === value);
    const sum = values.find((v) => v.metricName?.endsWith("_sum"))?.value ?? 0;
    const count = values.find((v) => v.metricName?.endsWith("_count"))?.value ?? 0;
    const buckets = values
      .filter((v) => v.metricName?.endsWith("_bucket"))
      .map((v): [number, number] => [Number(v.labels.le === "+Inf" ? Infinity : v.labels.le), v.value]);
    return { sum, count, buckets };
  }

  return {
    async start(args) {
      if (runtime) throw new Error("sync-start: the runtime is already running");
      registry = new Registry();
      metrics = createSyncMetrics(registry);
      runtime = await startSyncRuntime(
        store,
        new GenesysTarget(args.target),
        // BENCH_SYNC_LOG=debug: the runtime's log on stderr, for looking into a run
        createLogger(process.env.BENCH_SYNC_LOG ?? "silent"),
        {
          redisUrl: args.redisUrl,
          prefix: args.prefix,
          concurrency: args.concurrency,
          relayIntervalMs: args.relayIntervalMs,
          sweepIntervalMs: args.sweepIntervalMs,
          divisionSyncIntervalMs: 21_600_000,
          debounceMs: args.debounceMs,
        },
        metrics,
      );
      for (const w of runtime.workers.slice(0, 2)) w.on("completed", () => completions.push(Date.now()));
      return null;
    },
    async unsynced(full) {
      const t0 = performance.now();
      if (full) {
        const r = (await store.query<{ outbox: number; users: number; groups: number; states: number }>(FULL_SQL))[0];
        fullMs.push(performance.now() - t0);
        if (!r) throw new Error("sync-unsynced: no answer");
        const total = Number(r.outbox) + Number(r.users) + Number(r.groups) + Number(r.states);
        if (total === 0 && syncedAt === null) {
          syncedAt = Date.now();
          queuedAtSynced = await queuedNow();
        }
        return { total: Number(r.outbox) + Number(r.users) + Number(r.groups) + Number(r.states), waiting: Number(r.users) };
      }
      const r = (await store.query<{ outbox: number; waiting: number }>(QUICK_SQL))[0];
      pollMs.push(performance.now() - t0);
      if (!r) throw new Error("sync-unsynced: no answer");
      return { total: Number(r.outbox) + Number(r.waiting), waiting: Number(r.outbox) + Number(r.waiting) };
    },
    async seed(from, to) {
      const t0 = performance.now();
      await store.transaction((tx) => seedUsers(tx, from, to, new Date()));
      return performance.now() - t0;
    },
    async mark() {
      registry?.resetMetrics();
      eluMark = performance.eventLoopUtilization();
      pollMs = [];
      fullMs = [];
      completions = [];
      syncedAt = null;
      queuedAtSynced = null;
      return null;
    },
    async stats() {
      if (!metrics) throw new Error("sync-stats: the runtime was not started");
      const sorted = [...pollMs].sort((a, b) => a - b);
      const fullSorted = [...fullMs].sort((a, b) => a - b);
      const duration = await histogram(metrics.duration as Histogram<string>, "queue", QUEUE_NAMES.User);
      return {
        jobs: await counterValues(metrics.jobs),
        userJobSeconds: { sum: duration.sum, count: duration.count },
        lag: await histogram(metrics.lag as Histogram<string>, "type", "User"),
        elu: performance.eventLoopUtilization(eluMark).utilization,
        poll: {
          calls: sorted.length,
          medianMs: sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN,
          totalMs: sorted.reduce((a, b) => a + b, 0),
          fullCalls: fullSorted.length,
          fullMedianMs: fullSorted[Math.floor((fullSorted.length - 1) / 2)] ?? Number.NaN,
        },
        syncedAt,
        queuedAtSynced,
        jobsAfterSynced: completions.filter((t) => syncedAt !== null && t > syncedAt).length,
        lastJobAt: completions.reduce<number | null>((a, b) => (a === null || b > a ? b : a), null),
        queued: await queuedNow(),
      };
    },
    async stop() {
      const r = runtime;
      runtime = null;
      await r?.stop();
      return null;
    },
    async created(prefix) {
      const rows = await store.query<{ user_name: string; at: number }>(
        "select user_name, (extract(epoch from created_at) * 1000)::float8 as at from scim_users where user_name like $1",
        [`${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`],
      );
      return rows.map((r) => [r.user_name, Number(r.at)]);
    },
    bare: (args) => bareBullmq(args),
  };
}

/** A BullMQ worker whose processor does nothing, on the same Redis and connection settings as the runtime's. */
async function bareBullmq(args: BareArgs): Promise<BareResult> {
  const producer = redisConnection(args.redisUrl, false);
  const consumer = redisConnection(args.redisUrl, true);
  let completed = 0;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const startWorker = (): Worker<SyncJobData> => {
    const w = new Worker<SyncJobData>(QUEUE_NAMES.User, async () => undefined, {
      connection: consumer,
      prefix: args.prefix,
      concurrency: args.concurrency,
      autorun: false,
    });
    w.on("completed", () => {
      if (++completed === args.jobs) resolveDone();
    });
    w.on("error", () => undefined);
    return w;
  };
  const ids = Array.from({ length: args.jobs }, (_, i) => `bare-${i + 1}`);

  if (args.mode === "plain") {
    const queue = new Queue<SyncJobData>(QUEUE_NAMES.User, { connection: producer, prefix: args.prefix, defaultJobOptions: JOB_OPTIONS });
    queue.on("error", () => undefined);
    const worker = startWorker();
    try {
      const a0 = performance.now();
      for (let i = 0; i < ids.length; i += 1000)
        await queue.addBulk(ids.slice(i, i + 1000).map((id) => ({ name: "sync", data: { type: "User" as const, id } })));
      const addMs = performance.now() - a0;
      const r0 = performance.now();
      void worker.run();
      await done;
      return { addMs, runMs: performance.now() - r0, completed };
    } finally {
      await worker.close();
      await queue.close();
    }
  }

  const queues = createQueues(producer, args.prefix, args.debounceMs);
  const worker = startWorker();
  try {
    void worker.run();
    const t0 = performance.now();
    for (let i = 0; i < ids.length; i += 500) await Promise.all(ids.slice(i, i + 500).map((id) => enqueueSync(queues, "User", id)));
    const addMs = performance.now() - t0;
    await done;
    return { addMs, runMs: performance.now() - t0, completed };
  } finally {
    await worker.close();
    await queues.close();
  }
}
