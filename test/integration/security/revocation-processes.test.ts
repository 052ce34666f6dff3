import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { runCli, startServeProcess, type ServeProcess } from "../../helpers/serve-process.js";
import { TEST_DATABASE_URL } from "../../helpers/store.js";
import { dropPrefix } from "../../helpers/sync.js";
import { FRESH_MS } from "../../../src/oauth/verification-cache.js";

/**
 * Bearer tokens are answered from each process's memory (src/oauth/verification-cache.ts). Two
 * `scim-bridge serve` processes on one PostgreSQL: a token revoked through one is refused by that one
 * at once, and by the other within FRESH_MS (one second), though both had it in memory.
 */
describe("revocation across two serving processes", () => {
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set("options", `-c search_path=${schema},public`);
  const prefix = `revoke${process.pid}`;
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: url.toString(),
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: "info",
  };
  let a: ServeProcess | undefined;
  let b: ServeProcess | undefined;
  let client: { id: string; secret: string };

  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    await admin(`create schema ${schema}`);
    expect(runCli(env, "migrate").code).toBe(0);
    const made = runCli(env, "clients", "create", "--name", "idp", "--preset", "scim", "--json");
    expect(made.code).toBe(0);
    client = JSON.parse(made.out) as { id: string; secret: string };
    [a, b] = await Promise.all([startServeProcess(env), startServeProcess(env)]);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await dropPrefix(prefix);
    await admin(`drop schema if exists ${schema} cascade`);
  });

  const basic = () => `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString("base64")}`;
  const form = { "content-type": "application/x-www-form-urlencoded" };
  const users = (server: ServeProcess, token: string) =>
    fetch(`${server.url}/scim/v2/Users?count=1`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);

  /** Waits until FRESH_MS have passed since `since` (performance.now()): no process may still answer from memory. */
  async function waitFresh(since: number): Promise<void> {
    const left = FRESH_MS - (performance.now() - since);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
  }

  async function issue(server: ServeProcess): Promise<string> {
    const res = await fetch(`${server.url}/oauth/token`, {
      method: "POST",
      headers: { authorization: basic(), ...form },
      body: "grant_type=client_credentials",
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  it("a token revoked through one process is refused by it at once and by the other within a second", async () => {
    const token = await issue(a!);
    const other = await issue(a!);
    // both processes hold both tokens in memory
    for (const server of [a!, b!]) for (const t of [token, other]) expect(await users(server, t)).toBe(200);

    const revoked = await fetch(`${a!.url}/oauth/revoke`, {
      method: "POST",
      headers: { authorization: basic(), ...form },
      body: `token=${encodeURIComponent(token)}`,
    });
    expect(revoked.status).toBe(200);
    const revokedAt = performance.now();
    expect(await users(a!, token)).toBe(401);

    // the bound the other process keeps, from its own monotonic clock: past it, it cannot answer from memory
    await waitFresh(revokedAt);
    expect(await users(b!, token)).toBe(401);
    // the other token was not touched
    expect(await users(b!, other)).toBe(200);
    expect(await users(a!, other)).toBe(200);
  });

  it("a client deactivated in the store by hand is refused by both within a second", async () => {
    const token = await issue(b!);
    for (const server of [a!, b!]) expect(await users(server, token)).toBe(200);
    await admin(
      `update ${schema}.clients set state = 'inactive' where id = '${client.id}'; update ${schema}.registry_generation set n = n + 1`,
    );
    await waitFresh(performance.now());
    for (const server of [a!, b!]) expect(await users(server, token)).toBe(401);
  });

  it("tokens deleted by hand in SQL are refused by both within a second (the store's trigger moves the generation)", async () => {
    await admin(
      `update ${schema}.clients set state = 'active' where id = '${client.id}'; update ${schema}.registry_generation set n = n + 1`,
    );
    const token = await issue(a!);
    for (const server of [a!, b!]) expect(await users(server, token)).toBe(200);
    await admin(`delete from ${schema}.tokens where client_id = '${client.id}'`);
    await waitFresh(performance.now());
    for (const server of [a!, b!]) expect(await users(server, token)).toBe(401);
  });
});
