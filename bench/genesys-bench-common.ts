/**
 * What bench/genesys-pacing-bench.ts and bench/plan-parity-bench.ts share: the stores they run on, a
 * deterministic population of SCIM users (names, titles, phones, managers, divisions, hire dates,
 * external ids, a few with skills and languages), the real SCIM app to write them through, the
 * divisions on both sides, the "everything synced" poll, a cleanup list that runs every step even
 * when one fails, and their section of docs/benchmarks.md.
 *
 * Unlike bench/run.ts, these benches run in one thread: store, app, sync runtime and fake Genesys
 * share the event loop (as the tests do). The figures they report are the pacer's and the plans', not
 * the pipeline's CPU ceiling (that is the "sync" section of bench/run.ts).
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import pg from "pg";
import { buildApp } from "../src/app.js";
import type { AppDeps } from "../src/http/deps.js";
import { createMetrics } from "../src/http/metrics.js";
import { loadConfig } from "../src/config/config.js";
import { createLogger } from "../src/log/logger.js";
import { systemClock } from "../src/clock.js";
import { builtinRoleId, seedDefaults } from "../src/authz/roles.js";
import { createDivision } from "../src/authz/divisions.js";
import { createClient } from "../src/oauth/client-registry.js";
import { openPgStore } from "../src/store/pg-store.js";
import { prepareStore } from "../src/store/open-store.js";
import type { Store } from "../src/store/store.js";
import { syncDivisions } from "../src/sync/reconcile-divisions.js";
import type { DirectoryTarget } from "../src/sync/targets/target.js";
import type { FakeGenesys } from "../test/fakes/genesys/index.js";
import { openTestStore } from "../test/helpers/store.js";
import { allSynced } from "../test/helpers/sync.js";
import { commitLabel, log, wasInterrupted } from "./common.js";

export const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
/** PostgreSQL of these benches (trust auth); BENCH_PG_URL=off skips PostgreSQL, as in bench/run.ts. */
export const PG_URL = process.env.BENCH_GENESYS_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/test";
export const PG_OFF = process.env.BENCH_PG_URL === "off";

const CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GENESYS = "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User";

// ---------------------------------------------------------------------------------------------------
// Cleanup

/** Steps to undo, run last-in first-out; every step runs even when one before it fails. */
export class Cleanup {
  private readonly steps: Array<[string, () => Promise<unknown>]> = [];
  add(what: string, step: () => Promise<unknown>): void {
    this.steps.push([what, step]);
  }
  async run(): Promise<void> {
    for (let s = this.steps.pop(); s; s = this.steps.pop()) {
      try {
        await s[1]();
      } catch (err) {
        log(`cleanup: ${s[0]} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Stores

export type StoreKind = "pglite" | "postgres";
export const STORE_LABEL: Record<StoreKind, string> = { pglite: "PGlite (in memory)", postgres: "PostgreSQL" };

/** The stores to run on: PGlite always, PostgreSQL when reachable (and not switched off); with the reason when not. */
export async function storeKinds(): Promise<{ kinds: StoreKind[]; note: string }> {
  if (PG_OFF) return { kinds: ["pglite"], note: "PGlite in memory only (PostgreSQL skipped: BENCH_PG_URL=off)" };
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  c.on("error", () => undefined);
  try {
    await c.connect();
    const [row] = (await c.query<{ v: string }>("select version() as v")).rows;
    return {
      kinds: ["pglite", "postgres"],
      note: `PGlite in memory, and PostgreSQL: ${redact(PG_URL)} (${shortVersion(row?.v ?? "?")}), a fresh schema per run, dropped after it`,
    };
  } catch (err) {
    const note = `PGlite in memory only (PostgreSQL skipped: ${redact(PG_URL)} not reachable: ${err instanceof Error ? err.message : String(err)})`;
    log(note);
    return { kinds: ["pglite"], note };
  } finally {
    await c.end().catch(() => undefined);
  }
}

const redact = (url: string): string => url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
const shortVersion = (v: string): string => v.replace(/ on .*$/, "").replace(/,.*$/, "");

/** A fresh, migrated store with the shipped defaults; closing it drops its schema (PostgreSQL). */
export async function openBenchStore(kind: StoreKind, cleanup: Cleanup): Promise<Store> {
  if (kind === "pglite") {
    const ts = await openTestStore("pglite"); // from the migrated template dump, as the tests do
    cleanup.add("closing the PGlite store", () => ts.close());
    return ts.store;
  }
  const schema = `bench_genesys_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`create schema ${schema}`);
  } finally {
    await admin.end();
  }
  cleanup.add(`dropping schema ${schema}`, async () => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      await c.query(`drop schema if exists ${schema} cascade`);
    } finally {
      await c.end();
    }
  });
  const store = await openPgStore({ connectionString: PG_URL, schema });
  cleanup.add("closing the PostgreSQL store", () => store.close());
  await prepareStore(store, (tx) => seedDefaults(tx, new Date()));
  return store;
}

// ---------------------------------------------------------------------------------------------------
// The population

/** The divisions users are spread over (besides the home division), on both sides by these names. */
export const DIVISIONS = ["Sales", "Support", "Billing Ops", "Europe"] as const;
export const SKILLS = ["Billing", "Sales Escalations", "Technical"] as const;
export const LANGUAGES = ["French", "German"] as const;

const GIVEN = [
  "Ava",
  "Ben",
  "Chloé",
  "Dev",
  "Eli",
  "Fatima",
  "Gus",
  "Hana",
  "Ivan",
  "Jade",
  "Kofi",
  "Lena",
  "Mateo",
  "Nora",
  "Omar",
  "Priya",
  "Quinn",
  "Rosa",
  "Sven",
  "Tariq",
];
const FAMILY = [
  "Adams",
  "Brennan",
  "Castillo",
  "Dubois",
  "Eriksen",
  "Fischer",
  "García",
  "Haddad",
  "Ito",
  "Jensen",
  "Kowalski",
  "Larsen",
  "Müller",
  "Nakamura",
  "O'Brien",
  "Patel",
  "Quispe",
  "Rossi",
  "Schmidt",
  "Tanaka",
  "Ueda",
  "Varga",
  "Wójcik",
];
const TITLES = ["Agent", "Senior Agent", "Team Lead", "Supervisor", "Quality Analyst", "Workforce Planner", undefined];
const DEPARTMENTS = ["Customer Care", "Sales", "Billing", "Technical Support", undefined];

const pad = (n: number, width: number): string => String(n).padStart(width, "0");

/** Users 1, 11, 21, … manage the nine users after them (same block of ten, same division). */
export const isManager = (n: number): boolean => (n - 1) % 10 === 0;
export const managerOf = (n: number): number | null => (isManager(n) ? null : n - ((n - 1) % 10));

export const userNameOf = (n: number): string => `agent${pad(n, 5)}@bench.example.com`;

/**
 * SCIM user `n` (1-based), as an identity provider would POST it; the same every run. `managerId` is
 * the SCIM id of managerOf(n), when it has one.
 */
export function benchScimUser(n: number, managerId?: string): Record<string, unknown> {
  const given = GIVEN[n % GIVEN.length]!;
  const family = FAMILY[(n * 7) % FAMILY.length]!;
  const userName = userNameOf(n);
  const phones: Array<Record<string, unknown>> = [];
  if (n % 9 === 0) phones.push({ value: `+1 555 010 ${pad(n % 10_000, 4)} ext. ${n % 1000}`, type: "work" });
  else if (n % 3 !== 0) phones.push({ value: `+1 (555) 01${pad(n % 100, 2)}-${pad(n % 10_000, 4)}`, type: "work", primary: true });
  if (n % 4 === 0) phones.push({ value: `tel:+44-7700-9${pad(n % 100_000, 5)}`, type: "mobile" });
  const division = Math.floor((n - 1) / 10) % (DIVISIONS.length + 1); // 0: the home division
  const enterprise: Record<string, unknown> = {};
  const department = DEPARTMENTS[n % DEPARTMENTS.length];
  if (department) enterprise.department = department;
  if (n % 2 === 0) enterprise.employeeNumber = `E${pad(n, 6)}`;
  if (n % 6 === 0) enterprise.dateHire = `20${10 + (n % 15)}-0${1 + (n % 9)}-1${n % 10}`;
  if (managerId) enterprise.manager = { value: managerId };
  if (division > 0) enterprise.division = DIVISIONS[division - 1];
  const genesys: Record<string, unknown> = {};
  if (n % 10 === 3)
    genesys.routingSkills = [
      { name: SKILLS[0], proficiency: (n % 5) + 1 },
      { name: SKILLS[1 + (n % 2)], proficiency: 2.5 },
    ];
  if (n % 20 === 7) genesys.routingLanguages = [{ name: LANGUAGES[n % 2], proficiency: 4 }];
  if (n % 50 === 11) genesys.externalIds = [{ authority: "hr-system", value: `HR-${pad(n, 6)}` }];
  const title = TITLES[n % TITLES.length];
  const user: Record<string, unknown> = {
    schemas: [CORE_USER, ENTERPRISE, ...(Object.keys(genesys).length ? [GENESYS] : [])],
    userName,
    name: { givenName: given, familyName: family },
    displayName: `${given} ${family}`,
    emails: [{ value: userName, type: "work", primary: true }],
    active: n % 25 !== 0,
    [ENTERPRISE]: enterprise,
  };
  if (title) user.title = title;
  if (phones.length) user.phoneNumbers = phones;
  if (n % 5 === 0) user.externalId = `00u${pad(n, 8)}`;
  if (Object.keys(genesys).length) user[GENESYS] = genesys;
  return user;
}

// ---------------------------------------------------------------------------------------------------
// Divisions

/**
 * The local divisions (created as an admin would) and, for the genesys target, the same names in the
 * fake; then one division sync with `target`, so that every local division has its target id before
 * any user is synced (the dry run's divisions stand for themselves).
 */
export async function prepareDivisions(store: Store, target: DirectoryTarget, fake?: FakeGenesys): Promise<void> {
  const now = new Date();
  for (const name of DIVISIONS) {
    await createDivision(store, { kind: "system", name: "bench" }, now, { name });
    fake?.addDivision(name);
  }
  await syncDivisions(store, target, now);
  const unmatched = await store.query<{ name: string }>("select name from divisions where target_id is null");
  if (unmatched.length)
    throw new Error(`divisions without a target id after the division sync: ${unmatched.map((d) => d.name).join(", ")}`);
}

// ---------------------------------------------------------------------------------------------------
// The SCIM app

export interface ScimWriter {
  /** POSTs users `ns` through the real app, `connections` at a time; answers each one's SCIM id. */
  post(ns: number[], ids: Map<number, string>, connections?: number): Promise<void>;
}

/** The real app (buildApp) on 127.0.0.1, and a SCIM client's token for it. */
export async function startScimApp(store: Store, cleanup: Cleanup): Promise<ScimWriter> {
  const now = new Date();
  const roleId = await builtinRoleId(store, "scim-integration");
  if (!roleId) throw new Error("the SCIM Integration role was not seeded");
  const client = await createClient(store, { kind: "system", name: "bench" }, now, {
    name: "genesys bench client",
    roleDivisions: [{ roleId, divisionId: "*" }],
  });
  const deps: AppDeps = {
    config: loadConfig({}, { LOG_LEVEL: "silent" }),
    store,
    logger: createLogger("silent"),
    clock: systemClock,
    metrics: createMetrics(false),
  };
  const server: Server = await new Promise((resolve, reject) => {
    const s = createServer(buildApp(deps));
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => resolve(s));
  });
  cleanup.add("closing the SCIM app", () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const basic = Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString("base64");
  const tokenRes = await fetch(`${base}/oauth/token`, {
    method: "POST",
    headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
    body: "grant_type=client_credentials",
  });
  if (tokenRes.status !== 200) throw new Error(`token request answered ${tokenRes.status}: ${await tokenRes.text()}`);
  const token = ((await tokenRes.json()) as { access_token: string }).access_token;
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/scim+json" };

  return {
    async post(ns, ids, connections = 8) {
      let next = 0;
      const one = async (): Promise<void> => {
        while (next < ns.length) {
          if (wasInterrupted()) throw new Error("interrupted");
          const n = ns[next++]!;
          const m = managerOf(n);
          const managerId = m === null ? undefined : ids.get(m);
          if (m !== null && !managerId) throw new Error(`user ${n}: its manager ${m} was not written first`);
          const res = await fetch(`${base}/scim/v2/Users`, { method: "POST", headers, body: JSON.stringify(benchScimUser(n, managerId)) });
          const text = await res.text();
          if (res.status !== 201) throw new Error(`POST /scim/v2/Users (user ${n}) answered ${res.status}: ${text}`);
          ids.set(n, (JSON.parse(text) as { id: string }).id);
        }
      };
      await Promise.all(Array.from({ length: connections }, one));
    },
  };
}

/** Users 1..count, managers first (a user's manager must exist to be named). */
export function managersFirst(count: number): { managers: number[]; reports: number[] } {
  const all = Array.from({ length: count }, (_, i) => i + 1);
  return { managers: all.filter(isManager), reports: all.filter((n) => !isManager(n)) };
}

// ---------------------------------------------------------------------------------------------------
// Waiting

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls test/helpers/sync.ts allSynced every `everyMs`; answers Date.now() of the first poll that saw it, or NaN at the timeout. */
export async function untilAllSynced(store: Store, timeoutMs: number, everyMs = 200): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (wasInterrupted()) throw new Error("interrupted");
    if (await allSynced(store)) return Date.now();
    if (Date.now() > deadline) return Number.NaN;
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------------------------------------------
// The report: one `##` section of docs/benchmarks.md, two parts, each rewritten by its own bench

const REPORT = new URL("../docs/benchmarks.md", import.meta.url);
const BEGIN = "<!-- genesys-benches -->";
const END = "<!-- /genesys-benches -->";
export type ReportPart = "pacing" | "parity";
const PARTS: ReportPart[] = ["pacing", "parity"];
const partBegin = (p: ReportPart): string => `<!-- genesys-bench:${p} -->`;
const partEnd = (p: ReportPart): string => `<!-- /genesys-bench:${p} -->`;

const INTRO = [
  "## Genesys pacing and plan parity (issue 11)",
  "",
  "Written by `bench/genesys-pacing-bench.ts` and `bench/plan-parity-bench.ts` (`npm run bench:genesys`, about 8 minutes on 2 cores; " +
    "`npm run bench:pacing` or `npm run bench:parity` alone), not by `bench/run.ts`: each bench rewrites only its own part below. " +
    "They need Redis at `redis://127.0.0.1:6379` (`BENCH_REDIS_URL`); the pacing bench also runs on PostgreSQL at " +
    "`postgresql://postgres@127.0.0.1:5432/test` (`BENCH_GENESYS_PG_URL`; `BENCH_PG_URL=off` skips it). " +
    "Everything (store, SCIM app, sync runtime, fake Genesys Cloud of `test/fakes/genesys`) runs in one Node process and thread. " +
    "The users are one deterministic population (`benchScimUser` in `bench/genesys-bench-common.ts`): names, titles, departments, work and mobile phones " +
    "(some with extensions or as `tel:` URIs), a manager for nine users in ten, five divisions, employee numbers on half, hire dates on a sixth, " +
    "SCIM `externalId` on a fifth, skills on a tenth, languages on a twentieth, an HR external id on a fiftieth, every 25th inactive.",
  "",
];

/** `stamp` line for a part: when, where, which commit. */
export function stamp(): string {
  return `_Measured ${new Date().toISOString()} at commit ${commitLabel()}, on ${os.cpus()[0]?.model ?? "unknown CPU"} × ${os.availableParallelism()} (Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(2)} at the end)._`;
}

/** Replaces this bench's part of the section (creating the section before "## Caveats" when there is none), keeping the rest of the file. */
export function writeReportPart(part: ReportPart, markdown: string): void {
  if (process.env.BENCH_REPORT === "off") return log("BENCH_REPORT=off: docs/benchmarks.md left alone");
  const doc = existsSync(REPORT) ? readFileSync(REPORT, "utf8") : "# Benchmarks\n";
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  const old = start >= 0 && end > start ? doc.slice(start, end + END.length) : "";
  const kept = (p: ReportPart): string => {
    const s = old.indexOf(partBegin(p));
    const e = old.indexOf(partEnd(p));
    return s >= 0 && e > s ? old.slice(s + partBegin(p).length, e).trim() : `_Not measured yet: \`npm run bench:${p}\`._`;
  };
  const section = [
    BEGIN,
    ...INTRO,
    ...PARTS.flatMap((p) => [partBegin(p), p === part ? markdown.trim() : kept(p), partEnd(p), ""]),
    END,
  ].join("\n");
  let next: string;
  if (old) next = doc.replace(old, () => section);
  else {
    const caveats = doc.indexOf("\n## Caveats");
    next = caveats >= 0 ? `${doc.slice(0, caveats + 1)}${section}\n\n${doc.slice(caveats + 1)}` : `${doc.trimEnd()}\n\n${section}\n`;
  }
  writeFileSync(REPORT, next);
  log(`wrote the ${part} part of ${REPORT.pathname}`);
}
