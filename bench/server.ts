/**
 * The system under test, run in a worker thread (see bench/worker.ts) so that the load generator in
 * the main thread does not share an event loop with it. One store, two loopback servers:
 *   - the real app (buildApp): POST /oauth/token and the SCIM endpoint /scim/v2;
 *   - a tiny Express app with no middleware: GET /noauth (bare) and GET /auth (behind bearerAuth), both
 *     answering 204, and GET /bare/Users/:id answering a constant SCIM-like user as JSON after a constant
 *     bearer check (the Authorization header compared with one string), the baseline the SCIM reads are
 *     compared with.
 * The sync section also starts the sync runtime here, beside the app on the same store and event loop
 * (bench/sync-server.ts).
 * The main thread sends commands (seed, count, time, sync, close) and gets one answer per command.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parentPort, workerData } from "node:worker_threads";
import express from "express";
import { buildApp } from "../src/app.js";
import { bearerAuth, type AuthFailureRenderer } from "../src/oauth/endpoints/bearer.js";
import type { AppDeps } from "../src/http/deps.js";
import { createMetrics } from "../src/http/metrics.js";
import { openPgliteStore } from "../src/store/pglite-store.js";
import { openPgStore } from "../src/store/pg-store.js";
import { prepareStore } from "../src/store/open-store.js";
import { seedDefaults } from "../src/authz/roles.js";
import type { Store } from "../src/store/store.js";
import { createClient } from "../src/oauth/client-registry.js";
import { builtinRoleId } from "../src/authz/roles.js";
import { createLogger } from "../src/log/logger.js";
import { systemClock } from "../src/clock.js";
import { loadConfig } from "../src/config/config.js";
import { hashSecret } from "../src/oauth/secrets.js";
import { findToken } from "../src/oauth/token-store.js";
import { verifyToken } from "../src/oauth/token-service.js";
import { scimServices } from "../src/scim/resources.js";
import type { ScimContext } from "../src/scim/context.js";
import { VerificationCache } from "../src/oauth/verification-cache.js";
import { renderStored } from "../src/scim/render.js";
import SCIMMY from "scimmy";
import { benchUserId, benchUserName, scimCounts, seedGroups, seedUsers, type ScimCounts } from "./scim-seed.js";
import { syncServer, type BareArgs, type BareResult, type SyncStartArgs, type SyncStats, type Unsynced } from "./sync-server.js";

export type StoreSpec = { kind: "pglite" } | { kind: "postgres"; connectionString: string; schema: string };

/** Median ms of one call, in process, one call at a time. */
export interface Breakdown {
  sha256: number;
  select1: number;
  findToken: number;
  verifyToken: number;
}

/**
 * Median ms of the parts of one SCIM GET by id as the route runs it (src/scim/resource-routes.ts), in
 * process, one call at a time, random seeded users.
 */
export interface ScimBreakdown {
  /** `verifyToken` with a warm VerificationCache, as `bearerAuth` runs it (the token answered from memory). */
  verifyToken: number;
  /** `Users.get`: one read of the user's row, its groups included (the store's part). */
  usersGet: number;
  /** `renderStored("User", …)` of what `Users.get` answered. */
  render: number;
  /** `JSON.stringify` of the rendered user. */
  stringify: number;
  /**
   * `new SCIMMY.Resources.User(id).read(ctx)`: `Users.get` plus SCIMMY's "out" coercion, the read path
   * before renderStored; no longer on the path, kept for comparison.
   */
  scimmyRead: number;
  /** The same parts for one page of `pageCount` users at a random startIndex, as the list route runs them. */
  page: {
    /** `Users.list`: the page's statement and its total from `scim_counts`. */
    usersList: number;
    /** `renderStored` of every user of the page. */
    render: number;
    /** `JSON.stringify` of the ListResponse. */
    stringify: number;
  };
}

/** What the main thread may ask, and what each answers. */
export interface Commands {
  "count-tokens": { args: Record<string, never>; result: number };
  breakdown: { args: { token: string; seconds: number }; result: Breakdown };
  /**
   * Seeds users from..to (SQL), then VACUUM ANALYZE (statistics, visibility map and hint bits set, as
   * autovacuum would leave them on PostgreSQL; it also keeps autovacuum from starting mid-run); answers the ms it took.
   */
  "seed-users": { args: { from: number; to: number }; result: number };
  /** Seeds the two groups (SQL), then VACUUM ANALYZE; answers their ids and the ms it took. */
  "seed-groups": { args: { big: number; small: number }; result: { bigId: string; smallId: string; ms: number } };
  "scim-breakdown": { args: { token: string; users: number; seconds: number; pageCount: number }; result: ScimBreakdown };
  /** The one Authorization header GET /bare/Users/:id accepts (until set, it answers 401 to all). */
  "bare-bearer": { args: { header: string }; result: null };
  "scim-counts": { args: { groups?: { bigId: string; smallId: string } }; result: ScimCounts };
  /** The sync runtime on this thread's store (bench/sync-server.ts), against the fake Genesys in the main thread. */
  "sync-start": { args: SyncStartArgs; result: null };
  /** What is not yet applied at its current version: a quick count, or allSynced's query as counts. */
  "sync-unsynced": { args: { full: boolean }; result: Unsynced };
  /** Users from..to in SQL (one outbox row each, no VACUUM), for the pipeline to sync with no SCIM load; answers ms. */
  "sync-seed": { args: { from: number; to: number }; result: number };
  /** Resets the runtime's metrics and the event-loop and poll measurements. */
  "sync-mark": { args: Record<string, never>; result: null };
  "sync-stats": { args: Record<string, never>; result: SyncStats };
  "sync-stop": { args: Record<string, never>; result: null };
  /** userName and created_at (ms) of the users whose userName starts with `prefix`. */
  "sync-created": { args: { prefix: string }; result: Array<[string, number]> };
  /** A BullMQ worker that does nothing: how long `jobs` jobs take. */
  "bare-bullmq": { args: BareArgs; result: BareResult };
  close: { args: Record<string, never>; result: null };
}
export type CommandName = keyof Commands;

export type ToServer = { [K in CommandName]: { id: number; type: K; args: Commands[K]["args"] } }[CommandName];

export interface Ready {
  type: "ready";
  /** The real app's origin (http://127.0.0.1:port). */
  appBase: string;
  verifyBase: string;
  clientId: string;
  secret: string;
  version: string;
}
export type FromServer = Ready | { type: "result"; id: number; value: unknown } | { type: "failed"; id?: number; message: string };

const renderFailure: AuthFailureRenderer = (res, status, description) => {
  res.status(status).json({ error: status === 401 ? "invalid_token" : "insufficient_scope", message: description });
};

function listen(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

const urlOf = (s: Server): string => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

function close(s: Server): Promise<void> {
  return new Promise((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections();
  });
}

/** Median duration (ms) of `fn`, called back to back for `seconds` after `warmups` calls. */
async function medianOf(seconds: number, fn: () => unknown, warmups = 200): Promise<number> {
  for (let i = 0; i < warmups; i++) await fn();
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor((samples.length - 1) / 2)] ?? Number.NaN;
}

async function openStore(spec: StoreSpec): Promise<Store> {
  return spec.kind === "pglite"
    ? openPgliteStore()
    : openPgStore({ connectionString: spec.connectionString, schema: spec.schema, timeoutMs: 600_000 });
}

/**
 * What the SCIM endpoint answers for a seeded user (ListResponse aside): the same attributes, meta and
 * an empty groups list, built once; the bare route only puts the requested id in it.
 */
function bareUser(): Record<string, unknown> {
  const userName = benchUserName(12345);
  const created = new Date().toISOString();
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
    id: "",
    meta: { resourceType: "User", created, lastModified: created, location: "", version: 'W/"1"' },
    userName,
    name: { familyName: "User12345", givenName: "Bench" },
    title: "Agent",
    active: true,
    emails: [{ value: userName, type: "work", primary: true }],
    groups: [],
    displayName: "Bench User12345",
  };
}

async function main(): Promise<void> {
  const port = parentPort!;
  const spec = workerData as StoreSpec;
  const store = await openStore(spec);
  const now = new Date(systemClock());
  await prepareStore(store, (tx) => seedDefaults(tx, now));
  const roleId = await builtinRoleId(store, "scim-integration");
  if (!roleId) throw new Error("the SCIM Integration role was not seeded");
  const client = await createClient(store, { kind: "system", name: "bench" }, now, {
    name: "bench client",
    description: "created by bench/run.ts",
    roleDivisions: [{ roleId, divisionId: "*" }],
  });

  const config = loadConfig({}, { LOG_LEVEL: "silent", DATABASE_URL: spec.kind === "postgres" ? spec.connectionString : "" });
  const deps: AppDeps = { config, store, logger: createLogger("silent"), clock: systemClock, metrics: createMetrics(false) };

  const appServer = await listen(buildApp(deps));
  const appBase = urlOf(appServer);

  const verifyApp = express();
  verifyApp.disable("x-powered-by");
  verifyApp.get("/noauth", (_req, res) => {
    res.status(204).end();
  });
  verifyApp.get("/auth", bearerAuth(deps, renderFailure), (_req, res) => {
    res.status(204).end();
  });
  const template = bareUser();
  // The floor is "a bare Express route with a constant bearer check": one string comparison
  // stands for the token check, so that the ratio compares the SCIM path with what any authenticated
  // route must do at least. The main thread sets the string to the header it sends to both servers,
  // so that both receive the same bytes.
  let bareBearer: string | null = null;
  verifyApp.get("/bare/Users/:id", (req, res) => {
    if (bareBearer === null || req.headers.authorization !== bareBearer) {
      res.status(401).end();
      return;
    }
    const id = String(req.params.id);
    const meta = { ...(template.meta as Record<string, unknown>), location: `${appBase}/scim/v2/Users/${id}` };
    res.type("application/scim+json").json({ ...template, id, meta });
  });
  const verifyServer = await listen(verifyApp);

  const sync = syncServer(store);
  const handlers: { [K in CommandName]: (args: Commands[K]["args"]) => Promise<Commands[K]["result"]> } = {
    "count-tokens": async () => (await store.query<{ n: number }>("select count(*)::int as n from tokens"))[0]?.n ?? 0,
    breakdown: async ({ token, seconds }) => {
      const hash = hashSecret(token);
      if (typeof (await verifyToken(store, systemClock, token)) === "string") throw new Error("breakdown: the token does not verify");
      return {
        sha256: await medianOf(seconds, () => hashSecret(token)),
        select1: await medianOf(seconds, () => store.query("select 1")),
        findToken: await medianOf(seconds, () => findToken(store, hash)),
        verifyToken: await medianOf(seconds, () => verifyToken(store, systemClock, token)),
      };
    },
    "seed-users": async ({ from, to }) => {
      const t0 = performance.now();
      await store.transaction((tx) => seedUsers(tx, from, to, new Date(systemClock())));
      await store.query("vacuum analyze scim_users, outbox, scim_counts");
      return performance.now() - t0;
    },
    "seed-groups": async ({ big, small }) => {
      const t0 = performance.now();
      const ids = await store.transaction((tx) => seedGroups(tx, big, small, new Date(systemClock())));
      await store.query("vacuum analyze scim_groups, scim_group_members, outbox, scim_counts");
      return { ...ids, ms: performance.now() - t0 };
    },
    "scim-breakdown": async ({ token, users, seconds, pageCount }) => {
      const cache = new VerificationCache();
      const opts = { hipaaDefault: config.HIPAA_COMPLIANCE };
      // this first call reads the store and fills the cache; the measured ones are answered from memory
      const verified = await verifyToken(store, systemClock, token, cache, opts);
      if (typeof verified === "string") throw new Error("scim-breakdown: the token does not verify");
      const ctx: ScimContext = {
        store,
        principal: verified.principal,
        now: new Date(systemClock()),
        list: { descending: false, startIndex: 1, count: 100 },
        excludeMembers: false,
        projection: {},
        outcome: {},
      };
      const { users: service } = scimServices();
      const someone = (): string => benchUserId(1 + Math.floor(Math.random() * users));
      const stored = await service.get(ctx, someone());
      const rendered = renderStored("User", stored);
      // a page costs tens of ms: a few warm-up calls are enough, and 200 would take most of a minute
      const PAGE_WARMUPS = 5;
      const pageCtx = (): ScimContext => ({
        ...ctx,
        list: { descending: false, startIndex: 1 + Math.floor(Math.random() * Math.max(1, users - pageCount + 1)), count: pageCount },
      });
      const onePage = await service.list(pageCtx());
      const renderPage = () => onePage.resources.map((u) => renderStored("User", u));
      const listResponse = {
        schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        Resources: renderPage(),
        startIndex: 1,
        itemsPerPage: onePage.resources.length,
        totalResults: onePage.total,
      };
      return {
        verifyToken: await medianOf(seconds, () => verifyToken(store, systemClock, token, cache, opts)),
        usersGet: await medianOf(seconds, () => service.get(ctx, someone())),
        render: await medianOf(seconds, () => renderStored("User", stored)),
        stringify: await medianOf(seconds, () => JSON.stringify(rendered)),
        scimmyRead: await medianOf(seconds, () => new SCIMMY.Resources.User(someone()).read(ctx)),
        page: {
          usersList: await medianOf(seconds, () => service.list(pageCtx()), PAGE_WARMUPS),
          render: await medianOf(seconds, renderPage, PAGE_WARMUPS),
          stringify: await medianOf(seconds, () => JSON.stringify(listResponse), PAGE_WARMUPS),
        },
      };
    },
    "bare-bearer": ({ header }) => {
      bareBearer = header;
      return Promise.resolve(null);
    },
    "scim-counts": ({ groups }) => scimCounts(store, groups),
    "sync-start": (args) => sync.start(args),
    "sync-unsynced": ({ full }) => sync.unsynced(full),
    "sync-seed": ({ from, to }) => sync.seed(from, to),
    "sync-mark": () => sync.mark(),
    "sync-stats": () => sync.stats(),
    "sync-stop": () => sync.stop(),
    "sync-created": ({ prefix }) => sync.created(prefix),
    "bare-bullmq": (args) => sync.bare(args),
    close: async () => {
      await sync.stop();
      await close(appServer);
      await close(verifyServer);
      await store.close();
      return null;
    },
  };

  port.on("message", (msg: ToServer) => {
    void (async () => {
      try {
        const value = await (handlers[msg.type] as (args: unknown) => Promise<unknown>)(msg.args);
        port.postMessage({ type: "result", id: msg.id, value } satisfies FromServer);
        if (msg.type === "close") port.close();
      } catch (err) {
        port.postMessage({
          type: "failed",
          id: msg.id,
          message: err instanceof Error ? (err.stack ?? err.message) : String(err),
        } satisfies FromServer);
      }
    })();
  });

  port.postMessage({
    type: "ready",
    appBase,
    verifyBase: urlOf(verifyServer),
    clientId: client.id,
    secret: client.secret,
    version: (await store.query<{ v: string }>("select version() as v"))[0]?.v ?? "unknown",
  } satisfies FromServer);
}

main().catch((err: unknown) => {
  parentPort?.postMessage({
    type: "failed",
    message: err instanceof Error ? (err.stack ?? err.message) : String(err),
  } satisfies FromServer);
});
