/**
 * The real `serve` process (bin/scim-bridge.js, as `npm start` runs it: API and sync workers, the dry-run
 * target, production defaults), on the embedded store in a data directory and on PostgreSQL:
 *
 * - **Against scimgateway** (issue 12, item 5): with 10,000 users, 20 connections each of GET by id,
 *   `userName eq` filter, POST and PATCH, held against the rates scimgateway 6.1.18 (in-memory Loki
 *   plugin) reached on this machine under the same load (the issue's figures: it is not on the package
 *   registry reachable here). The aim is at least twice its rate on every row, on both stores.
 * - **Memory**: its resident memory after a first start on a new store, after start with 100,000 users,
 *   and at its peak under a SCIM load. Each figure comes with where the memory is: PGlite's WebAssembly
 *   memory, the V8 heap, and the rest (Node itself, compiled code, native allocations).
 *
 * Each part has a store of its own (the first start is that of the 10,000-user store), seeded by SQL while
 * the process is down, as an identity provider would have left it: every user synced, no backlog.
 *
 * The process is a child of this one, started with a small preload (`--import` of a data: URL) that
 * answers this process over the IPC channel with `process.memoryUsage()`, /proc/self/status and the
 * resident size of every WebAssembly memory it saw created; the preload keeps no strong reference to
 * them and does not keep the process alive. Nothing else of the server differs from production.
 *
 *   BENCH_ONLY=memory npm run bench       as a section of docs/benchmarks.md
 *   npx tsx bench/memory-bench.ts         alone: prints the section, writes nothing
 *   BENCH_MEMORY_USERS=20000              fewer seeded users in the memory part (default 100,000; the
 *                                         scimgateway part always has 10,000)
 *   BENCH_MEMORY_SECONDS=3                shorter load runs (default 5 s per route, in both parts)
 *   BENCH_MEMORY_NODE_FLAGS="--max-semi-space-size=4"   Node flags of the served process (default none)
 *   BENCH_PG_URL, BENCH_REDIS_URL         as for the other sections
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import pg from "pg";
import type { Section } from "./section.js";
import type { ServerHandle } from "./worker.js";
import { runLoad, type LoadResult } from "./load.js";
import { benchUserId, benchUserName, newUserBody, seedUsers } from "./scim-seed.js";
import { int, log, ms, positive, table, wasInterrupted } from "./common.js";
import { dropPrefix } from "../test/helpers/sync.js";
import { openStore, prepareStore } from "../src/store/open-store.js";
import { seedDefaults, builtinRoleId } from "../src/authz/roles.js";
import { createClient } from "../src/oauth/client-registry.js";
import type { Store } from "../src/store/store.js";

const USERS = Math.round(positive(process.env.BENCH_MEMORY_USERS, 100_000));
const SECONDS = positive(process.env.BENCH_MEMORY_SECONDS, 5);
const CONNECTIONS = 20;
const NODE_FLAGS = (process.env.BENCH_MEMORY_NODE_FLAGS ?? "").split(/\s+/).filter(Boolean);
const PG_URL = process.env.BENCH_PG_URL ?? "postgresql://127.0.0.1:5432/postgres";
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
const AIM_MB = 250;
/** The users of the scimgateway comparison, as in issue 12. */
const PEER_USERS = 10_000;
/** A discarded run before the comparison's measured ones (GET by id and filter, alternately). */
const WARMUP_SECONDS = 2;
const AIM_RATIO = 2;

type Route = "get" | "filter" | "post" | "patch";
const ROUTES: readonly Route[] = ["get", "filter", "post", "patch"];
const ROUTE_LABEL: Record<Route, string> = {
  get: "GET /Users/{id}",
  filter: 'GET /Users?filter=userName eq "…"',
  post: "POST /Users",
  patch: "PATCH /Users/{id}",
};
/**
 * scimgateway 6.1.18 (in-memory Loki plugin), req/s: issue 12, item 5, measured on this machine beside the
 * bridge with the same load generator, 20 connections, 10,000 users.
 */
const PEER: Record<Route, number> = { get: 1_390, filter: 1_277, post: 710, patch: 752 };
/** The bridge in the same issue ("before"): req/s on PGlite, ratios to scimgateway on PostgreSQL. */
const BEFORE_PGLITE: Record<Route, number> = { get: 286, filter: 323, post: 121, patch: 123 };
const BEFORE_PG_RATIO: Record<Route, number> = { get: 0.4, filter: 0.34, post: 0.28, patch: 0.18 };
/** How often the served process is asked for its memory during the load. */
const SAMPLE_MS = 250;
/** After start-up and after the load: timers (relay, sweep) have run, the heap has settled. */
const SETTLE_MS = 3_000;
const MAIN = fileURLToPath(new URL("../bin/scim-bridge.js", import.meta.url));
const MB = 2 ** 20;

/** One answer of the preload. Bytes. */
interface MemSample {
  rss: number;
  hwm: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** Size of the live WebAssembly memories (their buffers' byteLength). */
  wasmSize: number;
  /** What of them is resident (their mappings' Rss in /proc/self/smaps); NaN when no mapping matched. */
  wasmRss: number;
}

/**
 * The preload, run in the served process before its main module. WebAssembly.Memory is wrapped only to
 * remember (weakly) the memories created; /proc/self/smaps tells which mapping is whose by its size (a
 * memory is one mapping of exactly its byteLength in the V8 that Node 20 ships).
 */
const PRELOAD = `
import { readFileSync } from "node:fs";
const memories = [];
const Memory = WebAssembly.Memory;
WebAssembly.Memory = new Proxy(Memory, {
  construct(target, args, newTarget) {
    const m = Reflect.construct(target, args, newTarget);
    memories.push(new WeakRef(m));
    return m;
  },
});
function kb(status, key) {
  const m = new RegExp("^" + key + ":\\\\s+(\\\\d+)", "m").exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}
function wasmResident(sizes) {
  if (sizes.length === 0) return 0;
  const want = new Map();
  for (const s of sizes) want.set(s, (want.get(s) ?? 0) + 1);
  let total = 0, found = 0, current = false;
  for (const line of readFileSync("/proc/self/smaps", "utf8").split("\\n")) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
    if (m) {
      const size = Number(BigInt("0x" + m[2]) - BigInt("0x" + m[1]));
      current = (want.get(size) ?? 0) > 0;
      if (current) { want.set(size, want.get(size) - 1); found++; }
    } else if (current && line.startsWith("Rss:")) {
      total += Number(line.split(/\\s+/)[1]) * 1024;
      current = false;
    }
  }
  return found === sizes.length ? total : NaN;
}
process.on("message", (msg) => {
  if (!msg || msg.type !== "bench-memory") return;
  const sizes = memories.map((r) => r.deref()).filter(Boolean).map((m) => m.buffer.byteLength);
  const status = readFileSync("/proc/self/status", "utf8");
  const mu = process.memoryUsage();
  process.send({ type: "bench-memory", id: msg.id, sample: {
    rss: kb(status, "VmRSS"), hwm: kb(status, "VmHWM"), heapUsed: mu.heapUsed, heapTotal: mu.heapTotal,
    external: mu.external, arrayBuffers: mu.arrayBuffers,
    wasmSize: sizes.reduce((a, b) => a + b, 0), wasmRss: wasmResident(sizes),
  } });
});
process.channel?.unref();
`;

type StoreKind = "pglite" | "postgres";

/** One store's runs: the scimgateway comparison (10,000 users), then the memory part (USERS users). */
interface StoreResult {
  store: string;
  kind: StoreKind;
  firstStart: MemSample;
  /** From spawning to /healthz answering. */
  firstStartMs: number;
  peer: {
    seedMs: number;
    withUsers: MemSample;
    peak: MemSample;
    load: Record<Route, LoadResult>;
  };
  withUsers: MemSample;
  seedMs: number;
  /** The sample with the highest RSS during the load. */
  peak: MemSample;
  /** VmHWM when the load ended: the kernel's peak since this start, between samples too. */
  hwmAfterLoad: number;
  afterLoad: MemSample;
  load: Record<"get" | "filter" | "post", LoadResult>;
}

const mb = (bytes: number): string => (Number.isFinite(bytes) ? (bytes / MB).toFixed(0) : "n/a");

/** A free loopback port (the served process is told it; start-up fails loudly on the rare race). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** node-postgres takes $USER for a URL naming no user; name the OS user when that is unset (as run.ts does). */
function withUser(url: string): URL {
  const u = new URL(url);
  if (!u.username && !process.env.PGUSER && !process.env.USER) u.username = os.userInfo().username;
  return u;
}

/** Every served process started here, so that an interrupted run still stops them all. */
const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of children) c.kill("SIGKILL");
});

interface Served {
  base: string;
  memory(): Promise<MemSample>;
  stop(): Promise<void>;
}

async function serve(env: Record<string, string>, label: string): Promise<Served> {
  const port = await freePort();
  const child = spawn(process.execPath, [...NODE_FLAGS, "--import", `data:text/javascript,${encodeURIComponent(PRELOAD)}`, MAIN, "serve"], {
    env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn", NODE_OPTIONS: "" },
    stdio: ["ignore", "ignore", "pipe", "ipc"],
  });
  children.add(child);
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      children.delete(child);
      resolve();
    }),
  );
  const pending = new Map<number, (s: MemSample) => void>();
  let seq = 0;
  child.on("message", (msg: { type?: string; id?: number; sample?: MemSample }) => {
    if (msg.type !== "bench-memory" || msg.id === undefined || !msg.sample) return;
    pending.get(msg.id)?.(msg.sample);
    pending.delete(msg.id);
  });
  const stop = async (): Promise<void> => {
    if (exited) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 35_000);
    await exit;
    clearTimeout(timer);
  };
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (exited || wasInterrupted() || Date.now() > deadline) {
      await stop();
      throw new Error(`${label}: the served process ${exited ? "exited" : "did not answer /healthz"}: ${stderr.trim().slice(-1000)}`);
    }
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const memory = (): Promise<MemSample> =>
    new Promise((resolve, reject) => {
      if (exited) return reject(new Error(`${label}: the served process exited`));
      const id = ++seq;
      pending.set(id, resolve);
      child.send({ type: "bench-memory", id });
    });
  return { base, memory, stop };
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, SETTLE_MS));

/** Seeds users as an identity provider would have left them, already synced (no backlog for the workers). */
async function seedSynced(store: Store, users: number): Promise<void> {
  const now = new Date();
  await store.transaction(async (tx) => {
    await seedUsers(tx, 1, users, now);
    await tx.query(
      `insert into sync_state(resource_type, resource_id, synced_version, target_id, state, last_synced_at)
       select 'User', id, version, 'dry-run-' || id, 'synced', $1 from scim_users`,
      [now],
    );
    await tx.query("delete from outbox");
    await tx.query(`update sync_target set identity = '{"kind":"dry-run"}'::jsonb, recorded_at = $1`, [now]);
  });
  await store.query("vacuum analyze");
}

async function token(base: string, client: { id: string; secret: string }): Promise<string> {
  const res = await fetch(`${base}/oauth/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: "grant_type=client_credentials",
  });
  if (res.status !== 200) throw new Error(`token request answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Each route's requests: random seeded users (1..`users`), new users for POST. */
function routeRequests(route: Route, users: number, tag: string): () => { path: string; body?: string } {
  const rand = (): number => 1 + Math.floor(Math.random() * users);
  let n = 0;
  switch (route) {
    case "get":
      return () => ({ path: `/scim/v2/Users/${benchUserId(rand())}` });
    case "filter":
      return () => ({ path: `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${benchUserName(rand())}"`)}` });
    case "post":
      return () => {
        n++;
        return { path: "/scim/v2/Users", body: JSON.stringify(newUserBody(`${tag}.${n}@example.com`, n)) };
      };
    case "patch":
      return () => {
        n++;
        return {
          path: `/scim/v2/Users/${benchUserId(rand())}`,
          body: JSON.stringify({
            schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            Operations: [{ op: "replace", path: "title", value: `T${n}` }],
          }),
        };
      };
  }
}

const METHOD = { get: "GET", filter: "GET", post: "POST", patch: "PATCH" } as const satisfies Record<Route, string>;

/**
 * `routes` one after the other, CONNECTIONS connections for SECONDS each (after a discarded warm-up of GET
 * by id and filter when `warmup`), on a process with `users` seeded users; its memory sampled meanwhile.
 */
async function loadAndSample<R extends Route>(
  served: Served,
  bearer: string,
  label: string,
  users: number,
  routes: readonly R[],
  warmup: boolean,
): Promise<{ load: Record<R, LoadResult>; peak: MemSample }> {
  const headers = { authorization: `Bearer ${bearer}`, "content-type": "application/scim+json" };
  let peak: MemSample | null = null;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const s = await served.memory();
      if (!peak || s.rss > peak.rss) peak = s;
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
  })();
  const tag = `${label.split(" ")[0]!.toLowerCase()}.${process.pid}-${Date.now()}`;
  try {
    if (warmup) {
      const get = routeRequests("get", users, tag);
      const filter = routeRequests("filter", users, tag);
      let i = 0;
      await runLoad({
        url: served.base,
        connections: CONNECTIONS,
        seconds: WARMUP_SECONDS,
        headers,
        next: () => (i++ % 2 ? filter() : get()),
      });
    }
    const load: Partial<Record<R, LoadResult>> = {};
    for (const route of routes) {
      if (wasInterrupted()) throw new Error("interrupted");
      const r = await runLoad({
        url: served.base,
        connections: CONNECTIONS,
        seconds: SECONDS,
        method: METHOD[route],
        headers,
        next: routeRequests(route, users, tag),
      });
      const bad = Object.entries(r.badStatuses)
        .map(([status, count]) => `${count}× ${status}`)
        .join(", ");
      log(
        `${label} ${ROUTE_LABEL[route]}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, bad ${r.bad}${bad ? ` (${bad})` : ""}`,
      );
      load[route] = r;
    }
    sampling = false;
    await sampler;
    return { load: load as Record<R, LoadResult>, peak: peak! };
  } finally {
    sampling = false;
    await sampler.catch(() => undefined);
  }
}

/** A new store: a data directory, or a database of its own on the PostgreSQL server. */
interface Place {
  env: Record<string, string>;
  config: { DATA_DIR: string; DATABASE_URL: string; STORE_TIMEOUT_MS: number };
  drop(): Promise<void>;
}

let databases = 0;

async function newPlace(kind: StoreKind): Promise<Place> {
  if (kind === "pglite") {
    const dir = mkdtempSync(join(os.tmpdir(), "scim-bridge-memory-"));
    const dataDir = join(dir, "data");
    return {
      env: { DATA_DIR: dataDir, DATABASE_URL: "" },
      config: { DATA_DIR: dataDir, DATABASE_URL: "", STORE_TIMEOUT_MS: 600_000 },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const adminUrl = withUser(PG_URL);
  const database = `bench_memory_${process.pid}_${Date.now()}_${++databases}`;
  const admin = new pg.Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 3000 });
  await admin.connect();
  try {
    await admin.query(`create database ${database}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return {
    env: { DATABASE_URL: url.toString() },
    config: { DATA_DIR: "", DATABASE_URL: url.toString(), STORE_TIMEOUT_MS: 600_000 },
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 3000 });
      await c.connect();
      try {
        await c.query(`drop database if exists ${database} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

interface OnStore {
  place: Place;
  /** Starts the served process on this store; it is stopped (if still running) when the store goes. */
  start(): Promise<Served>;
}

/** A new store and BullMQ prefix for `fn`; afterwards every process started on them is stopped and both are removed. */
async function withNewStore<T>(store: string, kind: StoreKind, fn: (on: OnStore) => Promise<T>): Promise<T> {
  const place = await newPlace(kind);
  const prefix = `bench-memory-${process.pid}-${Date.now()}`;
  const env = { ...place.env, QUEUE_PREFIX: prefix, REDIS_URL, SYNC_SWEEP_INTERVAL_MS: "60000" };
  const started: Served[] = [];
  try {
    return await fn({
      place,
      start: async () => {
        const served = await serve(env, store);
        started.push(served);
        return served;
      },
    });
  } finally {
    for (const served of started) await served.stop();
    await place.drop().catch((err: unknown) => log(`${store}: could not remove the store: ${String(err)}`));
    await dropPrefix(prefix, REDIS_URL).catch((err: unknown) =>
      log(`${store}: could not drop the BullMQ prefix ${prefix}: ${String(err)}`),
    );
  }
}

/**
 * A client and `users` users, written while the server is down (the embedded store is one process's): the
 * store prepared (migrations, shipped roles) if it is new.
 */
async function seedStore(store: string, place: Place, users: number): Promise<{ client: { id: string; secret: string }; seedMs: number }> {
  log(`${store}: seeding ${int(users)} users (SQL, as synced)`);
  const t = performance.now();
  const db = await openStore(place.config);
  try {
    await prepareStore(db, (tx) => seedDefaults(tx, new Date()));
    const roleId = await builtinRoleId(db, "scim-integration");
    if (!roleId) throw new Error("the SCIM Integration role was not seeded");
    const client = await createClient(db, { kind: "system", name: "bench" }, new Date(), {
      name: "memory bench client",
      roleDivisions: [{ roleId, divisionId: "*" }],
    });
    await seedSynced(db, users);
    return { client, seedMs: performance.now() - t };
  } finally {
    await db.close();
  }
}

async function measureStore(store: string, kind: StoreKind): Promise<StoreResult> {
  // 1. A first start on a new store (PGlite's initdb, the migrations, the shipped roles); then, on that
  //    store, 10,000 users and the four routes of the scimgateway comparison.
  const first = await withNewStore(store, kind, async ({ place, start }) => {
    log(`${store}: first start on a new store`);
    const t0 = performance.now();
    const empty = await start();
    const firstStartMs = performance.now() - t0;
    await settle();
    const firstStart = await empty.memory();
    await empty.stop();

    const { client, seedMs } = await seedStore(store, place, PEER_USERS);
    log(`${store}: start with ${int(PEER_USERS)} users, against scimgateway`);
    const served = await start();
    await settle();
    const withUsers = await served.memory();
    const { load, peak } = await loadAndSample(served, await token(served.base, client), store, PEER_USERS, ROUTES, true);
    return { firstStart, firstStartMs, peer: { seedMs, withUsers, peak, load } };
  });

  // 2. The memory part: a store of its own with USERS users, started, then loaded.
  const memory = await withNewStore(store, kind, async ({ place, start }) => {
    const { client, seedMs } = await seedStore(store, place, USERS);
    log(`${store}: start with ${int(USERS)} users`);
    const served = await start();
    await settle();
    const withUsers = await served.memory();
    const bearer = await token(served.base, client);
    const { load, peak } = await loadAndSample(served, bearer, store, USERS, ["get", "filter", "post"] as const, false);
    const hwmAfterLoad = (await served.memory()).hwm;
    await settle();
    const afterLoad = await served.memory();
    log(
      `${store}: RSS after start ${mb(withUsers.rss)} MB, peak ${mb(peak.rss)} MB (VmHWM ${mb(hwmAfterLoad)} MB), after ${mb(afterLoad.rss)} MB`,
    );
    return { withUsers, seedMs, peak, hwmAfterLoad, afterLoad, load };
  });
  return { store, kind, ...first, ...memory };
}

const TITLE = "The served process: memory, and against scimgateway";

const times = (v: number): string => `${v.toFixed(2)}×`;

export function memorySection(): Section {
  const results: StoreResult[] = [];

  async function runOn(name: string, _server: ServerHandle): Promise<void> {
    // The section measures its own processes; the bench's in-thread server is not used.
    const kind: StoreKind = name.startsWith("PGlite") ? "pglite" : "postgres";
    results.push(await measureStore(kind === "pglite" ? "PGlite (data directory)" : name, kind));
  }

  function peerTable(r: StoreResult): string {
    return table(
      ["Request", "req/s", "p50 ms", "p99 ms", "bad", "scimgateway req/s", "ratio", `≥ ${AIM_RATIO}× met?`],
      ROUTES.map((route) => {
        const l = r.peer.load[route];
        const ratio = l.rps / PEER[route];
        return [
          ROUTE_LABEL[route],
          int(l.rps),
          ms(l.p50),
          ms(l.p99),
          String(l.bad),
          int(PEER[route]),
          times(ratio),
          ratio >= AIM_RATIO ? "yes" : `no (${int(AIM_RATIO * PEER[route])} needed)`,
        ];
      }),
    );
  }

  function badNote(load: Partial<Record<Route, LoadResult>>): string[] {
    return ROUTES.flatMap((route) => {
      const l = load[route];
      if (!l?.bad) return [];
      const statuses = Object.entries(l.badStatuses)
        .map(([status, n]) => `${int(n)}× ${status}`)
        .join(", ");
      return [`${ROUTE_LABEL[route]}: ${statuses || "socket errors or timeouts"}`];
    });
  }

  function render(stores: string): string {
    void stores;
    const out: string[] = [];
    const onPostgres = results.some((r) => r.kind === "postgres");
    out.push(`## ${TITLE}`, "");
    out.push("### Method", "");
    out.push(
      `- The real \`serve\` process (\`node bin/scim-bridge.js serve\`, as \`npm start\` runs it: API and sync workers, dry-run target, production defaults${NODE_FLAGS.length ? `, Node flags \`${NODE_FLAGS.join(" ")}\`` : ""}), a child of the bench, on new stores of its own: PGlite in a new data directory${onPostgres ? `, and PostgreSQL in a new database on \`${withUser(PG_URL).host}\`, dropped afterwards` : ""}. Redis \`${REDIS_URL}\`, a fresh BullMQ prefix per store, deleted afterwards. Two new stores of each kind, one after the other: the first for the scimgateway comparison with ${int(PEER_USERS)} users, the second for the memory part with ${int(USERS)} users.`,
      `- **Seeding:** users are written with SQL (bench/scim-seed.ts) while the process is down, in sync (a \`sync_state\` row each, an empty outbox: the steady state, no backlog for the workers), with an OAuth client of the SCIM Integration role, then \`VACUUM ANALYZE\`; the process is started again and measured ${SETTLE_MS / 1000} s after \`/healthz\` answered.`,
      `- **Against scimgateway:** ${CONNECTIONS} connections (autocannon, keep-alive, no pipelining, a bearer token of the client) after a discarded ${WARMUP_SECONDS}-s warm-up of GET by id and filter, then ${SECONDS} s each, one after the other: GET \`/Users/{id}\` (a random seeded user), GET \`/Users?filter=userName eq "…"\` (a random seeded user), POST \`/Users\` (new users: the workers sync them meanwhile, and during the PATCH run), PATCH \`/Users/{id}\` (\`replace\` of \`title\` on a random seeded user, answered 204). req/s counts 2xx answers; p50 and p99 are client-side over every 2xx answer.`,
      `- **First start:** the process on the new store of the comparison, before it is seeded (the migrations and shipped roles are written; PGlite's initdb runs in a child process of its own), ${SETTLE_MS / 1000} s after \`/healthz\` answered.`,
      `- **Memory under load:** on the ${int(USERS)}-user store, ${CONNECTIONS} connections for ${SECONDS} s each of GET \`/Users/{id}\`, GET \`/Users?filter=userName eq "…"\`, POST \`/Users\`, one after the other, no warm-up; the process is asked for its memory every ${SAMPLE_MS} ms (during the comparison too); "peak" is the highest VmRSS seen, VmHWM the kernel's high-water mark of this start (it also covers moments between samples, and start-up).`,
      "- RSS is VmRSS from `/proc/<pid>/status`. The breakdown: **WASM** is PGlite's WebAssembly memory (PostgreSQL's shared buffers, its caches and allocations), resident of size (its mapping's Rss in `/proc/<pid>/smaps`); **V8 heap** is `heapUsed` / `heapTotal` of `process.memoryUsage()`; **Buffers** is its `arrayBuffers` (the WASM memory is not among them); **rest** is RSS − WASM resident − V8 `heapTotal` − Buffers: Node's binary and native heap, code compiled from JavaScript and from PGlite's WebAssembly, thread stacks. MB are MiB.",
      "",
    );

    out.push(`### Against scimgateway, ${int(PEER_USERS)} users (issue 12, item 5)`, "");
    out.push(
      `The scimgateway figures are issue 12's: scimgateway 6.1.18 (the leading open-source Node SCIM gateway) with its in-memory Loki plugin, measured on this machine beside the bridge with the same load generator, ${CONNECTIONS} connections, ${int(PEER_USERS)} users. It is not on the package registry reachable here, so it is not run again: the bridge's figures below are held against those. **Aim:** at least ${AIM_RATIO}× its rate on every row, on both stores, with the sync workers running beside the API as \`serve\` runs them.`,
      "",
    );
    for (const r of results) {
      out.push(`#### ${r.store}`, "", peerTable(r), "");
      const bad = badNote(r.peer.load);
      if (bad.length) out.push(`Not 2xx: ${bad.join("; ")}.`, "");
    }
    const aim = results.map((r) => {
      const ratios = ROUTES.map((route) => r.peer.load[route].rps / PEER[route]);
      const met = ratios.filter((v) => v >= AIM_RATIO).length;
      return `${r.store} ${met} of ${ROUTES.length} rows (ratios ${ratios.map(times).join(" / ")})`;
    });
    const allMet = results.every((r) => ROUTES.every((route) => r.peer.load[route].rps / PEER[route] >= AIM_RATIO));
    out.push(
      `- **Aim ≥ ${AIM_RATIO}× on every row:** ${allMet ? (onPostgres ? "met on both stores" : "met on PGlite (PostgreSQL not measured)") : "not met"}: ${aim.join("; ")}.`,
      `- **Before** (issue 12): the bridge, as \`npm start\` ran it, reached on PGlite ${ROUTES.map((route) => int(BEFORE_PGLITE[route])).join(" / ")} req/s (${ROUTES.map((route) => times(BEFORE_PGLITE[route] / PEER[route])).join(" / ")} of scimgateway), on PostgreSQL about ${ROUTES.map((route) => times(BEFORE_PG_RATIO[route])).join(" / ")} (GET by id / filter / POST / PATCH).`,
      `- Memory meanwhile: RSS ${results.map((r) => `${r.store} ${mb(r.peer.withUsers.rss)} MB after start with ${int(PEER_USERS)} users, ${mb(r.peer.peak.rss)} MB at the peak sampled`).join("; ")}.`,
      `- The machine is shared; its load average (in the Machine table) moves these figures, the ratios with them. scimgateway's were not taken in this run.`,
      "",
    );

    out.push(`### Resident memory, ${int(USERS)} users`, "");
    out.push(
      table(
        ["Store", `first start`, `with ${int(USERS)} users`, "peak under load (VmHWM)", "after the load", `aim < ${AIM_MB} MB met?`],
        results.map((r) => {
          const worst = Math.max(r.withUsers.rss, r.peak.rss, r.firstStart.rss);
          return [
            r.store,
            `${mb(r.firstStart.rss)} (${mb(r.firstStart.hwm)})`,
            mb(r.withUsers.rss),
            `${mb(r.peak.rss)} (${mb(r.hwmAfterLoad)})`,
            mb(r.afterLoad.rss),
            worst < AIM_MB * MB ? `yes (${mb(worst)} MB at most)` : `no (${mb(worst)} MB)`,
          ];
        }),
      ),
      "",
      'MB; in brackets, VmHWM. On a new data directory PGlite\'s initdb runs in a short-lived child process (src/store/pglite-store.ts), so neither figure of the first start includes it. "Aim met" looks at RSS after either start and at the peak sampled under load.',
      "",
    );
    out.push("### Where it is", "");
    const row = (r: StoreResult, when: string, s: MemSample): string[] => [
      r.store,
      when,
      mb(s.rss),
      r.kind === "pglite" ? `${mb(s.wasmRss)} of ${mb(s.wasmSize)}` : "—",
      `${mb(s.heapUsed)} / ${mb(s.heapTotal)}`,
      mb(s.arrayBuffers),
      mb(s.rss - (Number.isFinite(s.wasmRss) ? s.wasmRss : 0) - s.heapTotal - s.arrayBuffers),
    ];
    out.push(
      table(
        ["Store", "When", "RSS", "WASM resident of size", "V8 heap used / total", "Buffers", "rest"],
        results.flatMap((r) => [
          row(r, "first start", r.firstStart),
          row(r, `with ${int(PEER_USERS)} users`, r.peer.withUsers),
          row(r, `peak, ${int(PEER_USERS)} users under load`, r.peer.peak),
          row(r, `with ${int(USERS)} users`, r.withUsers),
          row(r, `peak, ${int(USERS)} users under load`, r.peak),
          row(r, "after the load", r.afterLoad),
        ]),
      ),
      "",
    );
    out.push(`### Throughput during the memory load, ${int(USERS)} users`, "");
    out.push(
      table(
        ["Store", "GET /Users/{id} req/s", "filter req/s", "POST req/s", "bad"],
        results.map((r) => [
          r.store,
          int(r.load.get.rps),
          int(r.load.filter.rps),
          int(r.load.post.rps),
          String(r.load.get.bad + r.load.filter.bad + r.load.post.bad),
        ]),
      ),
      "",
      `${CONNECTIONS} connections, ${SECONDS} s each, no warm-up, the process's memory sampled meanwhile: these runs are there to load the process; the comparison above and the SCIM section measure speed.`,
    );
    return out.join("\n");
  }

  return { name: "memory", title: TITLE, runOn, render };
}

// `npx tsx bench/memory-bench.ts`: both stores (PostgreSQL when reachable), the section on stdout.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const section = memorySection();
  const stub = null as unknown as ServerHandle;
  (async () => {
    await section.runOn("PGlite", stub);
    if (PG_URL !== "off") await section.runOn("PostgreSQL", stub);
    process.stdout.write(`${section.render("")}\n`);
  })().catch((err: unknown) => {
    log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  });
}
