/**
 * Pacing under Genesys Cloud's rate limit (issue 11): a backlog of SCIM users synced through the real
 * sync runtime (outbox relay, BullMQ workers at production's concurrency, sweep) and GenesysTarget to
 * the fake Genesys Cloud, whose rate limit is enforced (a 429 with Retry-After once a token passes
 * the limit in its one-minute window) and scaled for the bench. Once with the RedisPacer (the
 * production wiring of src/sync/target-factory.ts), once without it, on PGlite and on PostgreSQL.
 *
 *   npm run bench:pacing
 *   BENCH_PACING_USERS=500              a smaller backlog (default 2,000), for trying things out
 *   BENCH_PACING_LIMIT=3000             the fake's limit and the pacer's, calls a minute per token (default 3,000)
 *   BENCH_PACING_CONCURRENCY=4          the workers' concurrency (default production's SYNC_CONCURRENCY)
 *   BENCH_PACING_UNPACED=off            skip the runs without the pacer
 *   BENCH_PG_URL=off                    PGlite only
 *   BENCH_REPORT=off                    print the figures, leave docs/benchmarks.md alone
 *
 * Writes its part of docs/benchmarks.md (bench/genesys-bench-common.ts, writeReportPart).
 */
import { randomBytes } from "node:crypto";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { Redis } from "ioredis";
import { Registry } from "prom-client";
import { loadConfig } from "../src/config/config.js";
import { createLogger } from "../src/log/logger.js";
import { startSyncRuntime } from "../src/sync/runtime.js";
import { createSyncMetrics } from "../src/sync/sync-metrics.js";
import { GenesysTarget } from "../src/sync/targets/genesys-target.js";
import { RedisPacer } from "../src/sync/targets/pacer.js";
import { startFakeGenesys, type FakeCall } from "../test/fakes/genesys/index.js";
import { dropPrefix } from "../test/helpers/sync.js";
import { int, log, positive, seconds, table, wasInterrupted } from "./common.js";
import {
  Cleanup,
  LANGUAGES,
  REDIS_URL,
  SKILLS,
  STORE_LABEL,
  managersFirst,
  openBenchStore,
  prepareDivisions,
  stamp,
  startScimApp,
  storeKinds,
  untilAllSynced,
  writeReportPart,
  type StoreKind,
} from "./genesys-bench-common.js";

const USERS = Math.round(positive(process.env.BENCH_PACING_USERS, 2_000));
const LIMIT = Math.round(positive(process.env.BENCH_PACING_LIMIT, 3_000));
/** The production defaults (config/default.json). */
const DEFAULTS = loadConfig({}, { LOG_LEVEL: "silent" });
const CONCURRENCY = Math.round(positive(process.env.BENCH_PACING_CONCURRENCY, DEFAULTS.SYNC_CONCURRENCY));
const UNPACED = process.env.BENCH_PACING_UNPACED !== "off";
/** src/sync/targets/pacer.ts: the share of the limit used, and the burst allowed at once (3 % of the limit). */
const UTILISATION = 0.95;
const BURST = Math.floor(LIMIT * 0.03);
const TIMEOUT_MS = 600_000;

interface Run {
  store: StoreKind;
  paced: boolean;
  /** ms the SCIM POSTs of the backlog took (before the runtime started). */
  writeMs: number;
  /** ms from the runtime's start to its first call (a login), and from that call until the poll saw everything synced (NaN: timed out). */
  startToFirstMs: number;
  syncedMs: number;
  /** Every call the fake received until all was synced (login included). */
  calls: FakeCall[];
  failedJobs: number;
  failedStates: number;
  /** scim_bridge_sync_jobs_total of the user queue, by outcome. */
  jobs: Record<string, number>;
  /** Each wait the pacer imposed: [Date.now() of the slot it waited for, ms waited]. */
  waits: Array<[number, number]>;
}

const isApi = (c: FakeCall): boolean => c.path.startsWith("/api/v2/");

/** A call's kind, for the calls table. */
function callKind(c: FakeCall): string {
  const path = c.path.split("?")[0]!;
  if (path === "/oauth/token") return "login";
  if (c.method === "POST" && path === "/api/v2/users") return "POST /users";
  if (c.method === "PATCH" && /^\/api\/v2\/users\/[^/]+$/.test(path)) return "PATCH /users/{id}";
  if (c.method === "PATCH" && /^\/api\/v2\/users\/[^/]+\/routing(skills|languages)\/bulk$/.test(path)) return "PATCH …/routing*/bulk";
  if (c.method === "POST" && /^\/api\/v2\/users\/[^/]+\/externalid$/.test(path)) return "POST …/externalid";
  if (c.method === "GET") return "GET";
  return "other";
}
const KINDS = ["POST /users", "PATCH /users/{id}", "PATCH …/routing*/bulk", "POST …/externalid", "GET", "other", "login"];

async function oneRun(kind: StoreKind, paced: boolean): Promise<Run> {
  const label = `${STORE_LABEL[kind]}, ${paced ? "paced" : "no pacer"}`;
  const cleanup = new Cleanup();
  try {
    const store = await openBenchStore(kind, cleanup);
    const fake = await startFakeGenesys({ rateLimitPerMinute: LIMIT, enforceRateLimit: true, searchLagMs: 0 });
    cleanup.add("closing the fake Genesys", () => fake.close());
    for (const s of SKILLS) fake.state.addSkill(s);
    for (const l of LANGUAGES) fake.state.addLanguage(l);
    // a target of its own for the setup: its own token, so the measured run's rate-limit window starts with the run
    await prepareDivisions(store, new GenesysTarget(fake.targetOptions()), fake);

    const writer = await startScimApp(store, cleanup);
    const ids = new Map<number, string>();
    const { managers, reports } = managersFirst(USERS);
    log(`${label}: writing ${int(USERS)} users through SCIM (the backlog)`);
    const w0 = performance.now();
    await writer.post(managers, ids);
    await writer.post(reports, ids);
    const writeMs = performance.now() - w0;
    fake.clearCalls();

    const prefix = `bench-pacing-${randomBytes(5).toString("hex")}`;
    cleanup.add(`dropping the Redis keys under ${prefix}:`, () => dropPrefix(prefix, REDIS_URL));
    let pacer: RedisPacer | undefined;
    const waits: Array<[number, number]> = [];
    if (paced) {
      const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
      redis.on("error", () => undefined);
      cleanup.add("closing the pacer's Redis connection", async () => redis.disconnect());
      // as src/sync/target-factory.ts wires it, with a budget of this run's own
      pacer = new RedisPacer(redis, {
        perMinute: LIMIT,
        budget: `${fake.apiUrl} ${fake.clientId} ${prefix}`,
        prefix,
        // the pacer's own sleep, noted: when it first made a call wait (its burst allowance spent), and how long calls waited
        sleep: (ms) => {
          waits.push([Date.now() + ms, ms]);
          return new Promise((resolve) => setTimeout(resolve, ms));
        },
      });
    }
    const target = new GenesysTarget({ ...fake.targetOptions(), pacer });
    const metrics = createSyncMetrics(new Registry());
    log(`${label}: starting the sync runtime (concurrency ${CONCURRENCY})`);
    const startedAt = Date.now();
    const runtime = await startSyncRuntime(
      store,
      target,
      createLogger("silent"),
      {
        redisUrl: REDIS_URL,
        prefix,
        concurrency: CONCURRENCY,
        relayIntervalMs: DEFAULTS.SYNC_RELAY_INTERVAL_MS,
        sweepIntervalMs: DEFAULTS.SYNC_SWEEP_INTERVAL_MS,
        divisionSyncIntervalMs: DEFAULTS.DIVISION_SYNC_INTERVAL_MS,
        debounceMs: DEFAULTS.SYNC_DEBOUNCE_MS,
        retryCapMs: DEFAULTS.SYNC_RETRY_CAP_MS,
      },
      metrics,
    );
    cleanup.add("stopping the sync runtime", () => runtime.stop());
    const progress = setInterval(() => log(`${label}: ${int(fake.calls.length)} calls so far`), 15_000);
    cleanup.add("stopping the progress lines", async () => clearInterval(progress));
    const syncedAt = await untilAllSynced(store, TIMEOUT_MS);
    clearInterval(progress);
    const calls = fake.calls.filter((c) => !(c.at > syncedAt));
    const first = calls[0]?.at ?? Number.NaN;
    let failedJobs = 0;
    for (const q of [runtime.queues.user, runtime.queues.group, runtime.queues.divisions])
      failedJobs += (await q.getJobCounts("failed")).failed ?? 0;
    const failedStates = Number(
      (await store.query<{ n: number }>("select count(*)::int as n from sync_state where state = 'failed'"))[0]?.n ?? 0,
    );
    const jobs: Record<string, number> = {};
    for (const v of (await metrics.jobs.get()).values) if (v.labels.queue === "sync-user") jobs[String(v.labels.outcome)] = v.value;
    const run: Run = {
      store: kind,
      paced,
      writeMs,
      startToFirstMs: first - startedAt,
      syncedMs: syncedAt - first,
      calls,
      failedJobs,
      failedStates,
      jobs,
      waits,
    };
    log(
      `${label}: all synced ${seconds(run.syncedMs)} after the first call; ${int(calls.length)} calls, ${int(count429(run))} × 429, ` +
        `limit use (steady) ${pct(steadyUse(run))}, failed jobs ${failedJobs}`,
    );
    return run;
  } finally {
    await cleanup.run();
  }
}

// ---------------------------------------------------------------------------------------------------
// Figures

const api = (r: Run): FakeCall[] => r.calls.filter(isApi);
const count429 = (r: Run): number => r.calls.filter((c) => c.status === 429).length;
const non2xx = (r: Run): number => r.calls.filter((c) => (c.status < 200 || c.status >= 300) && c.status !== 429).length;
/** The answers other than 2xx and 429, each with the call and when (s after the first call), and the user's calls around it. */
function otherErrors(r: Run): string[] {
  const first = r.calls[0]?.at ?? 0;
  const userOf = (c: FakeCall): string | undefined => /^\/api\/v2\/users\/([^/?]+)/.exec(c.path)?.[1];
  return r.calls.flatMap((c, i) => {
    if ((c.status >= 200 && c.status < 300) || c.status === 429) return [];
    const u = userOf(c);
    const around = u
      ? r.calls
          .slice(0, i + 4)
          .filter((x, j) => userOf(x) === u && (j <= i || j - i < 4))
          .map((x) => `${callKind(x)} ${x.status} at ${((x.at - first) / 1000).toFixed(1)} s`)
      : [];
    return [
      `${c.status} on ${callKind(c)} at ${((c.at - first) / 1000).toFixed(1)} s${around.length ? ` (that user's calls: ${around.join(", ")})` : ""}`,
    ];
  });
}
const pct = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : "n/a");

/** API calls a minute between two calls of the run (by index), as a share of the limit. */
function useBetween(calls: FakeCall[], from: number, to: number): number {
  if (to <= from || !calls[to] || !calls[from]) return Number.NaN;
  const ms = calls[to]!.at - calls[from]!.at;
  return ms > 0 ? (((to - from) / ms) * 60_000) / LIMIT : Number.NaN;
}

/**
 * The steady part: from the first call the pacer made wait (its burst allowance, BURST calls, spent:
 * before that, calls go as fast as the workers make them) to the last API call before all was
 * synced; the calls counted are the intervals between those two calls. Every API call counts,
 * whatever its answer: the fake counts 429s in its window too. NaN without a pacer, or when it never waited.
 */
function steadyStart(r: Run): number {
  const a = api(r);
  const slot = r.waits[0]?.[0];
  if (slot === undefined) return -1;
  // the waited call is sent at its slot; a call of the same millisecond's rounding is taken as it
  return a.findIndex((c) => c.at >= slot - 1);
}
function steadyUse(r: Run): number {
  const a = api(r);
  const from = steadyStart(r);
  return from < 0 ? Number.NaN : useBetween(a, from, a.length - 1);
}
function steadyFrom(r: Run): string {
  const from = steadyStart(r);
  const a = api(r);
  if (from < 0 || !a[from]) return "—";
  return `${((a[from]!.at - (r.calls[0]?.at ?? 0)) / 1000).toFixed(1)} s (call ${int(from + 1)})`;
}
function wholeUse(r: Run): number {
  const a = api(r);
  return useBetween(a, 0, a.length - 1);
}

/** The most API calls in any 60 s (sliding), as a share of the limit: what a window that does not line up with the fake's would see. */
function busiestMinute(r: Run): number {
  const a = api(r);
  let best = 0;
  for (let i = 0, j = 0; j < a.length; j++) {
    while (a[j]!.at - a[i]!.at >= 60_000) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

/** API calls in each of the fake's rate-limit windows (server.ts rateWindow: one starts at the first call 60 s or more after the last one started). */
function fakeWindows(r: Run): Array<{ startMs: number; calls: number; over: number }> {
  const a = api(r);
  const out: Array<{ startMs: number; calls: number; over: number }> = [];
  const first = a[0]?.at ?? 0;
  for (const c of a) {
    const w = out.at(-1);
    if (!w || c.at - (first + w.startMs) >= 60_000) out.push({ startMs: c.at - first, calls: 1, over: c.status === 429 ? 1 : 0 });
    else {
      w.calls++;
      if (c.status === 429) w.over++;
    }
  }
  return out;
}

/**
 * The 429s in rounds (429s less than 2 s apart are one round): when each round began (s after the
 * first call), how many, and when the fake's window it fell in reopened (what its Retry-After said).
 */
function rounds429(r: Run): Array<{ atS: number; n: number; reopensS: number }> {
  const first = r.calls[0]?.at ?? 0;
  const firstApi = api(r)[0]?.at ?? first;
  const windows = fakeWindows(r);
  const out: Array<{ atS: number; n: number; reopensS: number; last: number }> = [];
  for (const c of api(r)) {
    if (c.status !== 429) continue;
    const prev = out.at(-1);
    if (prev && c.at - prev.last < 2_000) {
      prev.n++;
      prev.last = c.at;
      continue;
    }
    const w = [...windows].reverse().find((x) => firstApi + x.startMs <= c.at);
    out.push({ atS: (c.at - first) / 1000, n: 1, reopensS: w ? (firstApi + w.startMs + 60_000 - first) / 1000 : Number.NaN, last: c.at });
  }
  return out.map(({ atS, n, reopensS }) => ({ atS, n, reopensS }));
}

/** API calls in each 10 s since the first call. */
function timeline(r: Run): number[] {
  const a = api(r);
  const first = r.calls[0]?.at ?? 0;
  const out: number[] = [];
  for (const c of a) {
    const b = Math.floor((c.at - first) / 10_000);
    while (out.length <= b) out.push(0);
    out[b]!++;
  }
  return out;
}

function byKind(r: Run): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of r.calls) out[callKind(c)] = (out[callKind(c)] ?? 0) + 1;
  return out;
}

const runLabel = (r: Run): string => `${STORE_LABEL[r.store]}, ${r.paced ? "RedisPacer" : "no pacer"}`;

function render(runs: Run[], storesNote: string): string {
  const out: string[] = [];
  const paced = runs.filter((r) => r.paced);
  const unpaced = runs.filter((r) => !r.paced);
  out.push(`### Pacing a ${int(USERS)}-user backlog under the rate limit`, "", stamp(), "");
  out.push(
    `The fake Genesys Cloud enforces **${int(LIMIT)} calls a minute per token**, scaled up for the bench from the documented figure of about 300 (second-hand, docs/genesys-platform-api.md): ` +
      `at 300 × ${UTILISATION} a minute, the ${int(Math.max(...runs.map((r) => api(r).length)))} calls of this backlog would take about ${Math.round(Math.max(...runs.map((r) => api(r).length)) / (300 * UTILISATION))} minutes. The fake ` +
      `answers at once (search lag 0). ${int(USERS)} users are POSTed through the SCIM app first (managers first, one outbox row each), ` +
      `then the sync runtime starts with production's settings (config/default.json: concurrency ${CONCURRENCY}, debounce ${DEFAULTS.SYNC_DEBOUNCE_MS} ms, ` +
      `relay every ${DEFAULTS.SYNC_RELAY_INTERVAL_MS} ms, sweep every ${DEFAULTS.SYNC_SWEEP_INTERVAL_MS / 1000} s) and a \`GenesysTarget\`, with a \`RedisPacer\` ` +
      `(perMinute ${int(LIMIT)}, utilisation ${UTILISATION}: one call every ${(60_000 / (LIMIT * UTILISATION)).toFixed(1)} ms after a burst of ${BURST}; a budget and key prefix of the run's own) or with none. ` +
      `Each run has a fresh store, fake and Redis prefix. Stores: ${storesNote}.`,
    "",
  );
  out.push(
    table(
      [
        "Run",
        "all synced after",
        "API calls",
        "per user",
        "429s",
        "other non-2xx",
        "failed jobs",
        "failed sync states",
        "limit use, steady part",
        "steady part from",
        "limit use, whole run",
        "busiest 60 s",
        "held by the pacer",
        "jobs (completed, rate-limited, retried)",
      ],
      runs.map((r) => [
        runLabel(r),
        seconds(r.syncedMs),
        int(api(r).length),
        (api(r).length / USERS).toFixed(2),
        int(count429(r)),
        int(non2xx(r)),
        int(r.failedJobs),
        int(r.failedStates),
        r.paced ? pct(steadyUse(r)) : "—",
        steadyFrom(r),
        pct(wholeUse(r)),
        `${int(busiestMinute(r))} (${pct(busiestMinute(r) / LIMIT)})`,
        r.paced ? `${int(r.waits.length)} (${(r.waits.reduce((t, w) => t + w[1], 0) / Math.max(1, r.waits.length)).toFixed(1)} ms)` : "—",
        `${int(r.jobs.completed ?? 0)}, ${int(r.jobs.rate_limited ?? 0)}, ${int(r.jobs.retried ?? 0)}`,
      ]),
    ),
    "",
    "- **All synced after**: from the runtime's first call (its login) until a poll (every 200 ms, `allSynced` of test/helpers/sync.ts) found every user applied at its current version; the SCIM writes came before and are not in it " +
      `(they took ${runs.map((r) => `${seconds(r.writeMs)}`).join(", ")} in the order of the rows).`,
    "- **API calls**: every request to `/api/v2/…` the fake received in that time, whatever its answer (the login is apart: one per run); **per user** divides by the users.",
    "- **429s**: answers `429 too.many.requests.retry.after`; **failed jobs**: BullMQ jobs failed for good in the user, group and division queues; **failed sync states**: `sync_state` rows in state `failed`. Both should be 0.",
    `- **Limit use, steady part**: API calls a minute ÷ ${int(LIMIT)}, from the first call the pacer made wait to the last API call. Until then the pacer's burst allowance (${BURST} slots ahead of its schedule) lets calls go as fast as the workers make them, ` +
      `which is faster than the pacer's rate: that start is left out, and **steady part from** says where it ended (seconds after the first call, and the API call's number). The pacer aims at ${pct(UTILISATION)}. ` +
      "**Whole run**: the same from the first API call. **Busiest 60 s**: the most API calls in any 60-s span (sliding), what a window of Genesys's that does not line up with the fake's would count. " +
      "**Held by the pacer**: API calls that waited for their slot, and their mean wait.",
    "- **Jobs**: `scim_bridge_sync_jobs_total` of the user queue by outcome: a rate-limited job spent no attempt and ran again after the queue's pause; more completed jobs than users are re-runs (a user queued again by its manager's first run, or by the sweep).",
    "",
  );

  const errs = runs.flatMap((r) => otherErrors(r).map((e) => `${runLabel(r)}: ${e}`));
  if (errs.length) out.push("Other non-2xx answers:", "", ...errs.slice(0, 10).map((e) => `- ${e}`), "");

  out.push("#### Calls by kind", "");
  out.push(
    table(
      ["Run", ...KINDS, "total"],
      runs.map((r) => {
        const k = byKind(r);
        return [runLabel(r), ...KINDS.map((x) => int(k[x] ?? 0)), int(r.calls.length)];
      }),
    ),
    "",
    `Every call of the run (429s included). A new user costs one \`POST /users\` (name, e-mail, title, department, phones, division and state), ` +
      "then one `PATCH /users/{id}` for what a create cannot carry (manager, employee number, hire date), one bulk call per kind of routing it holds, and one `POST …/externalid` per external id; the `GET`s are reads: a user before a PATCH that replaces `addresses` or `employerInfo` whole (to keep what the bridge does not own), catalog look-ups (cached per name), the runtime's division sync.",
    "",
  );

  out.push("#### API calls over time", "");
  const marks = Math.max(...runs.map((r) => timeline(r).length));
  out.push(
    table(
      ["Run", ...Array.from({ length: marks }, (_, i) => `${(i + 1) * 10} s`)],
      runs.map((r) => {
        const t = timeline(r);
        return [runLabel(r), ...Array.from({ length: marks }, (_, i) => (i < t.length ? int(t[i]!) : ""))];
      }),
    ),
    "",
    `API calls in each 10 s after the first call. At the pacer's rate a full 10 s holds ${int((LIMIT * UTILISATION) / 6)}; at the limit, ${int(LIMIT / 6)}.`,
    "",
  );

  out.push("#### The fake's rate-limit windows", "");
  out.push(
    table(
      ["Run", "windows: start (s after the first API call) → API calls (of which 429)"],
      runs.map((r) => [
        runLabel(r),
        fakeWindows(r)
          .map((w) => `${(w.startMs / 1000).toFixed(1)} s → ${int(w.calls)}${w.over ? ` (${int(w.over)})` : ""}`)
          .join("; "),
      ]),
      false,
    ),
    "",
    `As the fake counts them (test/fakes/genesys/server.ts): a token's window starts at its first call and lasts 60 s; the next starts at the first call after that. A call past ${int(LIMIT)} in a window is answered 429 with \`Retry-After\` = the seconds left in the window.`,
    "",
  );

  out.push("#### What the figures show", "");
  const each = (rs: Run[], f: (r: Run) => string): string => rs.map((r) => `${STORE_LABEL[r.store]} ${f(r)}`).join("; ");
  const lines: string[] = [];
  if (paced.length) {
    lines.push(
      `**With the pacer** the backlog ran at ${each(paced, (r) => `${pct(steadyUse(r))} of the limit in its steady part (${pct(wholeUse(r))} over the whole run)`)}: ` +
        (paced.every((r) => steadyUse(r) >= 0.9)
          ? `above the issue's aim of 90 %, and close to the pacer's own ceiling of ${pct(UTILISATION)} (the 5 % it leaves absorbs windows that do not line up with Genesys's). `
          : `below the issue's aim of 90 % somewhere: the workers did not keep the pacer's slots filled. `) +
        `The busiest minute held ${each(paced, (r) => `${int(busiestMinute(r))} API calls`)}, against ${int(LIMIT)} allowed. ` +
        (paced.every((r) => count429(r) === 0)
          ? "No call was answered 429."
          : `**Calls answered 429 with the pacer:** ${each(paced, (r) => int(count429(r)))}: look at the windows table.`),
    );
    lines.push(
      `**Failures:** ${each(paced, (r) => `${int(r.failedJobs)} failed jobs, ${int(r.failedStates)} failed sync states`)} with the pacer` +
        (unpaced.length ? `; ${each(unpaced, (r) => `${int(r.failedJobs)} and ${int(r.failedStates)}`)} without it.` : "."),
    );
    lines.push(
      `**Calls per user:** ${each(paced, (r) => `${(api(r).length / USERS).toFixed(2)}`)} with the pacer. The population is rich on purpose (a manager for nine in ten, employee numbers on half, external ids on a fifth): ` +
        "each of those costs a call after the create, so a backlog of such users takes two to three times as long as its user count suggests.",
    );
  }
  if (unpaced.length) {
    lines.push(
      `**Without the pacer** the workers ran at the pipeline's own speed until the fake said no: ${each(unpaced, (r) => `${int(count429(r))} × 429, all synced after ${seconds(r.syncedMs)}`)}` +
        (paced.length ? ` (with the pacer: ${each(paced, (r) => seconds(r.syncedMs))}). ` : ". ") +
        `The 429s came in rounds: ${each(unpaced, (r) =>
          rounds429(r)
            .map((x) => `${int(x.n)} at ${x.atS.toFixed(1)} s (window reopening at ${x.reopensS.toFixed(1)} s)`)
            .join(", "),
        )}. ` +
        "A 429 makes the worker pause the user queue for the `Retry-After` (`worker.rateLimit` in src/sync/sync-worker.ts, no attempt spent); the calls already under way still run into the closed window, about one per worker. " +
        (unpaced.some((r) => rounds429(r).some((x, i) => i > 0 && x.atS < x.reopensS - 1))
          ? "**A second round came before the window reopened**, 30 s after the first: BullMQ 6.7 waits at most `maximumRateLimitDelay` (default 30 s) after `worker.rateLimit`, and the limit it records in Redis is only consulted by workers that have a `limiter` option (moveToActive's `getRateLimitTTL` needs a maximum), which the runtime's workers have not; so a Retry-After over 30 s is cut to 30 s and the workers knock again early (the workers of other processes, had there been any, would not have paused at all). With the pacer this does not arise: its `hold` keeps every call of the budget back until the Retry-After. "
          : "") +
        "Against this fake's fixed window, which lets the whole minute's allowance go at once, bursting and then waiting can finish sooner than pacing evenly: the pacer buys no 429s and an even load, not speed. " +
        "Genesys documents neither how its window is aligned nor what it does to a client that keeps running into it; the pacer stays under any window's count.",
    );
  }
  if (runs.some((r) => non2xx(r) > 0)) {
    const others = runs.flatMap((r) => r.calls.filter((c) => (c.status < 200 || c.status >= 300) && c.status !== 429));
    lines.push(
      `**Other errors** (answers neither 2xx nor 429, listed under the first table): ${each(
        runs.filter((r) => non2xx(r) > 0),
        (r) => `${r.paced ? "with" : "without"} the pacer ${int(non2xx(r))}`,
      )}; none failed a job or left a sync state failed.` +
        (others.every((c) => c.status === 409 && callKind(c) === "PATCH /users/{id}")
          ? " Each is a 409 (stale version) on a PATCH of a user whose job was rate-limited after an earlier PATCH of it had gone through: the job's next run starts again from what the run that created the user recorded (its version then), sends that PATCH again with the old version, gets 409, reads the user and sends it once more. It costs a few calls per interrupted user, not a failure."
          : ""),
    );
  }
  lines.push(
    "**One thread:** the store, the SCIM app, the runtime and the fake share one event loop here, and the fake answers at once; with the pacer the rate is the pacer's, far under what this pipeline can do (the sync section above), so that does not change the paced figures. It does bound the unpaced runs' speed.",
  );
  out.push(...lines.map((l) => `- ${l}`));
  return out.join("\n");
}

async function main(): Promise<void> {
  const { kinds, note } = await storeKinds();
  const runs: Run[] = [];
  for (const kind of kinds) {
    runs.push(await oneRun(kind, true));
    if (wasInterrupted()) throw new Error("interrupted");
    if (UNPACED) runs.push(await oneRun(kind, false));
  }
  const md = render(runs, note);
  process.stdout.write(`${md}\n`);
  writeReportPart("pacing", md);
}

const started = Date.now();
main()
  .then(() => log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s on ${os.availableParallelism()} cores`))
  .catch((err: unknown) => {
    log(
      wasInterrupted()
        ? "interrupted; docs/benchmarks.md left unchanged"
        : `failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    process.exitCode = wasInterrupted() ? 130 : 1;
  });
