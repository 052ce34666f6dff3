/**
 * Loopback benchmarks of the token service: tokens issued per second, and what bearer-token
 * verification adds to a request. One process: the servers run in a worker thread (bench/server.ts),
 * autocannon in the main thread. Writes the markdown report to stdout and to docs/benchmarks.md.
 *
 *   npm run bench                         (npx tsx bench/run.ts)
 *   BENCH_SECONDS=3 npm run bench         shorter runs (default 10 s per measured run)
 *   BENCH_PG_URL=off npm run bench        PGlite only (default postgresql://127.0.0.1:5432/postgres)
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import pg from "pg";
import { runLoad, stopCurrent, type LoadResult, type LoadSpec } from "./load.js";
import { startServer, type ServerHandle } from "./worker.js";
import type { Breakdown, StoreSpec } from "./server.js";

const SECONDS = positive(process.env.BENCH_SECONDS, 10);
const CONNECTIONS = positive(process.env.BENCH_CONNECTIONS, 10);
const WARMUP_SECONDS = Math.min(2, SECONDS);
const UNLOADED_SECONDS = Math.max(1, Math.round(SECONDS / 2));
const BREAKDOWN_SECONDS = Math.min(1, SECONDS);
const PG_URL = process.env.BENCH_PG_URL ?? "postgresql://127.0.0.1:5432/postgres";
const AIM_MS = 0.3;
const REPORT = new URL("../docs/benchmarks.md", import.meta.url);

function positive(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return raw && Number.isFinite(n) && n > 0 ? n : fallback;
}

const log = (msg: string): void => {
  process.stderr.write(`[bench] ${msg}\n`);
};

let interrupted = false;
process.on("SIGINT", () => {
  interrupted = true;
  stopCurrent();
});

/** A warm-up run (discarded, lets the JIT and the store's caches settle), then the measured run. */
async function measure(label: string, spec: LoadSpec): Promise<LoadResult> {
  if (interrupted) throw new Error("interrupted");
  log(`${label}: warm-up ${WARMUP_SECONDS} s, then ${spec.seconds} s at ${spec.connections} connection(s)`);
  await runLoad({ ...spec, seconds: WARMUP_SECONDS });
  const r = await runLoad(spec);
  if (interrupted) throw new Error("interrupted");
  log(`${label}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms, bad ${r.bad}`);
  return r;
}

interface StoreResult {
  store: string;
  version: string;
  tokens: LoadResult;
  tokenRows: number;
  loaded: { noauth: LoadResult; auth: LoadResult };
  unloaded: { noauth: LoadResult; auth: LoadResult };
  breakdown: Breakdown;
}

async function issueOne(s: ServerHandle): Promise<string> {
  const res = await fetch(s.tokenUrl, {
    method: "POST",
    headers: { authorization: basic(s), "content-type": "application/x-www-form-urlencoded" },
    body: "grant_type=client_credentials",
  });
  if (res.status !== 200) throw new Error(`token request answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

function basic(s: ServerHandle): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(s.clientId)}:${encodeURIComponent(s.secret)}`).toString("base64")}`;
}

async function benchStore(name: string, spec: StoreSpec): Promise<StoreResult> {
  log(`${name}: starting the servers`);
  const server = await startServer(spec);
  try {
    const tokens = await measure(`${name} POST /oauth/token`, {
      url: server.tokenUrl,
      connections: CONNECTIONS,
      seconds: SECONDS,
      method: "POST",
      headers: { authorization: basic(server), "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials",
    });
    const tokenRows = await server.countTokens();

    const token = await issueOne(server);
    const bearer = { authorization: `Bearer ${token}` };
    const probe = await fetch(`${server.verifyBase}/auth`, { headers: bearer });
    if (probe.status !== 204) throw new Error(`GET /auth with a fresh token answered ${probe.status}`);

    const route = (path: "noauth" | "auth", connections: number, seconds: number): LoadSpec => ({
      url: `${server.verifyBase}/${path}`,
      connections,
      seconds,
      headers: bearer, // sent to both routes, so the requests differ only in the middleware
    });
    const loaded = {
      noauth: await measure(`${name} GET /noauth`, route("noauth", CONNECTIONS, SECONDS)),
      auth: await measure(`${name} GET /auth`, route("auth", CONNECTIONS, SECONDS)),
    };
    const unloaded = {
      noauth: await measure(`${name} GET /noauth`, route("noauth", 1, UNLOADED_SECONDS)),
      auth: await measure(`${name} GET /auth`, route("auth", 1, UNLOADED_SECONDS)),
    };
    log(`${name}: in-process breakdown of one verification, ${BREAKDOWN_SECONDS} s per part`);
    const breakdown = await server.breakdown(token, BREAKDOWN_SECONDS);
    return { store: name, version: server.version, tokens, tokenRows, loaded, unloaded, breakdown };
  } finally {
    await server.close();
  }
}

/** PostgreSQL in a fresh schema, dropped afterwards; null (with the reason) when it is not reachable. */
async function benchPostgres(): Promise<{ result: StoreResult | null; note: string }> {
  if (!PG_URL || PG_URL === "off") return { result: null, note: "skipped (BENCH_PG_URL=off)" };
  const url = withUser(PG_URL);
  const admin = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  admin.on("error", () => undefined);
  try {
    await admin.connect();
  } catch (err) {
    const note = `skipped: ${redact(url)} not reachable (${err instanceof Error ? err.message : String(err)})`;
    log(`postgres ${note}`);
    return { result: null, note };
  }
  const schema = `bench_${process.pid}_${Date.now()}`;
  try {
    await admin.query(`create schema ${schema}`);
    const result = await benchStore("PostgreSQL", { kind: "postgres", connectionString: url, schema });
    return { result, note: `${redact(url)}, in a fresh schema dropped afterwards` };
  } finally {
    await admin.query(`drop schema if exists ${schema} cascade`).catch((err: unknown) => log(`could not drop schema ${schema}: ${String(err)}`));
    await admin.end();
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

// ---------------------------------------------------------------------------------------------------
// Report

const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : "n/a");
const int = (v: number): string => Math.round(v).toLocaleString("en-US");
const signed = (v: number): string => `${v >= 0 ? "+" : ""}${v.toFixed(3)}`;

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
}

function machine(stores: StoreResult[]): string[][] {
  const cpu = os.cpus()[0]?.model ?? "unknown";
  const commit = sh("git", ["rev-parse", "--short", "HEAD"]);
  const dirty = sh("git", ["status", "--porcelain"]) !== "";
  return [
    ["Date", new Date().toISOString()],
    ["CPU", `${cpu}`],
    ["nproc", String(os.availableParallelism())],
    ["Memory", `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ["OS", `${os.type()} ${os.release()} (${os.arch()})`],
    ["Node", process.version],
    ...stores.map((s) => [s.store, s.version.replace(/ on .*$/, "").replace(/,.*$/, "")]),
    ["Commit", commit ? `${commit}${dirty ? " (with uncommitted changes in the working tree)" : ""}` : "unknown"],
  ];
}

function table(head: string[], rows: string[][], alignRight = true): string {
  const align = head.map((_, i) => (i === 0 || !alignRight ? "---" : "---:"));
  return [head, align, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

interface Derived {
  addedP50: number;
  ratio: number;
  serviceMs: number;
}

function derive(pair: { noauth: LoadResult; auth: LoadResult }): Derived {
  return {
    addedP50: pair.auth.p50 - pair.noauth.p50,
    ratio: pair.auth.rps / pair.noauth.rps,
    serviceMs: 1000 / pair.auth.rps - 1000 / pair.noauth.rps,
  };
}

const verdict = (v: number): string => (v < AIM_MS ? `yes (< ${AIM_MS} ms)` : `no (≥ ${AIM_MS} ms)`);

function render(stores: StoreResult[], pgNote: string): string {
  const out: string[] = [];
  out.push("# Benchmarks", "");
  out.push(
    "Generated by `bench/run.ts`; do not edit by hand. **How to run:** `npm run bench` (about 2 minutes; " +
      "PostgreSQL is included when `postgresql://127.0.0.1:5432/postgres` is reachable; `BENCH_PG_URL=off` skips it, " +
      "`BENCH_SECONDS=3` shortens every run).",
    "",
  );
  out.push("## Machine", "", table(["Fact", "Value"], machine(stores), false), "");
  out.push("## Method", "");
  out.push(
    `- One process. The store and both HTTP servers run in a worker thread; autocannon 8 drives them from the main thread, over loopback (127.0.0.1, ephemeral ports), with keep-alive connections and no pipelining.`,
    `- Stores: embedded PGlite in memory (\`openPgliteStore()\`), and PostgreSQL: ${pgNote}. Each is migrated and seeded (\`prepareStore\`), then one client is created with \`createClient\` as the system actor \`bench\`, holding the SCIM Integration role in all divisions (\`*\`).`,
    `- Logger \`createLogger("silent")\`, metrics \`createMetrics(false)\`, clock \`systemClock\`.`,
    `- **Token issuance:** \`POST /oauth/token\` (\`grant_type=client_credentials\`, HTTP Basic) against \`buildApp(deps)\` — the real app with its request logging, security headers and timing middleware — ${CONNECTIONS} connections for ${SECONDS} s. Every request issues and stores a new token.`,
    `- **Verification cost:** a tiny Express app on one server with \`GET /noauth\` (bare) and \`GET /auth\` behind \`bearerAuth(deps, render)\`, both answering 204; both are sent the same valid \`Authorization: Bearer\` header (a token of the client above; the tokens table then holds every token issued in the previous step). Measured at ${CONNECTIONS} connections for ${SECONDS} s each, and unloaded at 1 connection for ${UNLOADED_SECONDS} s each.`,
    `- Each measured run follows a discarded ${WARMUP_SECONDS} s warm-up. Throughput counts 2xx responses only; any non-2xx, socket error or timeout is reported in the "bad" column (all should be 0).`,
    `- Latencies are client-side, in ms, nearest-rank percentiles over **every** response of the run, taken from autocannon's per-response \`response\` event (hrtime, sub-millisecond). autocannon's own latency histogram keeps whole milliseconds, too coarse for the differences measured here.`,
    "",
  );

  out.push("## Tokens issued per second", "");
  out.push(
    table(
      ["Store", "tokens/s", "p50 ms", "p97.5 ms", "p99 ms", "bad", "rows in `tokens` after"],
      stores.map((s) => [s.store, int(s.tokens.rps), ms(s.tokens.p50), ms(s.tokens.p975), ms(s.tokens.p99), String(s.tokens.bad), int(s.tokenRows)]),
    ),
    "",
    `The row count includes the warm-up run's tokens.`,
    "",
  );

  const routeRows = (pick: (s: StoreResult) => { noauth: LoadResult; auth: LoadResult }): string[][] =>
    stores.flatMap((s) =>
      (["noauth", "auth"] as const).map((k) => {
        const r = pick(s)[k];
        return [s.store, `GET /${k}`, int(r.rps), ms(r.p50), ms(r.p975), ms(r.p99), String(r.bad)];
      }),
    );
  const head = ["Store", "Route", "req/s", "p50 ms", "p97.5 ms", "p99 ms", "bad"];

  out.push("## Cost of token verification", "");
  out.push(`### Under load (${CONNECTIONS} connections)`, "", table(head, routeRows((s) => s.loaded)), "");
  out.push(
    table(
      ["Store", "added p50 ms (auth − noauth)", "throughput auth / noauth", "added ms per request at saturation", `p50 aim < ${AIM_MS} ms met?`],
      stores.map((s) => {
        const d = derive(s.loaded);
        return [s.store, signed(d.addedP50), `${(d.ratio * 100).toFixed(1)} %`, signed(d.serviceMs), verdict(d.addedP50)];
      }),
    ),
    "",
    `"Added ms per request at saturation" is 1000/req/s(auth) − 1000/req/s(noauth), the inverse-throughput difference: ` +
      `with PGlite it is the extra event-loop time one verification takes (the query runs on the server's thread); with PostgreSQL it also reflects the database backends competing for the same CPUs. ` +
      `With ${CONNECTIONS} requests in flight, each also waits for the others (Little's law: mean latency ≈ connections / throughput), ` +
      `so the p50 difference under load is roughly ${CONNECTIONS} × that figure; the unloaded runs below give the latency of one verification on its own.`,
    "",
  );
  out.push(`### Unloaded (1 connection)`, "", table(head, routeRows((s) => s.unloaded)), "");
  out.push(
    table(
      ["Store", "added p50 ms (auth − noauth)", "throughput auth / noauth", `p50 aim < ${AIM_MS} ms met?`],
      stores.map((s) => {
        const d = derive(s.unloaded);
        return [s.store, signed(d.addedP50), `${(d.ratio * 100).toFixed(1)} %`, verdict(d.addedP50)];
      }),
    ),
    "",
    "One request at a time: the p50 difference is the latency one verification (SHA-256 of the token, one store query, the middleware) adds to a request.",
    "",
  );

  out.push("### Where the verification time goes", "");
  const ms4 = (v: number): string => (Number.isFinite(v) ? v.toFixed(4) : "n/a");
  out.push(
    table(
      ["Store", "SHA-256 of the token", "store round trip (`select 1`)", "`findToken` (the verification query)", "`verifyToken` (all of it)"],
      stores.map((s) => [s.store, ms4(s.breakdown.sha256), ms4(s.breakdown.select1), ms4(s.breakdown.findToken), ms4(s.breakdown.verifyToken)]),
    ),
    "",
    `Median ms per call, in the server thread, no HTTP, one call at a time for ${BREAKDOWN_SECONDS} s each after 200 warm-up calls, with the same token.`,
    "",
  );

  out.push("## Caveats", "");
  out.push(
    `- The load generator, the server thread${stores.some((s) => s.store === "PostgreSQL") ? " and the PostgreSQL server" : ""} share this machine's ${os.availableParallelism()} CPU(s); figures are for comparison between routes and stores on this machine, not capacity planning.`,
    "- PGlite is single-connection WASM running on the server's own thread: its queries run one at a time and their CPU time is the event loop's. PostgreSQL queries run in separate backend processes over a pool of 10 connections.",
    "- Loopback only: no TLS, no network latency.",
    "",
  );
  return out.join("\n");
}

async function main(): Promise<void> {
  const stores: StoreResult[] = [];
  stores.push(await benchStore("PGlite (in memory)", { kind: "pglite" }));
  const pgRun = await benchPostgres();
  if (pgRun.result) stores.push(pgRun.result);
  const report = render(stores, pgRun.note);
  process.stdout.write(`${report}\n`);
  writeFileSync(REPORT, `${report}\n`);
  log(`wrote ${REPORT.pathname}`);
}

main().catch((err: unknown) => {
  log(interrupted ? "interrupted; docs/benchmarks.md left unchanged" : `failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = interrupted ? 130 : 1;
});
