/**
 * The sync pipeline end to end (docs/architecture.md): 10,000 users POSTed through SCIM while the sync runtime
 * (outbox relay, BullMQ, workers) runs beside the app in the server thread and applies them to the fake
 * Genesys Cloud (test/fakes/genesys), which runs in the main thread over loopback. Measures the SCIM
 * side, the time until everything is synced, the job rate, the lag from the SCIM write to the target's
 * call, the calls made per user; and, on the same Redis, a BullMQ worker that does nothing.
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { Redis } from "ioredis";
import { startFakeGenesys, type FakeCall, type FakeGenesys } from "../test/fakes/genesys/index.js";
import { dropPrefix } from "../test/helpers/sync.js";
import { loadConfig } from "../src/config/config.js";
import type { BareResult, SyncStats } from "./sync-server.js";
import type { ServerHandle } from "./worker.js";
import type { Section } from "./section.js";
import { newUserBody } from "./scim-seed.js";
import { CONNECTIONS, int, issueToken, log, ms, positive, seconds, table, wasInterrupted } from "./common.js";

const USERS = Math.round(positive(process.env.BENCH_SYNC_USERS, 10_000));
const WARMUP_USERS = Math.min(300, USERS);
/** Users that appear in the outbox at once (SQL) for the pipeline to sync with no SCIM load beside it (BENCH_SYNC_ALONE_USERS). */
const ALONE_USERS = Math.round(positive(process.env.BENCH_SYNC_ALONE_USERS, USERS));
/** Users POSTed after the runtime stopped: SCIM's write rate on the same store without the pipeline beside it. */
const BASELINE_USERS = Math.min(1_500, USERS);
/**
 * The workers' concurrency (BENCH_SYNC_CONCURRENCY). 64: the concurrent jobs of a worker share their
 * store statements (src/sync/reconcile-deps.ts StoreBatcher), so more jobs at once cost fewer statements each.
 */
const CONCURRENCY = Math.round(positive(process.env.BENCH_SYNC_CONCURRENCY, 64));
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const POLL_MS = 100;
/** After the last SCIM write, how long the pipeline may take to finish before the run is reported as timed out. */
const SYNC_TIMEOUT_MS = 90_000;
/** The production defaults (config/default.json), not the tests' shorter ones. */
const DEFAULTS = loadConfig({}, { LOG_LEVEL: "silent" });
const DEBOUNCE_MS = DEFAULTS.SYNC_DEBOUNCE_MS;
const RELAY_INTERVAL_MS = DEFAULTS.SYNC_RELAY_INTERVAL_MS;
/** BENCH_SYNC_SWEEP_MS: another sweep interval, to see what the periodic sweep adds (default: production's). */
const SWEEP_INTERVAL_MS = Math.round(positive(process.env.BENCH_SYNC_SWEEP_MS, DEFAULTS.SYNC_SWEEP_INTERVAL_MS));
/** After all synced, how long the queues may take to empty before the jobs run after it are counted anyway. */
const SETTLE_TIMEOUT_MS = 60_000;

/**
 * The aims of issue 12 ("the pipeline"): a 10,000-user backlog applied at 2,000 users/s on PostgreSQL and
 * 1,000 on PGlite; 10,000 users written through SCIM all synced within 15 s of the first write; SCIM
 * writing at 85 % of its rate without the pipeline while it runs; no job after everything is synced.
 */
const AIMS = {
  aloneUsersPerSecond: (store: string): number => (/pglite/i.test(store) ? 1_000 : 2_000),
  endToEndMs: 15_000,
  scimRatio: 0.85,
  jobsAfterSynced: 0,
};

interface Push {
  /** Date.now() just before the first request was sent, and after the last answer. */
  startAt: number;
  endAt: number;
  /** Per-request ms (2xx only), sorted. */
  latencies: Float64Array;
  bad: number;
  badStatuses: Record<string, number>;
}

interface Cpu {
  /** Busy CPU time of the whole machine (all cores), ms. */
  machineMs: number;
  /** This process (every thread: the app and workers, the load loop, the fake), ms. */
  processMs: number;
  /** redis-server (INFO cpu: used_cpu_user + used_cpu_sys), ms. */
  redisMs: number;
}

interface SyncResult {
  store: string;
  skipped?: string;
  push?: Push;
  /** ms from the first SCIM write until the poll first saw nothing left unsynced (NaN: timed out). */
  syncedMs?: number;
  /** Users not yet synced by the first poll after the last SCIM answer, and ms from that answer until all synced. */
  backlogAtLoadEnd?: number;
  drainMs?: number;
  /** Unsynced users over time: [ms since the first write, count]. */
  timeline?: Array<[number, number]>;
  stats?: SyncStats;
  /** ms from the SCIM write (the user's created_at) to the fake's POST /api/v2/users for that e-mail, sorted. */
  lags?: Float64Array;
  missing?: number;
  calls?: Record<string, number>;
  callsBad?: number;
  cpu?: Cpu;
  /** Main thread (load loop and the fake Genesys) event-loop utilisation, 0..1. */
  mainElu?: number;
  after?: AfterSynced;
  bare?: { plain: BareResult; enqueue: BareResult };
  /** SCIM POSTs with the runtime stopped, same store, same loop. */
  baseline?: Push;
  /** Server thread event-loop utilisation during `baseline`. */
  baselineElu?: number;
  alone?: Alone;
}

/** The pipeline with no SCIM load: ALONE_USERS outbox rows at once. */
interface Alone {
  /** ms from the seeding's start to the first poll that found everything synced (NaN: timed out). */
  ms: number;
  /** ms the seeding transaction took (inside `ms`). */
  seedMs: number;
  stats: SyncStats;
  after: AfterSynced;
}

/** What the workers did after everything was synced: runs of resources already applied. */
interface AfterSynced {
  /** Jobs waiting, delayed or running when all was synced. */
  queued: number;
  /** Jobs completed after that. */
  jobs: number;
  /** ms from all synced to the last of them (0: none). */
  busyMs: number;
  /** The queues were not empty SETTLE_TIMEOUT_MS later. */
  unsettled: boolean;
}

function afterLine(a: AfterSynced): string {
  return `${int(a.jobs)} jobs ran after all synced (${Number.isFinite(a.queued) ? int(a.queued) : "?"} queued then, the last ${seconds(a.busyMs)} after)${a.unsettled ? ", and the queues had not emptied a minute later" : ""}`;
}

function afterSynced(st: SyncStats): AfterSynced {
  return {
    queued: st.queuedAtSynced ?? Number.NaN,
    jobs: st.jobsAfterSynced,
    busyMs: st.syncedAt !== null && st.lastJobAt !== null && st.lastJobAt > st.syncedAt ? st.lastJobAt - st.syncedAt : 0,
    unsettled: st.queued > 0,
  };
}

const sleep = (msValue: number): Promise<void> => new Promise((r) => setTimeout(r, msValue));

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** POSTs `count` new users over `connections` concurrent keep-alive connections, each request after the previous answer. */
async function pushUsers(app: string, token: string, userName: (n: number) => string, count: number, connections: number): Promise<Push> {
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/scim+json" };
  const latencies: number[] = [];
  const badStatuses: Record<string, number> = {};
  let bad = 0;
  let next = 0;
  const one = async (): Promise<void> => {
    while (next < count && !wasInterrupted()) {
      const n = ++next;
      const t0 = performance.now();
      try {
        const res = await fetch(`${app}/scim/v2/Users`, { method: "POST", headers, body: JSON.stringify(newUserBody(userName(n), n)) });
        await res.arrayBuffer();
        if (res.status >= 200 && res.status < 300) latencies.push(performance.now() - t0);
        else {
          bad++;
          badStatuses[res.status] = (badStatuses[res.status] ?? 0) + 1;
        }
      } catch {
        bad++;
        badStatuses.error = (badStatuses.error ?? 0) + 1;
      }
    }
  };
  const startAt = Date.now();
  await Promise.all(Array.from({ length: connections }, one));
  const endAt = Date.now();
  if (wasInterrupted()) throw new Error("interrupted");
  return { startAt, endAt, latencies: Float64Array.from(latencies).sort(), bad, badStatuses };
}

async function redisCpuMs(redis: Redis): Promise<number> {
  const info = await redis.info("cpu");
  const field = (k: string): number => Number(new RegExp(`^${k}:([\\d.]+)`, "m").exec(info)?.[1] ?? Number.NaN);
  return (field("used_cpu_user") + field("used_cpu_sys")) * 1000;
}

async function cpuNow(redis: Redis): Promise<Cpu> {
  const machineMs = os.cpus().reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
  const p = process.cpuUsage();
  return { machineMs, processMs: (p.user + p.system) / 1000, redisMs: await redisCpuMs(redis) };
}

/** A downstream call's kind, for the calls-per-user table. */
function callKind(c: FakeCall): string {
  const path = c.path.split("?")[0]!;
  if (path === "/oauth/token") return "token";
  if (c.method === "POST" && path === "/api/v2/users") return "POST /users";
  if (c.method === "PATCH" && path.startsWith("/api/v2/users/")) return "PATCH /users/{id}";
  if (c.method === "GET" && path.startsWith("/api/v2/users/")) return "GET /users/{id}";
  if (path === "/api/v2/users/search") return "POST /users/search";
  if (path.startsWith("/api/v2/authorization/divisions")) return "divisions";
  return "other";
}
const CALL_KINDS = ["POST /users", "PATCH /users/{id}", "GET /users/{id}", "POST /users/search", "divisions", "token", "other"];

export function syncSection(): Section {
  const results: SyncResult[] = [];

  async function runOn(name: string, server: ServerHandle): Promise<void> {
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    redis.on("error", () => undefined);
    try {
      await redis.connect();
      await redis.ping();
    } catch (err) {
      const note = `skipped: Redis at ${REDIS_URL} not reachable (${err instanceof Error ? err.message : String(err)})`;
      log(`sync on ${name}: ${note}`);
      results.push({ store: name, skipped: note });
      redis.disconnect();
      return;
    }
    const tag = `${process.pid}-${randomBytes(3).toString("hex")}`;
    const prefix = `bench-sync-${tag}`;
    const barePrefixes = [`bench-bare-${tag}`, `bench-bare-enqueue-${tag}`];
    let fake: FakeGenesys | null = null;
    try {
      // reported, not enforced: the limit would pace the run at 300 calls a minute, and this measures the bridge
      fake = await startFakeGenesys({ enforceRateLimit: false });
      const token = await issueToken(server);
      await server.call("sync-start", {
        redisUrl: REDIS_URL,
        prefix,
        concurrency: CONCURRENCY,
        debounceMs: DEBOUNCE_MS,
        relayIntervalMs: RELAY_INTERVAL_MS,
        sweepIntervalMs: SWEEP_INTERVAL_MS,
        target: fake.targetOptions(),
      });

      /**
       * The runtime's stats once its queues are empty (at most SETTLE_TIMEOUT_MS after the call): what
       * ran after everything was synced is then counted in full.
       */
      const settled = async (): Promise<SyncStats> => {
        const until = Date.now() + SETTLE_TIMEOUT_MS;
        for (;;) {
          const st = await server.call("sync-stats", {});
          if (st.queued === 0 || Date.now() > until || wasInterrupted()) return st;
          await sleep(250);
        }
      };

      /**
       * Polls every POLL_MS from `from` (Date.now()) with the quick count; once `writesDone()` held when a
       * poll was issued and it counted 0, confirms with allSynced's full query. Answers when that poll was
       * issued (NaN when `timeoutMs` after the writes ended passed first).
       */
      const pollUntilSynced = async (
        from: number,
        writesDone: () => number,
        timeoutMs: number,
        timeline?: Array<[number, number]>,
      ): Promise<number> => {
        for (;;) {
          const tick = Date.now();
          const doneAt = writesDone();
          const n = await server.call("sync-unsynced", { full: false });
          timeline?.push([tick - from, n.waiting]);
          if (Number.isFinite(doneAt) && n.total === 0 && (await server.call("sync-unsynced", { full: true })).total === 0) return tick;
          if (wasInterrupted()) throw new Error("interrupted");
          if (Number.isFinite(doneAt) && tick > doneAt + timeoutMs) return Number.NaN;
          await sleep(Math.max(0, tick + POLL_MS - Date.now()));
        }
      };

      // Warm-up: the JIT, the store's caches, the target's token, the division sync's first run.
      log(`sync on ${name}: warm-up, ${int(WARMUP_USERS)} users through SCIM and the pipeline`);
      const warm = await pushUsers(server.appBase, token, (n) => `Sync.Warm${tag}.${n}@example.com`, WARMUP_USERS, CONNECTIONS);
      if (!Number.isFinite(await pollUntilSynced(warm.startAt, () => warm.endAt, 60_000)))
        throw new Error(`sync on ${name}: the warm-up did not sync within 60 s`);

      fake.clearCalls();
      await server.call("sync-mark", {});
      const cpu0 = await cpuNow(redis);
      const elu0 = performance.eventLoopUtilization();

      // 1. End to end: the load loop and, beside it, the poll.
      const userPrefix = `Sync.User${tag}.`;
      log(
        `sync on ${name}: ${int(USERS)} users through SCIM at ${CONNECTIONS} connections, sync concurrency ${CONCURRENCY}, debounce ${DEBOUNCE_MS} ms`,
      );
      const firstWriteAt = Date.now();
      let loadEndAt = Number.NaN;
      const timeline: Array<[number, number]> = [];
      const poll = pollUntilSynced(firstWriteAt, () => loadEndAt, SYNC_TIMEOUT_MS, timeline);
      const push = await pushUsers(server.appBase, token, (n) => `${userPrefix}${n}@example.com`, USERS, CONNECTIONS);
      loadEndAt = push.endAt;
      log(
        `sync on ${name}: SCIM done in ${seconds(push.endAt - push.startAt)} (${int((push.latencies.length / (push.endAt - push.startAt)) * 1000)} req/s, bad ${push.bad}); waiting for the pipeline`,
      );
      const syncedAt = await poll;
      const mainElu = performance.eventLoopUtilization(elu0).utilization;
      const cpu1 = await cpuNow(redis);
      const stats = await server.call("sync-stats", {});
      const after = await settled();
      const syncedMs = syncedAt - firstWriteAt;
      const backlogSample = timeline.find(([t]) => t + firstWriteAt >= push.endAt);
      log(
        `sync on ${name}: ${Number.isFinite(syncedMs) ? `all synced ${seconds(syncedMs)} after the first write` : `not all synced ${SYNC_TIMEOUT_MS / 1000} s after the last write`}; ${afterLine(afterSynced(after))}`,
      );

      // Lag: the SCIM write (created_at) → the fake's POST /api/v2/users for that e-mail.
      const createdAt = new Map<string, number>();
      for (const c of fake.calls) {
        if (c.method !== "POST" || c.path.split("?")[0] !== "/api/v2/users" || c.status >= 300) continue;
        const email = String((c.body as { email?: unknown } | undefined)?.email ?? "").toLowerCase();
        if (!createdAt.has(email)) createdAt.set(email, c.at);
      }
      const lags: number[] = [];
      let missing = 0;
      for (const [userName, at] of await server.call("sync-created", { prefix: userPrefix })) {
        const target = createdAt.get(userName.toLowerCase());
        if (target === undefined) missing++;
        else lags.push(target - at);
      }
      const calls: Record<string, number> = {};
      for (const c of fake.calls) calls[callKind(c)] = (calls[callKind(c)] ?? 0) + 1;
      const callsBad = fake.calls.filter((c) => c.status >= 300).length;

      // 2. The pipeline alone: users appear in the outbox at once (SQL, one transaction), no SCIM load.
      log(`sync on ${name}: the pipeline alone, ${int(ALONE_USERS)} users seeded in SQL with their outbox rows`);
      await server.call("sync-mark", {});
      const aloneAt = Date.now();
      let seededAt = Number.NaN;
      const alonePoll = pollUntilSynced(aloneAt, () => seededAt, SYNC_TIMEOUT_MS);
      const seedMs = await server.call("sync-seed", { from: 1, to: ALONE_USERS });
      seededAt = Date.now();
      const aloneSyncedAt = await alonePoll;
      const aloneStats = await server.call("sync-stats", {});
      const aloneAfter = await settled();
      await server.call("sync-stop", {});
      const alone: Alone = { ms: aloneSyncedAt - aloneAt, seedMs, stats: aloneStats, after: afterSynced(aloneAfter) };
      log(
        `sync on ${name}: ${Number.isFinite(alone.ms) ? `all synced in ${seconds(alone.ms)}, ${int((ALONE_USERS / alone.ms) * 1000)} users/s (aim ${int(AIMS.aloneUsersPerSecond(name))})` : "not all synced in time"}; ${afterLine(alone.after)}`,
      );

      // 3. SCIM without the runtime beside it.
      log(`sync on ${name}: ${int(BASELINE_USERS)} more users through SCIM with the runtime stopped`);
      await server.call("sync-mark", {});
      const baseline = await pushUsers(server.appBase, token, (n) => `Sync.Base${tag}.${n}@example.com`, BASELINE_USERS, CONNECTIONS);
      const baselineElu = (await server.call("sync-stats", {})).elu;
      log(`sync on ${name}: without the runtime ${int((baseline.latencies.length / (baseline.endAt - baseline.startAt)) * 1000)} req/s`);

      // 4. BullMQ alone.
      log(`sync on ${name}: bare BullMQ worker, ${int(USERS)} no-op jobs at concurrency ${CONCURRENCY}`);
      const plain = await server.call("bare-bullmq", {
        redisUrl: REDIS_URL,
        prefix: barePrefixes[0]!,
        jobs: USERS,
        concurrency: CONCURRENCY,
        mode: "plain",
        debounceMs: DEBOUNCE_MS,
      });
      const enqueue = await server.call("bare-bullmq", {
        redisUrl: REDIS_URL,
        prefix: barePrefixes[1]!,
        jobs: USERS,
        concurrency: CONCURRENCY,
        mode: "enqueue",
        debounceMs: DEBOUNCE_MS,
      });
      log(
        `sync on ${name}: bare ${int((plain.completed / plain.runMs) * 1000)} jobs/s; through enqueueSync ${int((enqueue.completed / enqueue.runMs) * 1000)} jobs/s`,
      );

      results.push({
        store: name,
        push,
        syncedMs,
        backlogAtLoadEnd: backlogSample?.[1] ?? Number.NaN,
        drainMs: syncedAt - push.endAt,
        timeline,
        stats,
        lags: Float64Array.from(lags).sort(),
        missing,
        calls,
        callsBad,
        cpu: {
          machineMs: cpu1.machineMs - cpu0.machineMs,
          processMs: cpu1.processMs - cpu0.processMs,
          redisMs: cpu1.redisMs - cpu0.redisMs,
        },
        mainElu,
        after: afterSynced(after),
        alone,
        baseline,
        baselineElu,
        bare: { plain, enqueue },
      });
    } finally {
      await server.call("sync-stop", {}).catch(() => null);
      await fake?.close().catch(() => undefined);
      for (const p of [prefix, ...barePrefixes])
        await dropPrefix(p, REDIS_URL).catch((err: unknown) => log(`could not drop the BullMQ prefix ${p}: ${String(err)}`));
      redis.disconnect();
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Report

  const measured = (): Array<Required<SyncResult>> => results.filter((r) => !r.skipped) as Array<Required<SyncResult>>;
  const scimRps = (r: Required<SyncResult>): number => (r.push.latencies.length / (r.push.endAt - r.push.startAt)) * 1000;
  const completed = (st: SyncStats): number =>
    Object.entries(st.jobs)
      .filter(([k]) => k.endsWith(" completed"))
      .reduce((n, [, v]) => n + v, 0);
  const completedJobs = (r: Required<SyncResult>): number => completed(r.stats);
  const meanJobMs = (st: SyncStats): number => (st.userJobSeconds.sum / Math.max(1, st.userJobSeconds.count)) * 1000;
  const aloneRate = (r: Required<SyncResult>): number => (ALONE_USERS / r.alone.ms) * 1000;
  const e2eRate = (r: Required<SyncResult>): number => (USERS / r.syncedMs) * 1000;
  const pipelineRate = (r: Required<SyncResult>): number => (completedJobs(r) / r.syncedMs) * 1000;
  const bareRate = (b: BareResult): number => (b.completed / b.runMs) * 1000;
  const totalCalls = (r: Required<SyncResult>): number => Object.values(r.calls).reduce((a, b) => a + b, 0);
  const sec = (msValue: number): string => (Number.isFinite(msValue) ? (msValue / 1000).toFixed(2) : "n/a");
  const pct = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(0)} %` : "n/a");

  function render(stores: string): string {
    const out: string[] = [];
    const rs = measured();
    out.push("## Sync pipeline", "");
    out.push("### Method", "");
    out.push(
      `- Stores: ${stores}. A fresh store for this section, prepared as for the SCIM section (one client with the SCIM Integration role, one bearer token). Redis: \`${REDIS_URL}\`, a fresh BullMQ prefix per store (\`bench-sync-<pid>-<random>\`), every key under it deleted at the end.`,
      `- In the server thread, beside \`buildApp(deps)\`, on the same store and event loop (as \`scim-bridge serve\` runs API and workers in one process): \`startSyncRuntime\` with \`GenesysTarget(fake.targetOptions())\`, concurrency **${CONCURRENCY}** per queue (\`SYNC_CONCURRENCY\` defaults to ${DEFAULTS.SYNC_CONCURRENCY}), and the production defaults of \`config/default.json\` for the rest: debounce **${DEBOUNCE_MS} ms** (\`SYNC_DEBOUNCE_MS\`), relay poll every ${RELAY_INTERVAL_MS} ms, sweep every ${SWEEP_INTERVAL_MS / 1000} s, lock duration 30 s. The runtime's metrics (\`createSyncMetrics\`) go to a registry of their own.`,
      "- The fake Genesys Cloud (`startFakeGenesys({ enforceRateLimit: false })` from `test/fakes/genesys`: no added delay, its rate limit reported but not enforced, for its default would hold the run to 300 calls a minute) runs in the main thread, standing for the remote service, beside the load loop. `GenesysTarget` reaches it over loopback with `fetch`.",
      `- Warm-up (not measured): ${int(WARMUP_USERS)} users POSTed and synced. Then the fake's call log is cleared, the runtime's metrics reset, and **${int(USERS)} new users** are POSTed to \`/scim/v2/Users\` (the SCIM section's user body, a unique userName each) by a loop of ${CONNECTIONS} concurrent keep-alive \`fetch\` connections, each sending its next request when its previous one is answered. Latencies are client-side, nearest-rank over every request.`,
      `- From the first write, every ${POLL_MS} ms, a poll counts on the store what is left to do: outbox rows, and sync states \`pending\` or \`failed\` (through the \`sync_state (resource_type, state)\` index). Once the SCIM writes are over, a poll that counts 0 is confirmed by \`allSynced\`'s own query (\`test/helpers/sync.ts\`, as counts: outbox rows, users and groups not applied at their current version, sync states not \`synced\`), which must count 0 too. **First write → all synced** is from just before the first SCIM request to the confirmed poll (resolution ${POLL_MS} ms). The full query is not run every ${POLL_MS} ms because it joins every user to its sync state each time: its median cost is in "Where the time goes" (a first version of this benchmark that ran it every ${POLL_MS} ms left the PostgreSQL run about 1,800 users behind at the last write instead of about 150). The poll's queries run on the server thread, on the store the pipeline uses. "Waiting" is the poll's count (a user between the relay's \`markPending\` and its outbox row's deletion counts twice, for at most one relay round).`,
      `- **Jobs/s** is the completed jobs of every sync queue (\`scim_bridge_sync_jobs_total{outcome="completed"}\`) divided by the time from the first write to all synced. **Lag** is, per measured user, the fake's arrival time of its \`POST /api/v2/users\` (the call log's \`at\`, matched by e-mail) minus the user's \`created_at\` in the store (the SCIM write's own timestamp); nearest-rank percentiles over all ${int(USERS)}. **Calls per user** counts every request the fake received during the measured run, divided by ${int(USERS)}.`,
      `- **The pipeline alone**, right after, same runtime: ${int(ALONE_USERS)} users (\`BENCH_SYNC_ALONE_USERS\`, default the measured run's count) inserted in SQL in one transaction with their outbox rows (\`seedUsers\` of \`bench/scim-seed.ts\`, as the SCIM section seeds), no SCIM request beside them; timed from the start of the insert to the confirmed poll, so it includes the insert, one relay interval and one debounce delay.`,
      `- **Jobs after all synced**: the user and group workers' completed jobs (their \`completed\` events) after the moment the confirming query first counted nothing unsynced, counted once the queues are empty (at most ${SETTLE_TIMEOUT_MS / 1000} s later); each is a run of a resource already applied. "Queued then" is the jobs waiting, delayed or running at that moment.`,
      `- Then the runtime is stopped and ${int(BASELINE_USERS)} more users are POSTed as in the measured run: SCIM's write rate on the same store without the pipeline beside it.`,
      `- **Bare BullMQ**, on the same Redis right after, in the server thread, with the runtime's connection settings and concurrency ${CONCURRENCY}: (a) a worker whose processor does nothing, ${int(USERS)} jobs added first (\`addBulk\`, the sync queues' job options: attempts, backoff, removeOnComplete 1,000), timed from the worker's start to the last completion; (b) the same worker with the jobs added while it runs through \`enqueueSync\` itself (delay ${DEBOUNCE_MS} ms, deduplication id), 500 at a time as the relay adds them, timed from the first add (so it includes one debounce delay at the end).`,
      "",
    );
    for (const r of results.filter((x) => x.skipped)) out.push(`_${r.store}: ${r.skipped}._`, "");
    if (rs.length === 0) return out.join("\n");

    out.push("### Against the aims", "");
    const met = (ok: boolean): string => (ok ? "yes" : "**no**");
    out.push(
      table(
        [
          "Store",
          `pipeline alone, users/s`,
          "aim",
          "met?",
          "first write → all synced",
          `aim`,
          "met?",
          "SCIM rate with ÷ without the pipeline",
          "aim",
          "met?",
          "jobs after all synced (end to end, alone)",
          "aim",
          "met?",
        ],
        rs.map((r) => {
          const ratio = scimRps(r) / scimRps({ ...r, push: r.baseline });
          const after = r.after.jobs + r.alone.after.jobs;
          return [
            r.store,
            int(aloneRate(r)),
            `≥ ${int(AIMS.aloneUsersPerSecond(r.store))}`,
            met(aloneRate(r) >= AIMS.aloneUsersPerSecond(r.store)),
            Number.isFinite(r.syncedMs) ? seconds(r.syncedMs) : "not in time",
            `≤ ${seconds(AIMS.endToEndMs)}`,
            met(r.syncedMs <= AIMS.endToEndMs),
            pct(ratio),
            `≥ ${pct(AIMS.scimRatio)}`,
            met(ratio >= AIMS.scimRatio),
            `${int(r.after.jobs)}, ${int(r.alone.after.jobs)}`,
            String(AIMS.jobsAfterSynced),
            met(after <= AIMS.jobsAfterSynced),
          ];
        }),
      ),
      "",
      `The aims of issue 12 ("the pipeline"): a backlog of ${int(ALONE_USERS)} users applied at 2,000 users/s on PostgreSQL and 1,000 on PGlite; ${int(USERS)} users written through SCIM all synced within ${seconds(AIMS.endToEndMs)} of the first write; SCIM writing at ${pct(AIMS.scimRatio)} of its rate without the pipeline while it runs; no job run for a resource already synced. The SCIM rates are the two runs of "SCIM writes with and without the pipeline" below.`,
      "",
    );

    out.push(`### ${int(USERS)} users end to end`, "");
    out.push(
      table(
        [
          "Store",
          "first write → all synced",
          "SCIM writes took",
          "waiting at the last write",
          "then all synced in",
          "jobs completed",
          "jobs/s",
          "lag p50 s",
          "lag p99 s",
          "lag max s",
          "calls per user",
          "jobs after all synced",
          "queued then",
        ],
        rs.map((r) => [
          r.store,
          Number.isFinite(r.syncedMs) ? seconds(r.syncedMs) : `**not within ${SYNC_TIMEOUT_MS / 1000} s of the last write**`,
          seconds(r.push.endAt - r.push.startAt),
          int(r.backlogAtLoadEnd),
          seconds(r.drainMs),
          int(completedJobs(r)),
          int(pipelineRate(r)),
          sec(percentile(r.lags, 50)),
          sec(percentile(r.lags, 99)),
          sec(r.lags[r.lags.length - 1] ?? Number.NaN),
          (totalCalls(r) / USERS).toFixed(2),
          `${int(r.after.jobs)}${r.after.unsettled ? " (queues not empty a minute later)" : ""}`,
          int(r.after.queued),
        ]),
      ),
      "",
      rs
        .map((r) => {
          const lagMean = r.lags.reduce((a, b) => a + b, 0) / Math.max(1, r.lags.length);
          const other = Object.entries(r.stats.jobs).filter(([k, v]) => !k.endsWith(" completed") && v > 0);
          return (
            `${r.store}: lag min ${sec(r.lags[0] ?? Number.NaN)} s, mean ${sec(lagMean)} s; the runtime's own \`scim_bridge_sync_lag_seconds\` (write → job done) has mean ${sec((r.stats.lag.sum / Math.max(1, r.stats.lag.count)) * 1000)} s over ${int(r.stats.lag.count)} jobs. ` +
            `${r.missing ? `**${int(r.missing)} users never reached the fake.** ` : ""}` +
            `Jobs: ${Object.entries(r.stats.jobs)
              .filter(([k]) => k.endsWith(" completed"))
              .map(([k, v]) => `${k.replace(/ completed$/, "")} ${int(v)}`)
              .join(
                ", ",
              )} completed${other.length ? `; ${other.map(([k, v]) => `${int(v)} ${k}`).join(", ")}` : "; none failed, retried or rate-limited"}.`
          );
        })
        .join(" "),
      "",
    );

    out.push(`### The pipeline alone: ${int(ALONE_USERS)} users in the outbox at once`, "");
    out.push(
      table(
        [
          "Store",
          "all synced in",
          "of which the insert",
          "users/s",
          "aim",
          "met?",
          "jobs completed",
          "jobs/s",
          "jobs after all synced",
          "server thread busy",
          "mean user job ms",
        ],
        rs.map((r) => [
          r.store,
          Number.isFinite(r.alone.ms) ? seconds(r.alone.ms) : "**not in time**",
          seconds(r.alone.seedMs),
          int(aloneRate(r)),
          `≥ ${int(AIMS.aloneUsersPerSecond(r.store))}`,
          aloneRate(r) >= AIMS.aloneUsersPerSecond(r.store) ? "yes" : "**no**",
          int(completed(r.alone.stats)),
          int((completed(r.alone.stats) / r.alone.ms) * 1000),
          int(r.alone.after.jobs),
          pct(r.alone.stats.elu),
          ms(meanJobMs(r.alone.stats)),
        ]),
      ),
      "",
      `The same runtime, the same store (which then holds the ${int(WARMUP_USERS + USERS)} users before them), no SCIM load: the rate at which the pipeline applies a backlog when it has the server thread to itself.`,
      "",
    );

    out.push("### SCIM writes with and without the pipeline", "");
    out.push(
      table(
        ["Store", "users", "runtime", "req/s", "p50 ms", "p99 ms", "bad"],
        rs.flatMap((r) => [
          [
            r.store,
            int(USERS),
            "running",
            int(scimRps(r)),
            ms(percentile(r.push.latencies, 50)),
            ms(percentile(r.push.latencies, 99)),
            String(r.push.bad),
          ],
          [
            r.store,
            int(BASELINE_USERS),
            "stopped",
            int(scimRps({ ...r, push: r.baseline })),
            ms(percentile(r.baseline.latencies, 50)),
            ms(percentile(r.baseline.latencies, 99)),
            String(r.baseline.bad),
          ],
        ]),
      ),
      "",
      `\`POST /scim/v2/Users\` at ${CONNECTIONS} connections, the same store (the second run adds to the users of the first).`,
      "",
    );

    out.push("### Downstream calls", "");
    out.push(
      table(
        ["Store", ...CALL_KINDS, "total", "per user", "non-2xx"],
        rs.map((r) => [
          r.store,
          ...CALL_KINDS.map((k) => int(r.calls[k] ?? 0)),
          int(totalCalls(r)),
          (totalCalls(r) / USERS).toFixed(2),
          int(r.callsBad),
        ]),
      ),
      "",
      "Every request the fake received during the measured run (the warm-up's were cleared). One `POST /api/v2/users` per new user is the minimum for a create.",
      "",
    );

    out.push("### Against a bare BullMQ worker", "");
    out.push(
      table(
        [
          "Store (same run)",
          "pipeline jobs/s",
          "bare worker jobs/s",
          "bare: adding took",
          "pipeline ÷ bare",
          "through `enqueueSync` jobs/s",
          "pipeline ÷ `enqueueSync`",
        ],
        rs.map((r) => [
          r.store,
          int(pipelineRate(r)),
          int(bareRate(r.bare.plain)),
          seconds(r.bare.plain.addMs),
          pct(pipelineRate(r) / bareRate(r.bare.plain)),
          int(bareRate(r.bare.enqueue)),
          pct(pipelineRate(r) / bareRate(r.bare.enqueue)),
        ]),
      ),
      "",
      `${int(USERS)} jobs each, concurrency ${CONCURRENCY}. The bare runs touch no store, no target and have no SCIM load beside them; the store column only says which run they belong to.`,
      "",
    );

    out.push("### Where the time goes", "");
    out.push(
      table(
        [
          "Store",
          "server thread busy",
          "main thread busy",
          "machine, cores busy",
          "this process, cores",
          "redis-server, cores",
          "the rest, cores",
          "mean user job ms",
          "poll: quick query, median ms",
          "poll: quick queries, share of the run",
          "`allSynced` query, median ms",
        ],
        rs.map((r) => {
          const wall = r.syncedMs;
          const cores = (v: number): string => (Number.isFinite(v / wall) ? (v / wall).toFixed(2) : "n/a");
          return [
            r.store,
            pct(r.stats.elu),
            pct(r.mainElu),
            cores(r.cpu.machineMs),
            cores(r.cpu.processMs),
            cores(r.cpu.redisMs),
            cores(r.cpu.machineMs - r.cpu.processMs - r.cpu.redisMs),
            ms(meanJobMs(r.stats)),
            ms(r.stats.poll.medianMs),
            pct(r.stats.poll.totalMs / wall),
            ms(r.stats.poll.fullMedianMs),
          ];
        }),
      ),
      "",
      `Over the measured run (first write → all synced). "Busy" is \`performance.eventLoopUtilization()\`, the share of the time the thread ran code rather than waited: the server thread runs the app, the relay, the workers and, on PGlite, every query; the main thread runs the load loop and the fake. Cores are CPU time ÷ wall time (${os.availableParallelism()} available): the machine's from \`os.cpus()\`, this process's (all its threads) from \`process.cpuUsage()\`, Redis's from \`INFO cpu\`; "the rest" is the machine's minus those two: PostgreSQL's backends when it is the store, and anything else running. "Mean user job" is \`scim_bridge_sync_job_duration_seconds\` of the user queue (the processor's run time, up to ${CONCURRENCY} at a time). The poll's share is its quick queries' total time ÷ wall time. ELU counts time a thread was ready to run but had no core as busy: when the machine is oversubscribed (the PostgreSQL run) it overstates.`,
      "",
    );

    out.push("### Waiting over time", "");
    out.push(
      table(
        ["Store", ...timelineMarks().map((t) => `${t} s`)],
        rs.map((r) => [r.store, ...timelineMarks().map((t) => int(r.timeline.find(([at]) => at >= t * 1000)?.[1] ?? 0))]),
      ),
      "",
      "The poll's count (outbox rows plus sync states pending) at the first poll at or after each time since the first write: SCIM writes add to it, synced users take from it.",
      "",
    );

    out.push("### What the figures show", "");
    out.push(...commentary(rs).map((l) => `- ${l}`));
    return out.join("\n");
  }

  function timelineMarks(): number[] {
    const longest = Math.max(
      ...measured().map((r) => (Number.isFinite(r.syncedMs) ? r.syncedMs : r.push.endAt - r.push.startAt + SYNC_TIMEOUT_MS)),
    );
    const step = longest > 60_000 ? 10 : 5;
    const marks: number[] = [];
    for (let t = step; t * 1000 < longest + step * 1000; t += step) marks.push(t);
    return marks;
  }

  /** Sentences drawn from the figures, so that they stay true when the figures change. */
  function commentary(rs: Array<Required<SyncResult>>): string[] {
    const lines: string[] = [];
    const each = (f: (r: Required<SyncResult>) => string): string => rs.map((r) => `${r.store} ${f(r)}`).join("; ");
    const baseRps = (r: Required<SyncResult>): number => scimRps({ ...r, push: r.baseline });
    const keptUp = (r: Required<SyncResult>): boolean => r.backlogAtLoadEnd <= scimRps(r) * ((DEBOUNCE_MS + RELAY_INTERVAL_MS) / 1000) * 2;
    /** If the server thread is the limit: SCIM's thread time per write plus the pipeline's per user. */
    const oneThread = (r: Required<SyncResult>): number => 1000 / (1000 / baseRps(r) + 1000 / aloneRate(r));
    const close = (a: number, b: number): boolean => Math.abs(a / b - 1) <= 0.2;

    lines.push(
      `**End to end:** ${each((r) => `${int(USERS)} users written in ${seconds(r.push.endAt - r.push.startAt)} and all synced ${seconds(r.syncedMs)} after the first write, ${seconds(r.drainMs)} after the last (${int(r.backlogAtLoadEnd)} waiting then)`)}. ` +
        rs
          .map((r) =>
            keptUp(r)
              ? `On ${r.store} the pipeline kept up with SCIM: what waited at the last write is about a debounce's and a relay interval's worth of writes, so its ${int(pipelineRate(r))} jobs/s is the rate SCIM fed it, not its ceiling.`
              : `On ${r.store} the pipeline fell behind SCIM while both ran, and caught up only after the writes stopped.`,
          )
          .join(" "),
    );
    lines.push(
      `**One thread does both:** SCIM alone wrote ${each((r) => `${int(baseRps(r))}/s (${ms(1000 / baseRps(r))} ms per write, server thread busy ${pct(r.baselineElu)})`)}; the pipeline alone applied ${each((r) => `${int(aloneRate(r))} users/s (${ms(1000 / aloneRate(r))} ms per user, busy ${pct(r.alone.stats.elu)})`)}. ` +
        `If the server thread is the limit, both together manage one user per the sum of the two: ${each((r) => `${int(oneThread(r))} users/s predicted, ${int(e2eRate(r))} users/s measured end to end (${int(USERS)} ÷ first write → all synced)`)}. ` +
        (rs.every((r) => close(e2eRate(r), oneThread(r)))
          ? "The measurements agree within 20 %: the end-to-end rate is about what one event loop can do for a SCIM write plus its sync, SCIM and the workers taking turns on it."
          : "The measurements do not fit that model everywhere: where the measured rate is lower, something else (the store's backends, the other threads) competes for the two cores; where higher, the thread was not the only limit of the runs alone.") +
        (rs.some((r) => Math.min(r.baselineElu, r.alone.stats.elu) < 0.9)
          ? ` Where a run alone left the thread partly idle (${rs
              .filter((r) => Math.min(r.baselineElu, r.alone.stats.elu) < 0.9)
              .map((r) => r.store)
              .join(
                ", ",
              )}: its queries wait on the database's processes), part of its time per user is waiting that overlaps with other work, and the prediction is a lower bound.`
          : ""),
    );
    lines.push(
      `**SCIM with the pipeline beside it:** ${each((r) => `${int(scimRps(r))} vs ${int(baseRps(r))} req/s without it (${pct(scimRps(r) / baseRps(r))}), p99 ${ms(percentile(r.push.latencies, 99))} vs ${ms(percentile(r.baseline.latencies, 99))} ms`)}. The relay and the workers take their turns on the same event loop (and, on PGlite, on the same single connection), so SCIM requests wait behind them.`,
    );
    lines.push(
      `**Lag** (SCIM write → the target's create): p50 ${each((r) => `${sec(percentile(r.lags, 50))} s, p99 ${sec(percentile(r.lags, 99))} s (min ${sec(r.lags[0] ?? Number.NaN)} s)`)}. ` +
        `Its floor is the debounce (${DEBOUNCE_MS} ms: every job is added with that delay) plus up to one relay interval (${RELAY_INTERVAL_MS} ms) before the outbox row becomes a job. ` +
        rs
          .map((r) =>
            keptUp(r)
              ? `On ${r.store}, where the pipeline kept up, the p50 is ${int(percentile(r.lags, 50) - DEBOUNCE_MS - RELAY_INTERVAL_MS / 2)} ms above the floor's mean: a job waiting for a slot, and its queries for the thread and the store.`
              : `On ${r.store}, where the pipeline fell behind, a user written late waits for the backlog before it, so the lag grows through the run (its p99, ${sec(percentile(r.lags, 99))} s, is about how long the backlog took to clear); that is this burst's figure, not a steady state's: at a write rate the pipeline keeps up with, the lag stays near the floor.`,
          )
          .join(" "),
    );
    lines.push(
      `**Downstream calls:** ${each((r) => `${(totalCalls(r) / USERS).toFixed(2)} per user (${int(r.calls["POST /users"] ?? 0)} creates, ${int(r.calls["PATCH /users/{id}"] ?? 0)} PATCHes, ${int(r.calls["GET /users/{id}"] ?? 0)} GETs, ${int(r.calls.token ?? 0)} token requests)`)}. ` +
        (rs.every((r) => totalCalls(r) / USERS < 1.01)
          ? "A new user costs one Platform API call: the create carries every field the user has, and the target's token is cached."
          : "More than one call per new user: the table shows which."),
    );
    const extra = rs.filter(
      (r) => completedJobs(r) > USERS || completed(r.alone.stats) > ALONE_USERS || r.after.jobs || r.alone.after.jobs,
    );
    lines.push(
      extra.length
        ? `**Runs of users already synced:** ${extra.map((r) => `${r.store} ${int(completedJobs(r) - USERS)} jobs beyond one per user end to end (${int(r.after.jobs)} after all synced) and ${int(completed(r.alone.stats) - ALONE_USERS)} in the pipeline-alone run (${int(r.alone.after.jobs)} after)`).join("; ")}. ` +
            "A job for a user already applied at its version ends after its read (no target call, no write), so such a job costs one shared read; the sweep queues only what has no job waiting or running, and a job added while the user's job runs (a change during the run) is a real follow-up."
        : `**No run of a user already synced:** one job per user, and none after all synced, on ${rs.map((r) => r.store).join(" and ")}. The periodic sweep (every ${SWEEP_INTERVAL_MS / 1000} s) queues only what is unsynced and has no job waiting or running, and a job for a user already applied at its version would end after its read, with no target call and no write.`,
    );
    lines.push(
      `**Against bare BullMQ:** a worker doing nothing completes ${each((r) => `${int(bareRate(r.bare.plain))} jobs/s (${int(bareRate(r.bare.enqueue))} with \`enqueueSync\`'s delayed, deduplicated adds)`)}; the pipeline reached ${each((r) => `${int(pipelineRate(r))} jobs/s end to end (${pct(pipelineRate(r) / bareRate(r.bare.plain))} of the bare rate) and ${int((completed(r.alone.stats) / r.alone.ms) * 1000)} alone`)}. ` +
        (rs.every((r) => aloneRate(r) < 0.25 * bareRate(r.bare.enqueue))
          ? "BullMQ and Redis are far from the limit: Redis used a few hundredths of a core."
          : "The pipeline comes close to BullMQ's own rate."),
    );
    lines.push(
      `**What limits throughput on ${os.availableParallelism()} cores:** the server thread was busy (end to end, pipeline alone) ${each((r) => `${pct(r.stats.elu)}, ${pct(r.alone.stats.elu)}`)}. It runs the SCIM app, the relay and up to ${CONCURRENCY} jobs on one event loop; ` +
        "on PGlite it also runs every query (one at a time, WASM on that thread), so SCIM writes, relay rounds, the jobs' queries and the poll all queue for it: that one thread is the ceiling. " +
        (rs.length > 1
          ? 'On PostgreSQL the queries run in backend processes ("the rest" above), which leave the thread more room but share the two cores with it, the main thread and Redis. '
          : "") +
        `A user job's mean run time (${each((r) => `${ms(meanJobMs(r.stats))} ms end to end, ${ms(meanJobMs(r.alone.stats))} ms alone`)}) is mostly waiting for that thread and the store, not for the fake: a user job makes one read (the user, its sync state, its division's and its manager's target ids, and for a user the target has not named, the create attempt recorded in the same statement) and one write (\`markSynced\`, which also says whether the user moved on and, for a new user, names its groups and reports), and one target call; the concurrent jobs of a worker share those statements (\`StoreBatcher\`, src/sync/reconcile-deps.ts), so up to ${CONCURRENCY} jobs cost one read and one write. The relay moves 500 outbox rows with two statements and one \`addBulk\` per queue.`,
    );
    const perMinute = 300;
    lines.push(
      `**Against the real Genesys Cloud** the pace would be the target's, not the bridge's: the fake answers at once and only reports its rate limit, about ${perMinute} requests per minute per token (a second-hand figure, docs/genesys-platform-api.md). At one call per new user, that limit alone would hold ${int(USERS)} new users to ${int(perMinute / 60)} per second, about ${Math.round(USERS / (perMinute / 60) / 60)} minutes, against ${each((r) => `${int(e2eRate(r))} users/s`)} measured here. These figures are the bridge's own ceiling on this machine, with a target that costs nothing.`,
    );
    const bad = rs.reduce((n, r) => n + r.push.bad + r.baseline.bad, 0);
    const missing = rs.reduce((n, r) => n + r.missing, 0);
    lines.push(
      (bad ? `**${int(bad)} SCIM requests failed**: the figures of that run are suspect. ` : "Every SCIM request answered 2xx. ") +
        (missing
          ? `**${int(missing)} users never reached the fake.**`
          : `Every measured user reached the fake${rs.every((r) => (r.calls["POST /users"] ?? 0) === USERS) ? ", created exactly once" : ""}.`),
    );
    return lines;
  }

  return { name: "sync", title: "Sync pipeline", runOn, render };
}
