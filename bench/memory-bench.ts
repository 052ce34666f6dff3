/**
 * The resident memory of the real `serve` process (bin/scim-bridge.js, as `npm start` runs it: API and
 * sync workers, the dry-run target, production defaults), on the embedded store in a data directory and
 * on PostgreSQL: after a first start on a new store, after start with 100,000 users, and at its peak
 * under a SCIM load. Each figure comes with where the memory is: PGlite's WebAssembly memory, the V8
 * heap, and the rest (Node itself, compiled code, native allocations).
 *
 * The process is a child of this one, started with a small preload (`--import` of a data: URL) that
 * answers this process over the IPC channel with `process.memoryUsage()`, /proc/self/status and the
 * resident size of every WebAssembly memory it saw created; the preload keeps no strong reference to
 * them and does not keep the process alive. Nothing else of the server differs from production.
 *
 *   BENCH_ONLY=memory npm run bench       as a section of docs/benchmarks.md
 *   npx tsx bench/memory-bench.ts         alone: prints the section, writes nothing
 *   BENCH_MEMORY_USERS=20000              fewer seeded users (default 100,000)
 *   BENCH_MEMORY_SECONDS=3                shorter load runs (default 5 s per route)
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
import { int, log, positive, table, wasInterrupted } from "./common.js";
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

interface Loaded {
  get: LoadResult;
  filter: LoadResult;
  post: LoadResult;
}

interface MemoryResult {
  store: string;
  kind: StoreKind;
  firstStart: MemSample;
  /** From spawning to /healthz answering. */
  firstStartMs: number;
  withUsers: MemSample;
  seedMs: number;
  /** The sample with the highest RSS during the load. */
  peak: MemSample;
  /** VmHWM when the load ended: the kernel's peak since this start, between samples too. */
  hwmAfterLoad: number;
  afterLoad: MemSample;
  load: Loaded;
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

async function loadAndSample(served: Served, bearer: string, label: string): Promise<{ load: Loaded; peak: MemSample }> {
  const auth = { authorization: `Bearer ${bearer}` };
  const rand = (): number => 1 + Math.floor(Math.random() * USERS);
  let peak: MemSample | null = null;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const s = await served.memory();
      if (!peak || s.rss > peak.rss) peak = s;
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
    }
  })();
  const run = async (what: string, spec: Omit<Parameters<typeof runLoad>[0], "url" | "connections" | "seconds">): Promise<LoadResult> => {
    if (wasInterrupted()) throw new Error("interrupted");
    const r = await runLoad({ url: served.base, connections: CONNECTIONS, seconds: SECONDS, ...spec });
    log(`${label} ${what}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, bad ${r.bad}`);
    return r;
  };
  let n = 0;
  const tag = `${process.pid}-${Date.now()}`;
  try {
    const load: Loaded = {
      get: await run("GET /Users/{id}", { headers: auth, next: () => ({ path: `/scim/v2/Users/${benchUserId(rand())}` }) }),
      filter: await run("GET /Users?filter", {
        headers: auth,
        next: () => ({ path: `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${benchUserName(rand())}"`)}` }),
      }),
      post: await run("POST /Users", {
        method: "POST",
        headers: { ...auth, "content-type": "application/scim+json" },
        next: () => {
          n++;
          return { path: "/scim/v2/Users", body: JSON.stringify(newUserBody(`memory.${tag}.${n}@example.com`, n)) };
        },
      }),
    };
    sampling = false;
    await sampler;
    return { load, peak: peak! };
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
  const database = `bench_memory_${process.pid}_${Date.now()}`;
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

async function measureStore(store: string, kind: StoreKind): Promise<MemoryResult> {
  const place = await newPlace(kind);
  const prefix = `bench-memory-${process.pid}-${Date.now()}`;
  const env = { ...place.env, QUEUE_PREFIX: prefix, REDIS_URL, SYNC_SWEEP_INTERVAL_MS: "60000" };
  let served: Served | null = null;
  try {
    // 1. First start on a new store: PGlite's initdb, the migrations, the shipped roles.
    log(`${store}: first start on a new store`);
    const t0 = performance.now();
    served = await serve(env, store);
    const firstStartMs = performance.now() - t0;
    await settle();
    const firstStart = await served.memory();
    await served.stop();
    served = null;

    // 2. A client and USERS users, written while the server is down (the embedded store is one process's).
    log(`${store}: seeding ${int(USERS)} users (SQL, as synced)`);
    const t1 = performance.now();
    const db = await openStore(place.config);
    let client: { id: string; secret: string };
    try {
      await prepareStore(db, (tx) => seedDefaults(tx, new Date()));
      const roleId = await builtinRoleId(db, "scim-integration");
      if (!roleId) throw new Error("the SCIM Integration role was not seeded");
      client = await createClient(db, { kind: "system", name: "bench" }, new Date(), {
        name: "memory bench client",
        roleDivisions: [{ roleId, divisionId: "*" }],
      });
      await seedSynced(db, USERS);
    } finally {
      await db.close();
    }
    const seedMs = performance.now() - t1;

    // 3. Start with the users; then the load.
    log(`${store}: start with ${int(USERS)} users`);
    served = await serve(env, store);
    await settle();
    const withUsers = await served.memory();
    const bearer = await token(served.base, client);
    const { load, peak } = await loadAndSample(served, bearer, store);
    const hwmAfterLoad = (await served.memory()).hwm;
    await settle();
    const afterLoad = await served.memory();
    log(
      `${store}: RSS after start ${mb(withUsers.rss)} MB, peak ${mb(peak.rss)} MB (VmHWM ${mb(hwmAfterLoad)} MB), after ${mb(afterLoad.rss)} MB`,
    );
    return { store, kind, firstStart, firstStartMs, withUsers, seedMs, peak, hwmAfterLoad, afterLoad, load };
  } finally {
    await served?.stop();
    await place.drop().catch((err: unknown) => log(`${store}: could not remove the store: ${String(err)}`));
    await dropPrefix(prefix, REDIS_URL).catch((err: unknown) =>
      log(`${store}: could not drop the BullMQ prefix ${prefix}: ${String(err)}`),
    );
  }
}

export function memorySection(): Section {
  const results: MemoryResult[] = [];

  async function runOn(name: string, _server: ServerHandle): Promise<void> {
    // The section measures its own processes; the bench's in-thread server is not used.
    const kind: StoreKind = name.startsWith("PGlite") ? "pglite" : "postgres";
    results.push(await measureStore(kind === "pglite" ? "PGlite (data directory)" : name, kind));
  }

  function render(stores: string): string {
    void stores;
    const out: string[] = [];
    out.push("## Memory", "");
    out.push("### Method", "");
    out.push(
      `- The real \`serve\` process (\`node bin/scim-bridge.js serve\`: API and sync workers, dry-run target, production defaults${NODE_FLAGS.length ? `, Node flags \`${NODE_FLAGS.join(" ")}\`` : ""}), a child of the bench, on a new store of its own: PGlite in a new data directory${results.some((r) => r.kind === "postgres") ? `, and PostgreSQL in a new database on \`${withUser(PG_URL).host}\`, dropped afterwards` : ""}. Redis \`${REDIS_URL}\`, a fresh BullMQ prefix, deleted afterwards.`,
      `- **First start:** the process on the new store (the migrations and shipped roles are written; PGlite's initdb runs in a child process of its own), ${SETTLE_MS / 1000} s after \`/healthz\` answered.`,
      `- **With ${int(USERS)} users:** the process stopped, ${int(USERS)} users written with SQL (bench/scim-seed.ts), in sync (a \`sync_state\` row each, an empty outbox: the steady state, no backlog for the workers), \`VACUUM ANALYZE\`; the process started again, measured ${SETTLE_MS / 1000} s after \`/healthz\`.`,
      `- **Under load:** then ${CONNECTIONS} connections for ${SECONDS} s each of GET \`/Users/{id}\` (random seeded user), GET \`/Users?filter=userName eq "…"\`, POST \`/Users\` (new users, which the workers then sync), one after the other; the process is asked for its memory every ${SAMPLE_MS} ms; "peak" is the highest VmRSS seen, VmHWM the kernel's high-water mark of this start (it also covers moments between samples, and start-up).`,
      "- RSS is VmRSS from `/proc/<pid>/status`. The breakdown: **WASM** is PGlite's WebAssembly memory (PostgreSQL's shared buffers, its caches and allocations), resident of size (its mapping's Rss in `/proc/<pid>/smaps`); **V8 heap** is `heapUsed` / `heapTotal` of `process.memoryUsage()`; **Buffers** is its `arrayBuffers` (the WASM memory is not among them); **rest** is RSS − WASM resident − V8 `heapTotal` − Buffers: Node's binary and native heap, code compiled from JavaScript and from PGlite's WebAssembly, thread stacks. MB are MiB.",
      "",
    );
    out.push("### Resident memory", "");
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
    const row = (r: MemoryResult, when: string, s: MemSample): string[] => [
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
          row(r, `with ${int(USERS)} users`, r.withUsers),
          row(r, "peak under load", r.peak),
          row(r, "after the load", r.afterLoad),
        ]),
      ),
      "",
    );
    out.push("### Throughput during the load", "");
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
      `${CONNECTIONS} connections, ${SECONDS} s each, no warm-up, the process's memory sampled meanwhile: these runs are there to load the process, the SCIM section measures speed.`,
    );
    return out.join("\n");
  }

  return { name: "memory", title: "Memory", runOn, render };
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
