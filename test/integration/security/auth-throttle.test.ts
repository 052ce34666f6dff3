import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes, randomUUID } from "node:crypto";
import { Agent } from "node:http";
import { Redis } from "ioredis";
import request from "supertest";
import { openTestStore, type TestStore } from "../../helpers/store.js";
import { system } from "../../helpers/app.js";
import { startTestServer, type StartedServer } from "../../helpers/server.js";
import { REDIS_URL, dropPrefix } from "../../helpers/sync.js";
import type { ConfigKey } from "../../../src/config/config.js";
import type { AppDeps } from "../../../src/http/deps.js";
import { createClient, type ClientWithSecret } from "../../../src/oauth/client-registry.js";

type Creds = { id: string; secret: string };

/** Failed client authentications at /oauth/token, /oauth/introspect and /oauth/revoke, counted per client id and per address. */
describe("brute force on /oauth/token is throttled", () => {
  let ts: TestStore | undefined;
  /** Closed in reverse order in afterAll, whatever happened in the tests. */
  const cleanups: Array<() => Promise<void> | void> = [];
  const prefixes: string[] = [];

  beforeAll(async () => {
    ts = await openTestStore();
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse())
      await Promise.resolve()
        .then(cleanup)
        .catch(() => undefined);
    for (const prefix of prefixes) await dropPrefix(prefix).catch(() => undefined);
    await ts?.close();
  });

  const server = async (overrides: Partial<Record<ConfigKey, unknown>>, deps: Partial<AppDeps> = {}): Promise<StartedServer> => {
    const srv = await startTestServer(ts!.store, { LOG_LEVEL: "warn", ...overrides }, deps);
    cleanups.push(() => srv.close());
    return srv;
  };
  /** A queue prefix of this test's own, so that the counters in the shared Redis are this test's alone. */
  const newPrefix = (): string => {
    const prefix = `at${randomBytes(4).toString("hex")}`;
    prefixes.push(prefix);
    return prefix;
  };
  /** The app's Redis client, as serve makes it (no offline queue): used once it is connected. */
  const readyRedis = async (): Promise<Redis> => {
    const redis = new Redis(REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    cleanups.push(() => redis.disconnect());
    if (redis.status !== "ready") {
      await new Promise<void>((resolve, reject) => {
        redis.once("ready", () => resolve());
        redis.once("error", reject);
      });
    }
    return redis;
  };
  const client = (name: string): Promise<ClientWithSecret> =>
    createClient(ts!.store, system, new Date(), { name: `${name} ${randomUUID()}` });

  const token = (srv: StartedServer, c: Creds, agent?: Agent) => {
    const req = request(srv.url).post("/oauth/token");
    return (agent ? req.agent(agent) : req).auth(c.id, c.secret).type("form").send({ grant_type: "client_credentials" });
  };
  const wrong = (c: { id: string }): Creds => ({ id: c.id, secret: `wrong-${randomBytes(8).toString("hex")}` });

  /** RFC 6749 §5.2 error body, RFC 6585 §4 Retry-After in whole seconds within the window. */
  const expectThrottled = (res: request.Response, windowSeconds: number) => {
    expect(res.status).toBe(429);
    expect(res.body).toEqual({ error: "temporarily_unavailable", error_description: expect.stringMatching(/retry after \d+ s/) });
    expect(res.headers["retry-after"]).toMatch(/^\d+$/);
    const wait = Number(res.headers["retry-after"]);
    expect(wait).toBeGreaterThanOrEqual(1);
    expect(wait).toBeLessThanOrEqual(windowSeconds);
    expect(res.headers["cache-control"]).toBe("no-store");
  };
  const expectRefused = (res: request.Response) => {
    expect(res.status).toBe(401);
    expect(res.body.error).toBe("invalid_client");
  };

  it("at the default limits: 10 wrong secrets for a client id, then even the right one answers 429; another client is unaffected and its successes never count", async () => {
    const srv = await server({});
    const a = await client("A");
    const b = await client("B");
    for (let i = 0; i < 10; i++) expectRefused(await token(srv, wrong(a)));
    const blocked = await token(srv, a);
    expectThrottled(blocked, 60);
    expect(blocked.body.access_token).toBeUndefined();
    // Still blocked: attempts while throttled are answered before the secret is checked.
    expectThrottled(await token(srv, wrong(a)), 60);

    // The legitimate use beside it: client B, from the same address, gets a token every time;
    // 15 successes in a row (more than the limit of 10) are never counted as failures.
    for (let i = 0; i < 15; i++) {
      const res = await token(srv, b);
      expect(res.status).toBe(200);
      expect(res.body.access_token).toEqual(expect.any(String));
    }
    expectThrottled(await token(srv, a), 60);
  });

  it("per address: failures spread over many unknown client ids block a new id from that address; another address still gets tokens", async () => {
    const srv = await server({ AUTH_FAILURES_PER_ADDRESS: 5 });
    const c = await client("C");
    for (let i = 0; i < 5; i++) expectRefused(await token(srv, { id: randomUUID(), secret: "guess" }));
    expectThrottled(await token(srv, { id: randomUUID(), secret: "guess" }), 60);
    expectThrottled(await token(srv, c), 60);
    // 127.0.0.0/8 is all loopback: a second source address without a proxy header (TRUST_PROXY is off).
    const elsewhere = new Agent({ localAddress: "127.0.0.2" });
    cleanups.push(() => elsewhere.destroy());
    const res = await token(srv, c, elsewhere);
    expect(res.status).toBe(200);
    expect(res.body.access_token).toEqual(expect.any(String));
  });

  it("counters live in Redis: failures sent to one replica block the client at another; other clients still get tokens there", async () => {
    const prefix = newPrefix();
    const settings = { QUEUE_PREFIX: prefix, AUTH_FAILURES_PER_CLIENT: 3 };
    const one = await server(settings, { redis: await readyRedis() });
    const two = await server(settings, { redis: await readyRedis() });
    const d = await client("D");
    const e = await client("E");
    for (let i = 0; i < 3; i++) expectRefused(await token(one, wrong(d)));
    expectThrottled(await token(two, d), 60);
    expectThrottled(await token(one, d), 60);
    expect((await token(two, e)).status).toBe(200);
    expect((await token(one, e)).status).toBe(200);

    // The counters are Redis keys under the prefix, named by digests: no client id or address in clear.
    const keys = await scanKeys(prefix);
    expect(keys.length).toBeGreaterThanOrEqual(2);
    expect(keys.every((k) => k.startsWith(`${prefix}:auth-failures:`))).toBe(true);
    expect(keys.join("\n")).not.toContain(d.id);
    expect(keys.join("\n")).not.toContain("127.0.0.1");
  });

  it("with Redis unreachable each process still throttles in memory, and never answers 5xx", async () => {
    const down = new Redis("redis://127.0.0.1:1", {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
    });
    down.on("error", () => undefined);
    cleanups.push(() => down.disconnect());
    const srv = await server({ QUEUE_PREFIX: newPrefix(), AUTH_FAILURES_PER_CLIENT: 3 }, { redis: down });
    const f = await client("F");
    const g = await client("G");
    const answers: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await token(srv, wrong(f));
      answers.push(res.status);
      expectRefused(res);
    }
    const blocked = await token(srv, f);
    answers.push(blocked.status);
    expectThrottled(blocked, 60);
    const other = await token(srv, g);
    answers.push(other.status);
    expect(other.status).toBe(200);
    expect(answers.every((s) => s < 500)).toBe(true);
    expect(down.status).not.toBe("ready");
  });

  it("the window really ends: with a 3 s window the right secret works again after it (memory and Redis)", async () => {
    for (const deps of [{}, { redis: await readyRedis() }]) {
      const srv = await server({ QUEUE_PREFIX: newPrefix(), AUTH_FAILURES_PER_CLIENT: 2, AUTH_FAILURE_WINDOW_SECONDS: 3 }, deps);
      const h = await client("H");
      for (let i = 0; i < 2; i++) expectRefused(await token(srv, wrong(h)));
      const blocked = await token(srv, h);
      expectThrottled(blocked, 3);
      // Poll every 100 ms until the window is over; 30 s is generous even on a loaded machine.
      const started = Date.now();
      let res = blocked;
      while (res.status === 429 && Date.now() - started < 30_000) {
        await new Promise((r) => setTimeout(r, 100));
        res = await token(srv, h);
      }
      expect(res.status).toBe(200);
    }
  });

  it("/oauth/introspect and /oauth/revoke authenticate the client through the same throttle", async () => {
    const srv = await server({ AUTH_FAILURES_PER_CLIENT: 2 });
    const i = await client("I");
    const j = await client("J");
    const jToken = (await token(srv, j)).body.access_token as string;
    const introspect = (c: Creds, tok: string) =>
      request(srv.url).post("/oauth/introspect").auth(c.id, c.secret).type("form").send({ token: tok });
    const revoke = (c: Creds, tok: string) => request(srv.url).post("/oauth/revoke").auth(c.id, c.secret).type("form").send({ token: tok });

    // Failures at the token endpoint block the client at the other two.
    for (let n = 0; n < 2; n++) expectRefused(await token(srv, wrong(i)));
    expectThrottled(await introspect(i, jToken), 60);
    expectThrottled(await revoke(i, jToken), 60);
    // And failures at introspection block the client at the token endpoint.
    const k = await client("K");
    for (let n = 0; n < 2; n++) expectRefused(await introspect(wrong(k), jToken));
    expectThrottled(await token(srv, k), 60);
    expectThrottled(await revoke(k, jToken), 60);

    // The legitimate use beside it: J introspects and revokes its own token.
    const own = await introspect(j, jToken);
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ active: true, client_id: j.id });
    expect((await revoke(j, jToken)).status).toBe(200);
    expect((await introspect(j, jToken)).body).toEqual({ active: false });
  });
});

async function scanKeys(prefix: string): Promise<string[]> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, found] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      keys.push(...found);
      cursor = next;
    } while (cursor !== "0");
    return keys;
  } finally {
    redis.disconnect();
  }
}
