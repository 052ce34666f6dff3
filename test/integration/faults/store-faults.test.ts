import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { TcpProxy } from "../../helpers/tcp-proxy.js";
import { BIN } from "../../helpers/serve-process.js";
import { openTestStore, TEST_DATABASE_URL, type TestStore } from "../../helpers/store.js";
import { startTestServer, type StartedServer } from "../../helpers/server.js";
import { bootstrapAdmin } from "../../helpers/app.js";
import { ERROR_SCHEMA, scimClient } from "../../helpers/scim.js";
import { waitUntil } from "../../helpers/sync.js";
import { openPgStore, type PgStore } from "../../../src/store/pg-store.js";
import { listMigrations, migrate } from "../../../src/store/migrate.js";
import type { ClientWithSecret } from "../../../src/oauth/client-registry.js";

/** PostgreSQL only (the pglite project ignores this file): faults between the bridge and its database. */

const PASSWORD = "pgs3cret";

/** `scim-bridge serve` spawned directly: startServeProcess waits for "listening", which must never come here. */
function spawnServe(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [BIN, "serve"], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      QUEUE_PREFIX: `storefaults${process.pid}`,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    exited,
    out: () => out,
    err: () => err,
    /** Its exit, waited for with a safety net (so that `finally` runs even if it never comes). */
    exit: async () => {
      await waitUntil(async () => child.exitCode !== null || child.signalCode !== null, "serve to exit");
      return exited;
    },
    /** Kills it if it still runs (finally blocks). */
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}

describe("start-up against a database that accepts connections and never answers", () => {
  let proxy: TcpProxy;
  beforeAll(async () => {
    proxy = await TcpProxy.start({ mode: "blackhole" });
  });
  afterAll(async () => {
    await proxy.close();
  });

  const databaseUrl = () => {
    const u = new URL(proxy.url(TEST_DATABASE_URL));
    u.password = PASSWORD;
    return u.toString();
  };

  it("gives up after STORE_STARTUP_TIMEOUT_MS with a message naming the database (no password), and never listens", async () => {
    const p = spawnServe({ DATABASE_URL: databaseUrl(), STORE_STARTUP_TIMEOUT_MS: "3000", STORE_TIMEOUT_MS: "1000" });
    try {
      const { code, signal } = await p.exit();
      expect(signal).toBeNull();
      expect(code).not.toBe(0);
      expect(code).not.toBeNull();
      expect(p.err()).toContain("did not answer within");
      expect(p.err()).toContain(`127.0.0.1:${proxy.port}/test`);
      expect(p.out() + p.err()).not.toContain(PASSWORD);
      expect(p.out() + p.err()).not.toContain("scim-bridge listening");
      // the database did accept connections: the start-up waited on answers, not on a refused port
      expect(proxy.accepted).toBeGreaterThanOrEqual(1);
    } finally {
      await p.kill();
    }
  });

  it("SIGTERM during start-up stops the process at once, without waiting for the start-up deadline", async () => {
    const acceptedBefore = proxy.accepted;
    const p = spawnServe({ DATABASE_URL: databaseUrl(), STORE_STARTUP_TIMEOUT_MS: "120000", STORE_TIMEOUT_MS: "1000" });
    try {
      // it is in start-up once it has reached the database
      await waitUntil(async () => proxy.accepted > acceptedBefore || p.child.exitCode !== null, "serve to connect to the database");
      expect(p.child.exitCode).toBeNull();
      p.child.kill("SIGTERM");
      // a wait for the exit: start-up alone would go on for 120 s
      const { code, signal } = await p.exit();
      expect(code === 0 && signal === null).toBe(false);
      expect(p.out() + p.err()).not.toContain("scim-bridge listening");
    } finally {
      await p.kill();
    }
  });
});

describe("a running app whose database stops answering, then refuses, then comes back", () => {
  let ts: TestStore;
  let proxy: TcpProxy;
  let viaProxy: PgStore;
  let srv: StartedServer;
  let admin: ClientWithSecret;
  let scim: ClientWithSecret;
  let scimToken: string;
  let adminToken: string;

  const basic = (c: { id: string; secret: string }) => `Basic ${Buffer.from(`${c.id}:${c.secret}`).toString("base64")}`;
  const tokenRequest = (c: { id: string; secret: string }) =>
    fetch(`${srv.url}/oauth/token`, {
      method: "POST",
      headers: { authorization: basic(c), "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials",
    });
  const getUsers = () => fetch(`${srv.url}/scim/v2/Users`, { headers: { authorization: `Bearer ${scimToken}` } });
  const getClients = () => fetch(`${srv.url}/admin/v1/clients`, { headers: { authorization: `Bearer ${adminToken}` } });

  beforeAll(async () => {
    ts = await openTestStore("postgres");
    proxy = await TcpProxy.start();
    viaProxy = await openPgStore({
      connectionString: proxy.url(TEST_DATABASE_URL),
      schema: ts.schema,
      timeoutMs: 1000,
      startupTimeoutMs: 0,
      max: 5,
    });
    srv = await startTestServer(viaProxy, { STORE_TIMEOUT_MS: 1000, STORE_STARTUP_TIMEOUT_MS: 0 });
    admin = await bootstrapAdmin(ts.store);
    scim = await scimClient(ts.store);
    const a = await tokenRequest(admin);
    expect(a.status).toBe(200);
    adminToken = ((await a.json()) as { access_token: string }).access_token;
    const s = await tokenRequest(scim);
    expect(s.status).toBe(200);
    scimToken = ((await s.json()) as { access_token: string }).access_token;
  });
  afterAll(async () => {
    await srv?.close();
    await viaProxy?.close().catch(() => undefined);
    await proxy?.close();
    await ts?.close();
  });

  async function expectStoreUnavailable(): Promise<void> {
    const users = await getUsers();
    const usersBody = (await users.json()) as { schemas?: string[]; status?: string; detail?: string };
    expect(users.status).toBe(503);
    expect(users.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(usersBody.schemas).toEqual([ERROR_SCHEMA]);
    expect(usersBody.status).toBe("503");
    expect(typeof usersBody.detail).toBe("string");

    const token = await tokenRequest(scim);
    const tokenBody = (await token.json()) as { error?: string; error_description?: string };
    expect(token.status).toBe(503);
    expect(tokenBody.error).toBe("temporarily_unavailable");
    expect(typeof tokenBody.error_description).toBe("string");

    const clients = await getClients();
    const clientsBody = (await clients.json()) as { error?: string; message?: string };
    expect(clients.status).toBe(503);
    expect(clientsBody.error).toBe("store_unavailable");
    expect(typeof clientsBody.message).toBe("string");

    const ready = await fetch(`${srv.url}/readyz`);
    const readyBody = (await ready.json()) as { status: string; checks: Record<string, string> };
    expect(ready.status).toBe(503);
    expect(readyBody.checks.store).not.toBe("ok");
    expect(readyBody.checks.store).toMatch(/^unreachable/);

    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
  }

  async function expectServing(): Promise<void> {
    // the pool recovers: new connections are made as the old ones turn out broken
    await waitUntil(async () => (await fetch(`${srv.url}/readyz`)).status === 200, "/readyz to answer 200 again");
    await waitUntil(async () => (await getUsers()).status === 200, "GET /Users to answer 200 again");
    const users = await getUsers();
    expect(users.status).toBe(200);
    expect(((await users.json()) as { schemas: string[] }).schemas).toContain("urn:ietf:params:scim:api:messages:2.0:ListResponse");
    const token = await tokenRequest(scim);
    expect(token.status).toBe(200);
    expect(typeof ((await token.json()) as { access_token?: unknown }).access_token).toBe("string");
    const clients = await getClients();
    expect(clients.status).toBe(200);
    expect(((await clients.json()) as { total: number }).total).toBeGreaterThanOrEqual(2);
  }

  it("answers 503 in each protocol's format while the database accepts connections and never answers", async () => {
    await expectServing();
    await proxy.setMode("blackhole");
    await expectStoreUnavailable();
    // twice: once the pool's idle connections are spent, new ones time out connecting
    await expectStoreUnavailable();
    expect(srv.logs.text).not.toMatch(/"statusCode":500|unhandled error/);
  });

  it("recovers once the database answers again", async () => {
    await proxy.setMode("pass");
    await expectServing();
  });

  it("answers 503 in each protocol's format while connections to the database are refused", async () => {
    await proxy.setMode("refuse");
    await expectStoreUnavailable();
    await expectStoreUnavailable();
    expect(srv.logs.text).not.toMatch(/"statusCode":500|unhandled error/);
  });

  it("recovers once connections are accepted again", async () => {
    await proxy.setMode("pass");
    await expectServing();
  });
});

describe("two replicas migrating one fresh schema at once", () => {
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const stores: PgStore[] = [];

  beforeAll(async () => {
    const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await c.connect();
    try {
      await c.query(`create schema ${schema}`);
    } finally {
      await c.end();
    }
  });
  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => undefined);
    const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await c.connect();
    try {
      await c.query(`drop schema if exists ${schema} cascade`);
    } finally {
      await c.end();
    }
  });

  it("both succeed and each migration is applied exactly once", async () => {
    stores.push(await openPgStore({ connectionString: TEST_DATABASE_URL, schema, max: 2 }));
    stores.push(await openPgStore({ connectionString: TEST_DATABASE_URL, schema, max: 2 }));
    const [a, b] = await Promise.all(stores.map((s) => migrate(s)));
    const versions = listMigrations().map((m) => m.version);
    expect([...a!, ...b!].sort()).toEqual([...versions].sort());
    const rows = await stores[0]!.query<{ version: string; n: number }>(
      "select version, count(*)::int as n from schema_migrations group by version order by version",
    );
    expect(rows).toEqual([...versions].sort().map((version) => ({ version, n: 1 })));
    // and both see a migrated store
    expect(await migrate(stores[1]!)).toEqual([]);
  });
});
