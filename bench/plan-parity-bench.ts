/**
 * Plan parity (issue 11): the same SCIM users synced once through the dry-run target (its plan, the
 * dry_run_plan table) and once through the genesys target against the fake Genesys Cloud (the calls
 * it received), then compared write for write, per user, with every Genesys id replaced by a
 * placeholder: a user's id by its userName (through each side's sync_state.target_id), a division's
 * by its name, a skill's or language's by its name. Reads are not part of a plan: GETs, the two POST
 * searches and the login are left out on the genesys side, as the dry run does not record them.
 *
 *   npm run bench:parity
 *   BENCH_PARITY_USERS=200          fewer users (default 1,000), for trying things out
 *   BENCH_PARITY_STORE=postgres     both sides on PostgreSQL (default PGlite)
 *   BENCH_REPORT=off                print the figures, leave docs/benchmarks.md alone
 *   BENCH_PARITY_DUMP=/tmp/plans    also write each side's writes, placeholders in, to <that>.dry-run.txt and <that>.genesys.txt
 *
 * Each side writes the managers first and waits until they are synced, then the other users: a
 * user whose manager is already in the target gets one PATCH for everything a create cannot carry;
 * one synced before its manager gets that PATCH without the manager and another one later. Which
 * happens depends on the workers' timing, not on the target, and would make the two plans differ
 * for no reason of the targets'; the two phases take that out.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { loadConfig } from "../src/config/config.js";
import { createLogger } from "../src/log/logger.js";
import { startSyncRuntime } from "../src/sync/runtime.js";
import type { Store } from "../src/store/store.js";
import { DryRunTarget } from "../src/sync/targets/dry-run-target.js";
import { GenesysTarget } from "../src/sync/targets/genesys-target.js";
import type { DirectoryTarget } from "../src/sync/targets/target.js";
import { startFakeGenesys, type FakeGenesys } from "../test/fakes/genesys/index.js";
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
  untilAllSynced,
  writeReportPart,
  type StoreKind,
} from "./genesys-bench-common.js";

const USERS = Math.round(positive(process.env.BENCH_PARITY_USERS, 1_000));
const STORE: StoreKind = process.env.BENCH_PARITY_STORE === "postgres" ? "postgres" : "pglite";
const DEFAULTS = loadConfig({}, { LOG_LEVEL: "silent" });
const TIMEOUT_MS = 300_000;
/** Mismatches printed in full. */
const SHOWN = 8;

type SideName = "dry-run" | "genesys";

/** One write, as sent or recorded, with the Genesys ids replaced by placeholders. */
interface Write {
  /** The SCIM user it was made for (its userName), or "(none)" when no user could be named. */
  user: string;
  method: string;
  path: string;
  /** Canonical JSON (keys sorted), or "" without a body. */
  body: string;
  /** The fake's answer (genesys side); the dry run records before it answers, so it has none. */
  status?: number;
}

interface Side {
  name: SideName;
  /** ms each phase took from its first SCIM write until all was synced. */
  phaseMs: number[];
  writes: Write[];
  /** Calls left out as reads (genesys side): GETs, searches, logins. */
  reads: number;
  /** The reads by kind (method and path, ids and query made generic). */
  readKinds: Record<string, number>;
  failedStates: number;
}

/** An id → placeholder table; canonical JSON with every id replaced, keys sorted. */
class Placeholders {
  private readonly map = new Map<string, string>();
  set(id: string | null | undefined, placeholder: string): void {
    if (id) this.map.set(id, placeholder);
  }
  value(v: unknown): unknown {
    if (typeof v === "string") return this.map.get(v) ?? v;
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    if (v && typeof v === "object")
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, this.value((v as Record<string, unknown>)[k])]),
      );
    return v;
  }
  body(v: unknown): string {
    return v === undefined || v === null ? "" : JSON.stringify(this.value(v));
  }
  /** Each path segment (and each id of a comma-separated query value) decoded, replaced, encoded again. */
  path(p: string): string {
    const [path, query] = p.split("?") as [string, string | undefined];
    const seg = (s: string): string => {
      const decoded = decodeURIComponent(s);
      const mapped = this.map.get(decoded);
      return mapped ?? s;
    };
    const out = path.split("/").map(seg).join("/");
    if (query === undefined) return out;
    const q = query
      .split("&")
      .map((kv) => {
        const [k, v = ""] = kv.split("=");
        return `${k}=${v.split(",").map(seg).join(",")}`;
      })
      .join("&");
    return `${out}?${q}`;
  }
  userOf(id: string): string | undefined {
    return this.map.get(id);
  }
}

/** The id → placeholder table of a side: users (target id → userName), divisions, skills and languages. */
async function placeholders(store: Store, name: SideName, fake?: FakeGenesys): Promise<Placeholders> {
  const p = new Placeholders();
  for (const r of await store.query<{ target_id: string; user_name: string }>(
    `select s.target_id, u.user_name from sync_state s join scim_users u on u.id = s.resource_id
      where s.resource_type = 'User' and s.target_id is not null`,
  ))
    p.set(r.target_id, `<user:${r.user_name}>`);
  for (const d of await store.query<{ target_id: string | null; name: string }>("select target_id, name from divisions"))
    p.set(d.target_id, `<division:${d.name}>`);
  if (name === "dry-run") {
    // the dry run's catalog: every name exists, with the id dry-run:<kind>:<name> (dry-run-target.ts)
    for (const s of SKILLS) p.set(`dry-run:skills:${s}`, `<skill:${s}>`);
    for (const l of LANGUAGES) p.set(`dry-run:languages:${l}`, `<language:${l}>`);
  } else if (fake) {
    for (const s of fake.state.routing.list("skill", null, [])) p.set(s.id, `<skill:${s.name}>`);
    for (const l of fake.state.routing.list("language", null, [])) p.set(l.id, `<language:${l.name}>`);
  }
  return p;
}

const isRead = (method: string, path: string): boolean => {
  const p = path.split("?")[0]!;
  return method === "GET" || p === "/oauth/token" || (method === "POST" && (p === "/api/v2/users/search" || p === "/api/v2/groups/search"));
};

async function runSide(name: SideName): Promise<Side> {
  const cleanup = new Cleanup();
  try {
    const store = await openBenchStore(STORE, cleanup);
    let fake: FakeGenesys | undefined;
    let target: DirectoryTarget;
    if (name === "genesys") {
      // no limit enforced, no search lag, member changes applied at once: nothing but the answers differs from the dry run's
      const f = await startFakeGenesys({ enforceRateLimit: false, searchLagMs: 0, memberApplyDelayMs: 0 });
      fake = f;
      cleanup.add("closing the fake Genesys", () => f.close());
      for (const s of SKILLS) f.state.addSkill(s);
      for (const l of LANGUAGES) f.state.addLanguage(l);
      target = new GenesysTarget(f.targetOptions());
    } else target = new DryRunTarget(store);
    await prepareDivisions(store, target, fake);
    const writer = await startScimApp(store, cleanup);
    fake?.clearCalls();
    await store.query("delete from dry_run_plan");

    const prefix = `bench-parity-${randomBytes(5).toString("hex")}`;
    cleanup.add(`dropping the Redis keys under ${prefix}:`, () => dropPrefix(prefix, REDIS_URL));
    const runtime = await startSyncRuntime(store, target, createLogger("silent"), {
      redisUrl: REDIS_URL,
      prefix,
      concurrency: DEFAULTS.SYNC_CONCURRENCY,
      relayIntervalMs: DEFAULTS.SYNC_RELAY_INTERVAL_MS,
      sweepIntervalMs: DEFAULTS.SYNC_SWEEP_INTERVAL_MS,
      divisionSyncIntervalMs: DEFAULTS.DIVISION_SYNC_INTERVAL_MS,
      debounceMs: DEFAULTS.SYNC_DEBOUNCE_MS,
      retryCapMs: DEFAULTS.SYNC_RETRY_CAP_MS,
    });
    cleanup.add("stopping the sync runtime", () => runtime.stop());

    const ids = new Map<number, string>();
    const phaseMs: number[] = [];
    for (const [what, ns] of Object.entries(managersFirst(USERS))) {
      log(`${name}: writing ${int(ns.length)} ${what} through SCIM, then waiting until they are synced`);
      const t0 = performance.now();
      await writer.post(ns, ids);
      const at = await untilAllSynced(store, TIMEOUT_MS);
      if (Number.isNaN(at)) throw new Error(`${name}: the ${what} were not all synced within ${TIMEOUT_MS / 1000} s`);
      phaseMs.push(performance.now() - t0);
    }
    const failedStates = Number(
      (await store.query<{ n: number }>("select count(*)::int as n from sync_state where state = 'failed'"))[0]?.n ?? 0,
    );
    const p = await placeholders(store, name, fake);
    const writes: Write[] = [];
    let reads = 0;
    const readKinds: Record<string, number> = {};
    if (name === "dry-run") {
      const users = new Map(
        (await store.query<{ id: string; user_name: string }>("select id, user_name from scim_users")).map((u) => [u.id, u.user_name]),
      );
      for (const r of await store.query<{ resource_type: string; resource_id: string; method: string; path: string; body: unknown }>(
        "select resource_type, resource_id, method, path, body from dry_run_plan order by id",
      ))
        writes.push({
          user: r.resource_type === "User" ? (users.get(r.resource_id) ?? "(none)") : "(none)",
          method: r.method,
          path: p.path(r.path),
          body: p.body(r.body),
        });
    } else {
      for (const c of fake!.calls) {
        if (isRead(c.method, c.path)) {
          reads++;
          const k = `${c.method} ${c.path.split("?")[0]!.replace(/\/[0-9a-f]{8}-[0-9a-f-]{27}(?=\/|$)/g, "/{id}")}`;
          readKinds[k] = (readKinds[k] ?? 0) + 1;
          continue;
        }
        const path = p.path(c.path);
        // the user a write is for: the create's e-mail, else the user id in the path, else (a division move) the first id of the body
        let user = /^<user:(.*)>$/.exec(path.split("/")[4] ?? "")?.[1];
        if (!user && c.method === "POST" && path === "/api/v2/users")
          user = String((c.body as { email?: unknown } | undefined)?.email ?? "");
        if (!user && Array.isArray(c.body) && typeof c.body[0] === "string") user = /^<user:(.*)>$/.exec(p.userOf(c.body[0]) ?? "")?.[1];
        writes.push({ user: user || "(none)", method: c.method, path, body: p.body(c.body), status: c.status });
      }
    }
    log(`${name}: ${int(writes.length)} writes; phases ${phaseMs.map((ms) => seconds(ms)).join(" + ")}`);
    return { name, phaseMs, writes, reads, readKinds, failedStates };
  } finally {
    await cleanup.run();
  }
}

// ---------------------------------------------------------------------------------------------------
// Comparison

interface Difference {
  user: string;
  /** 1-based position in the user's writes. */
  at: number;
  dryRun?: Write;
  genesys?: Write;
}

interface Comparison {
  users: number;
  identicalUsers: number;
  matched: number;
  differences: Difference[];
  /** Differences by kind: "body", "path", "method", "only in the dry run", "only in genesys". */
  kinds: Record<string, number>;
}

const line = (w: Write | undefined): string => (w ? `${w.method} ${w.path}${w.body ? ` ${w.body}` : ""}` : "(nothing)");
/** The write's kind: method and path with placeholders and ids made generic. */
const kindOf = (w: Write): string =>
  `${w.method} ${w.path
    .split("?")[0]!
    .replace(/<user:[^>]*>/g, "{user}")
    .replace(/<division:[^>]*>/g, "{division}")}`;

function compare(dry: Side, gen: Side): Comparison {
  const byUser = (s: Side): Map<string, Write[]> => {
    const m = new Map<string, Write[]>();
    for (const w of s.writes) m.set(w.user, [...(m.get(w.user) ?? []), w]);
    return m;
  };
  const a = byUser(dry);
  const b = byUser(gen);
  const users = [...new Set([...a.keys(), ...b.keys()])].sort();
  const out: Comparison = { users: users.length, identicalUsers: 0, matched: 0, differences: [], kinds: {} };
  for (const u of users) {
    const x = a.get(u) ?? [];
    const y = b.get(u) ?? [];
    let same = x.length === y.length;
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      const l = x[i];
      const r = y[i];
      if (l && r && l.method === r.method && l.path === r.path && l.body === r.body) {
        out.matched++;
        continue;
      }
      same = false;
      const kind = !l
        ? "only in genesys"
        : !r
          ? "only in the dry run"
          : l.method !== r.method
            ? "method"
            : l.path !== r.path
              ? "path"
              : "body";
      out.kinds[kind] = (out.kinds[kind] ?? 0) + 1;
      out.differences.push({ user: u, at: i + 1, dryRun: l, genesys: r });
    }
    if (same) out.identicalUsers++;
  }
  return out;
}

function render(dry: Side, gen: Side, cmp: Comparison): string {
  const out: string[] = [];
  const sides = [dry, gen];
  out.push(`### Plan parity: the dry run and the genesys target, ${int(USERS)} users`, "", stamp(), "");
  out.push(
    `The same ${int(USERS)} users (the population above) synced twice, each time on a fresh ${STORE_LABEL[STORE]} store through the real SCIM app and sync runtime ` +
      `(production's settings, concurrency ${DEFAULTS.SYNC_CONCURRENCY}): once with the \`dry-run\` target, whose plan is read from \`dry_run_plan\` (method, path, body, in the order recorded), ` +
      "once with `GenesysTarget` against the fake Genesys Cloud (limit not enforced, search lag 0), whose received calls are the plan. Reads are left out on that side as the dry run leaves them out " +
      "(`GET`s, `POST /api/v2/users/search`, `POST /api/v2/groups/search`, the login). Ids are replaced by placeholders: a user's Genesys id by `<user:userName>` " +
      "(each side's `sync_state.target_id`; the SCIM ids differ between the two stores too), a division's by `<division:name>`, a skill's or language's by `<skill:name>` / `<language:name>`; bodies are compared as JSON with sorted keys " +
      "(the dry run keeps them as `jsonb`). Writes are then compared per user, in order, position by position. " +
      "Both sides write the managers first and wait until they are synced, then the others: otherwise a user synced before its manager gets an extra PATCH for the manager later, depending on the workers' timing rather than on the target.",
    "",
  );
  out.push(
    table(
      ["Side", "synced in (managers + the rest)", "writes", "non-2xx answers", "reads left out", "failed sync states"],
      sides.map((s) => [
        s.name,
        s.phaseMs.map((ms) => seconds(ms)).join(" + "),
        int(s.writes.length),
        s.name === "genesys" ? int(s.writes.filter((w) => (w.status ?? 200) >= 300).length) : "—",
        s.name === "genesys" ? int(s.reads) : "not recorded",
        int(s.failedStates),
      ]),
    ),
    "",
  );
  const kinds = [...new Set([...dry.writes, ...gen.writes].map(kindOf))].sort();
  out.push(
    table(
      ["Write", "dry run", "genesys"],
      kinds.map((k) => [
        `\`${k}\``,
        int(dry.writes.filter((w) => kindOf(w) === k).length),
        int(gen.writes.filter((w) => kindOf(w) === k).length),
      ]),
    ),
    "",
  );
  const total = Math.max(dry.writes.length, gen.writes.length);
  out.push(
    table(
      ["Compared", "value"],
      [
        ["users with writes", int(cmp.users)],
        [
          "users whose writes are identical, call for call",
          `${int(cmp.identicalUsers)} (${((cmp.identicalUsers / Math.max(1, cmp.users)) * 100).toFixed(1)} %)`,
        ],
        ["writes matched (same position, method, path, body)", `${int(cmp.matched)} of ${int(total)}`],
        ["mismatches", int(cmp.differences.length)],
        ...Object.entries(cmp.kinds).map(([k, n]) => [`… ${k}`, int(n)]),
        [
          "writes not attributable to a user",
          `${int(dry.writes.filter((w) => w.user === "(none)").length)} dry run, ${int(gen.writes.filter((w) => w.user === "(none)").length)} genesys`,
        ],
      ],
      false,
    ),
    "",
  );
  if (cmp.differences.length) {
    out.push(
      `The first ${Math.min(SHOWN, cmp.differences.length)} mismatches (user, position in its writes, dry run then genesys):`,
      "",
      "```text",
    );
    for (const d of cmp.differences.slice(0, SHOWN))
      out.push(
        `${d.user} #${d.at}`,
        `  dry-run: ${line(d.dryRun)}`,
        `  genesys: ${line(d.genesys)}${d.genesys?.status ? ` → ${d.genesys.status}` : ""}`,
      );
    out.push("```", "");
  }
  out.push("#### What the figures show", "");
  const lines: string[] = [];
  if (cmp.differences.length === 0 && dry.writes.length === gen.writes.length)
    lines.push(
      `**Identical:** the dry run's plan and the calls the genesys target made are the same ${int(dry.writes.length)} writes, user for user and call for call, bodies included (the issue's aim). ` +
        "Both targets run the same directory code (`src/sync/targets/directory.ts`) and differ only in their transport; what this shows is that the dry run's stand-in directory answers as the fake does wherever an answer steers the next write " +
        "(the create's answer the PATCH after it is planned against, versions, divisions, the catalog).",
    );
  else
    lines.push(
      `**Not identical:** ${int(cmp.differences.length)} mismatches over ${int(cmp.users - cmp.identicalUsers)} users (kinds: ${Object.entries(
        cmp.kinds,
      )
        .map(([k, n]) => `${k} ${int(n)}`)
        .join(", ")}); the listing above shows the first ones.`,
    );
  lines.push(
    `**What the plan leaves out:** the genesys side also made ${int(gen.reads)} reads (${(gen.reads / USERS).toFixed(3)} per user) that no plan shows: ` +
      `${Object.entries(gen.readKinds)
        .sort((x, y) => y[1] - x[1])
        .map(([k, n]) => `${int(n)} × \`${k}\``)
        .join(", ")}. ` +
      "They count against the rate limit all the same (the pacing figures above include them).",
  );
  lines.push(
    `**Cost per user:** ${(gen.writes.length / USERS).toFixed(2)} writes and ${((gen.writes.length + gen.reads) / USERS).toFixed(2)} calls in all per user for this population.`,
  );
  if (dry.failedStates || gen.failedStates)
    lines.push(
      `**Failed sync states:** ${int(dry.failedStates)} dry run, ${int(gen.failedStates)} genesys: their writes stop early on that side.`,
    );
  out.push(...lines.map((l) => `- ${l}`));
  return out.join("\n");
}

async function main(): Promise<void> {
  const dry = await runSide("dry-run");
  if (wasInterrupted()) throw new Error("interrupted");
  const gen = await runSide("genesys");
  const dump = process.env.BENCH_PARITY_DUMP;
  if (dump)
    for (const s of [dry, gen])
      writeFileSync(`${dump}.${s.name}.txt`, s.writes.map((w) => `${w.user}\t${line(w)}${w.status ? ` → ${w.status}` : ""}\n`).join(""));
  const cmp = compare(dry, gen);
  log(
    `compared: ${int(cmp.identicalUsers)} of ${int(cmp.users)} users identical; ${int(cmp.matched)} writes matched, ${int(cmp.differences.length)} mismatches`,
  );
  const md = render(dry, gen, cmp);
  process.stdout.write(`${md}\n`);
  writeReportPart("parity", md);
}

const started = Date.now();
main()
  .then(() => log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`))
  .catch((err: unknown) => {
    log(
      wasInterrupted()
        ? "interrupted; docs/benchmarks.md left unchanged"
        : `failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    process.exitCode = wasInterrupted() ? 130 : 1;
  });
