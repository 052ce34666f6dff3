/**
 * Loopback benchmarks, written to stdout and to docs/benchmarks.md. One process: the servers run in a
 * worker thread (bench/server.ts), autocannon in the main thread. Sections (bench/section.ts):
 *   tokens  tokens issued per second, and what bearer verification adds (bench/token-bench.ts)
 *   scim    the SCIM endpoint with 100,000 users (bench/scim-bench.ts)
 *   sync    10,000 users through SCIM, the outbox, BullMQ and the workers to the fake Genesys Cloud,
 *           and a bare BullMQ worker on the same Redis (bench/sync-bench.ts)
 *   memory  the real `serve` process: against scimgateway's figures with 10,000 users, its memory with 100,000 (bench/memory-bench.ts)
 * Each section runs on a fresh embedded PGlite store, then on PostgreSQL in a fresh schema.
 *
 *   npm run bench                         every section (about 8 minutes on 2 cores)
 *   BENCH_ONLY=scim npm run bench         only these sections (comma-separated); the others are kept
 *                                         as they are in docs/benchmarks.md
 *   BENCH_SECONDS=3 npm run bench         shorter token runs (default 10 s per measured run)
 *   BENCH_SCIM_SECONDS=2                  shorter SCIM runs (default 4 s per measured run)
 *   BENCH_SCIM_USERS=20000                fewer seeded users (default 100,000), for trying things out
 *   BENCH_SYNC_USERS=2000                 fewer users through the sync pipeline (default 10,000)
 *   BENCH_SYNC_CONCURRENCY=16             the sync workers' concurrency (default 8)
 *   BENCH_SYNC_SWEEP_MS=600000            the sync runtime's sweep interval (default production's, 60 s)
 *   BENCH_REDIS_URL=redis://...           Redis of the sync section (default redis://127.0.0.1:6379)
 *   BENCH_PG_URL=off npm run bench        PGlite only (default postgresql://127.0.0.1:5432/postgres)
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import pg from "pg";
import { startServer, type ServerHandle } from "./worker.js";
import type { StoreSpec } from "./server.js";
import type { Section } from "./section.js";
import { tokenSection } from "./token-bench.js";
import { scimSection } from "./scim-bench.js";
import { syncSection } from "./sync-bench.js";
import { memorySection } from "./memory-bench.js";
import { CONNECTIONS, commitLabel, log, shortVersion, table, wasInterrupted } from "./common.js";

const PG_URL = process.env.BENCH_PG_URL ?? "postgresql://127.0.0.1:5432/postgres";
const REPORT = new URL("../docs/benchmarks.md", import.meta.url);
const PGLITE = "PGlite (in memory)";
const POSTGRES = "PostgreSQL";

const SECTIONS: Section[] = [tokenSection(), scimSection(), syncSection(), memorySection()];
const LOAD_AT_START = os.loadavg()[0]!.toFixed(2);

function selected(): Section[] {
  const raw = process.env.BENCH_ONLY?.trim();
  if (!raw) return SECTIONS;
  const names = raw
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const unknown = names.filter((n) => !SECTIONS.some((s) => s.name === n));
  if (unknown.length)
    throw new Error(`BENCH_ONLY: unknown section(s) ${unknown.join(", ")}; known: ${SECTIONS.map((s) => s.name).join(", ")}`);
  return SECTIONS.filter((s) => names.includes(s.name));
}

/** Store versions seen, for the machine table. */
const versions = new Map<string, string>();

async function onStore(section: Section, name: string, spec: StoreSpec): Promise<void> {
  log(`${section.name} on ${name}: starting the servers`);
  const server: ServerHandle = await startServer(spec);
  versions.set(name, shortVersion(server.version));
  try {
    await section.runOn(name, server);
  } finally {
    await server.close();
  }
}

/**
 * libpq (psql) takes the OS user when the URL names none; node-postgres takes $PGUSER or $USER, which
 * may be unset. Name the OS user explicitly so the default URL behaves as it does in psql.
 */
function withUser(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !process.env.PGUSER && !process.env.USER) u.username = os.userInfo().username;
    return u.toString();
  } catch {
    return url;
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}

/** A PostgreSQL connection for creating and dropping schemas; null (with the reason) when there is none. */
async function postgresAdmin(): Promise<{ admin: pg.Client | null; url: string; note: string }> {
  if (!PG_URL || PG_URL === "off") return { admin: null, url: "", note: "skipped (BENCH_PG_URL=off)" };
  const url = withUser(PG_URL);
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  admin.on("error", () => undefined);
  try {
    await admin.connect();
  } catch (err) {
    const note = `skipped: ${redact(url)} not reachable (${err instanceof Error ? err.message : String(err)})`;
    log(`postgres ${note}`);
    return { admin: null, url, note };
  }
  return { admin, url, note: `${redact(url)}, in a fresh schema per section, dropped afterwards` };
}

async function onPostgres(section: Section, admin: pg.Client, url: string): Promise<void> {
  const schema = `bench_${section.name}_${process.pid}_${Date.now()}`;
  try {
    await admin.query(`create schema ${schema}`);
    await onStore(section, POSTGRES, { kind: "postgres", connectionString: url, schema });
  } finally {
    await admin
      .query(`drop schema if exists ${schema} cascade`)
      .catch((err: unknown) => log(`could not drop schema ${schema}: ${String(err)}`));
  }
}

// ---------------------------------------------------------------------------------------------------
// Report

const BEGIN = (name: string): string => `<!-- bench-section:${name} -->`;
const END = (name: string): string => `<!-- /bench-section:${name} -->`;

/** Blocks of docs/benchmarks.md that other benches write (npm run bench:genesys), kept by this one. */
const KEPT_BLOCKS = ["genesys-benches"];

/** A section as the current docs/benchmarks.md has it (for BENCH_ONLY runs), markers excluded. */
function previousSection(previous: string, name: string): string | null {
  const start = previous.indexOf(BEGIN(name));
  const end = previous.indexOf(END(name));
  if (start < 0 || end < start) return null;
  return previous.slice(start + BEGIN(name).length, end).trim();
}

function machine(): string[][] {
  return [
    ["Date", new Date().toISOString()],
    ["CPU", os.cpus()[0]?.model ?? "unknown"],
    ["nproc", String(os.availableParallelism())],
    ["Memory", `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ["OS", `${os.type()} ${os.release()} (${os.arch()})`],
    ["Node", process.version],
    [
      "Load average (1 min) at start → end",
      `${LOAD_AT_START} → ${os.loadavg()[0]!.toFixed(2)} (other work on the machine disturbs the figures)`,
    ],
    ...[...versions].map(([store, v]) => [store, v]),
    ["Commit", commitLabel()],
  ];
}

function render(ran: Section[], storesNote: string, previous: string): string {
  const out: string[] = [];
  out.push("# Benchmarks", "");
  out.push(
    "Generated by `bench/run.ts`; do not edit by hand. **How to run:** `npm run bench` (about 8 minutes on this 2-core machine; " +
      "PostgreSQL is included when `postgresql://127.0.0.1:5432/postgres` is reachable; `BENCH_PG_URL=off` skips it). " +
      `\`BENCH_ONLY=${SECTIONS.map((s) => s.name).join("|")}\` runs only the named sections (comma-separated) and keeps the others as they were; ` +
      "`BENCH_SECONDS=3` shortens the token runs, `BENCH_SCIM_SECONDS=2` the SCIM runs, `BENCH_SYNC_USERS=2000` the sync runs. The sync section needs Redis at `redis://127.0.0.1:6379` (`BENCH_REDIS_URL`) and is skipped without it.",
    "",
  );
  const partial = ran.length < SECTIONS.length;
  out.push(
    "## Machine",
    "",
    partial
      ? `Of the latest run (${ran.map((s) => s.name).join(", ")}); each section says when it was measured.`
      : "Every section below was measured in this run.",
    "",
    table(["Fact", "Value"], machine(), false),
    "",
  );
  out.push("## Method (all sections)", "");
  out.push(
    `- One process. The store and the HTTP servers run in a worker thread; autocannon 8 drives them from the main thread, over loopback (127.0.0.1, ephemeral ports), with keep-alive connections and no pipelining. "Under load" means ${CONNECTIONS} connections, "unloaded" 1 connection (one request at a time).`,
    '- Stores: embedded PGlite in memory (`openPgliteStore()`), and PostgreSQL through `openPgStore` (a pool of 10 connections). Logger `createLogger("silent")`, metrics `createMetrics(false)`, clock `systemClock`.',
    `- Throughput counts 2xx responses only; any non-2xx, socket error or timeout is reported in the "bad" column (all should be 0).`,
    "- Latencies are client-side, in ms, nearest-rank percentiles over **every** 2xx response of the run, taken from autocannon's per-response `response` event (hrtime, sub-millisecond). autocannon's own latency histogram keeps whole milliseconds, too coarse for the differences measured here.",
    "",
  );

  const stamp = `_Measured ${new Date().toISOString()} at commit ${commitLabel()}, on ${os.cpus()[0]?.model ?? "unknown CPU"} × ${os.availableParallelism()}._`;
  for (const section of SECTIONS) {
    out.push(BEGIN(section.name));
    if (ran.includes(section)) out.push(section.render(storesNote).replace(/^(## .*\n)/, `$1\n${stamp}\n`));
    else
      out.push(
        previousSection(previous, section.name) ??
          `## ${section.title}\n\n_Not measured yet: \`BENCH_ONLY=${section.name} npm run bench\`._`,
      );
    out.push(END(section.name), "");
  }
  // blocks other benches write (bench/genesys-*.ts): kept as they are
  for (const name of KEPT_BLOCKS) {
    const start = previous.indexOf(`<!-- ${name} -->`);
    const end = previous.indexOf(`<!-- /${name} -->`);
    if (start >= 0 && end > start) out.push(previous.slice(start, end + `<!-- /${name} -->`.length), "");
  }

  out.push("## Caveats", "");
  out.push(
    `- The load generator, the server thread and (when it runs) the PostgreSQL server share this machine's ${os.availableParallelism()} CPU(s); figures are for comparison between routes, sizes and stores on this machine, not capacity planning.`,
    "- PGlite is single-connection WASM running on the server's own thread: its queries run one at a time and their CPU time is the event loop's. PostgreSQL queries run in separate backend processes.",
    "- PGlite has no autovacuum: the SCIM section runs `VACUUM ANALYZE` after seeding on both stores, so both plan with statistics. An embedded store that grew by SCIM writes alone would have none; when this benchmark was written, `EXPLAIN` showed the same plans without them for the lookups measured (by `id`, by `user_name_lc`).",
    "- At 10 connections the bare routes (`/noauth`, `/bare/Users/{id}`) may be limited by the load generator (one thread on the same two cores) rather than by the server; their unloaded figures are the cleaner baseline.",
    "- Run to run on this machine (while writing this benchmark, with other work sometimes running), figures under load moved by up to about 30 %, unloaded p50s by about 10 %; ratios taken within one run (same store, minutes apart) are steadier than absolute figures.",
    "- Loopback only: no TLS, no network latency.",
    "",
  );
  return out.join("\n");
}

async function main(): Promise<void> {
  const sections = selected();
  const previous = existsSync(REPORT) ? readFileSync(REPORT, "utf8") : "";
  const pgConn = await postgresAdmin();
  try {
    for (const section of sections) {
      await onStore(section, PGLITE, { kind: "pglite" });
      if (pgConn.admin) await onPostgres(section, pgConn.admin, pgConn.url);
    }
  } finally {
    await pgConn.admin?.end();
  }
  const report = render(sections, `embedded PGlite in memory, and PostgreSQL: ${pgConn.note}`, previous);
  process.stdout.write(`${report}\n`);
  writeFileSync(REPORT, `${report}\n`);
  log(`wrote ${REPORT.pathname}`);
}

const started = Date.now();
main()
  .then(() => log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`))
  .catch((err: unknown) => {
    const interrupted = wasInterrupted();
    log(
      interrupted
        ? "interrupted; docs/benchmarks.md left unchanged"
        : `failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    process.exitCode = interrupted ? 130 : 1;
  });
