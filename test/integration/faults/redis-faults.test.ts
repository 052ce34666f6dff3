import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { openTestStore, type TestStore } from "../../helpers/store.js";
import { startTestServer, type StartedServer } from "../../helpers/server.js";
import { bootstrapAdmin, LogCapture } from "../../helpers/app.js";
import { scimClient, USER_SCHEMA } from "../../helpers/scim.js";
import { dropPrefix, ScratchRedis, sparePort, waitUntil } from "../../helpers/sync.js";
import { runCli, startServeProcess, type ServeProcess } from "../../helpers/serve-process.js";
import { createQueues, type SyncQueues } from "../../../src/sync/queues.js";
import { redisConnection } from "../../../src/sync/runtime.js";
import { RedisHealth } from "../../../src/sync/redis-health.js";
import { redactUrl } from "../../../src/log/redact-url.js";
import { createLogger } from "../../../src/log/logger.js";
import { loadConfig } from "../../../src/config/config.js";
import { startServer, type RunningServer } from "../../../src/server.js";

const PASSWORD = "s3cret";

/** True once `p` resolves; false when it rejects or `ms` pass first (closing clients of a Redis that may be gone). */
function atMost(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    t.unref();
    p.then(
      () => resolve(true),
      () => resolve(false),
    ).finally(() => clearTimeout(t));
  });
}

/** Waits (bounded) until every queue's connection answers: BullMQ's queue connections reconnect a second or more after Redis returns. */
async function queuesReachable(queues: SyncQueues): Promise<void> {
  await waitUntil(
    async () =>
      (
        await Promise.all(
          [queues.user, queues.group, queues.divisions].map((q) =>
            q.getJobCounts().then(
              () => true,
              () => false,
            ),
          ),
        )
      ).every(Boolean),
    "the queues to reach Redis",
    60_000,
  ).catch(() => undefined);
}

/** Closes the queues; when that fails (Redis unreachable), disconnects them so that no client keeps retrying. */
async function closeQueues(queues: SyncQueues): Promise<void> {
  await queuesReachable(queues);
  if (await atMost(queues.close(), 10_000)) return;
  await Promise.all([queues.user, queues.group, queues.divisions].map((q) => atMost(q.disconnect(), 2_000)));
}

interface LogLine {
  level: number;
  msg: string;
  redis?: string;
}
const parsed = (capture: LogCapture): LogLine[] => capture.lines.map((l) => JSON.parse(l) as LogLine);

describe("the app while Redis is stopped", () => {
  let ts: TestStore;
  let redisServer: ScratchRedis;
  let queues: SyncQueues;
  let redis: Redis;
  let srv: StartedServer;
  let adminToken: string;
  let scimToken: string;
  const prefix = `rf${randomBytes(5).toString("hex")}`;

  const token = async (c: { id: string; secret: string }) => {
    const res = await fetch(`${srv.url}/oauth/token`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${c.id}:${c.secret}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "grant_type=client_credentials",
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  };
  const asAdmin = (path: string, method = "GET") =>
    fetch(`${srv.url}${path}`, { method, headers: { authorization: `Bearer ${adminToken}` } });

  beforeAll(async () => {
    ts = await openTestStore();
    redisServer = new ScratchRedis(await sparePort(), PASSWORD);
    await redisServer.start();
    queues = createQueues(redisConnection(redisServer.url, false), prefix);
    redis = new Redis(redisServer.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    srv = await startTestServer(ts.store, { REDIS_URL: redisServer.url, QUEUE_PREFIX: prefix }, { redis, queues });
    adminToken = await token(await bootstrapAdmin(ts.store));
    scimToken = await token(await scimClient(ts.store));
  });
  afterAll(async () => {
    await srv?.close();
    await redisServer?.start().catch(() => undefined); // queues close cleanly against a running Redis
    if (queues) await closeQueues(queues);
    redis?.disconnect();
    await redisServer?.stop();
    await ts?.close();
  });

  it("answers from Redis while it runs", async () => {
    await waitUntil(async () => redis.status === "ready", "the app's Redis connection to be ready");
    expect((await asAdmin("/admin/v1/jobs/failed")).status).toBe(200);
    expect((await asAdmin("/admin/queues/api/queues")).status).toBe(200);
    const ready = await fetch(`${srv.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { status: string }).status).toBe("ready");
  });

  it("answers the jobs endpoints and the dashboard 503 redis_unavailable, stays ready (degraded) and takes SCIM writes", async () => {
    await redisServer.stop();
    await waitUntil(async () => redis.status !== "ready", "the app to see Redis gone");
    const label = redactUrl(redisServer.url);
    expect(label).toBe(`redis://default:***@127.0.0.1:${redisServer.port}`);

    for (const [method, path] of [
      ["GET", "/admin/v1/jobs/failed"],
      ["POST", "/admin/v1/jobs/sync-user:1/retry"],
      ["GET", "/admin/queues/api/queues"],
    ] as const) {
      // completing at all is the point: no hang on a Redis that is gone
      const res = await asAdmin(path, method);
      const text = await res.text();
      expect({ path, status: res.status }).toEqual({ path, status: 503 });
      const body = JSON.parse(text) as { error?: string; message?: string };
      expect(body.error).toBe("redis_unavailable");
      expect(body.message).toContain(`127.0.0.1:${redisServer.port}`);
      expect(text).not.toContain(PASSWORD);
    }

    const ready = await fetch(`${srv.url}/readyz`);
    const readyText = await ready.text();
    const readyBody = JSON.parse(readyText) as { status: string; checks: Record<string, string> };
    expect(ready.status).toBe(200);
    expect(readyBody.status).toBe("degraded");
    expect(readyBody.checks.store).toBe("ok");
    expect(readyBody.checks.redis).toContain(`127.0.0.1:${redisServer.port}`);
    expect(readyText).not.toContain(PASSWORD);

    const created = await fetch(`${srv.url}/scim/v2/Users`, {
      method: "POST",
      headers: { authorization: `Bearer ${scimToken}`, "content-type": "application/scim+json" },
      body: JSON.stringify({ schemas: [USER_SCHEMA], userName: "during-outage@example.com", displayName: "During outage" }),
    });
    expect(created.status).toBe(201);

    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    expect(metrics).toMatch(/^scim_bridge_redis_up 0$/m);
    const depth = /^scim_bridge_outbox_depth (\S+)$/m.exec(metrics);
    expect(depth).not.toBeNull();
    expect(Number(depth![1])).toBeGreaterThanOrEqual(1);
    expect(srv.logs.text).not.toContain(PASSWORD);
  });
});

describe("RedisHealth: one line when Redis is lost, one when it is back", () => {
  let redisServer: ScratchRedis;
  let client: Redis;
  let health: RedisHealth;
  const capture = new LogCapture();

  beforeAll(async () => {
    redisServer = new ScratchRedis(await sparePort(), PASSWORD);
    await redisServer.start();
  });
  afterAll(async () => {
    health?.close();
    client?.disconnect();
    await redisServer?.stop();
  });

  it("logs the loss once however often the client retries, and the return once, without the password", async () => {
    client = new Redis(redisServer.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    let reconnecting = 0;
    client.on("reconnecting", () => reconnecting++);
    client.on("error", () => undefined);
    health = new RedisHealth(client, createLogger("info", capture), redactUrl(redisServer.url));
    let backCalls = 0;
    health.whenBack(() => backCalls++);
    await waitUntil(async () => client.status === "ready", "the client to connect");
    expect(health.up).toBe(true);
    expect(parsed(capture).filter((l) => /redis/i.test(l.msg))).toEqual([]);

    await redisServer.stop();
    await waitUntil(async () => reconnecting >= 5, "the client to try reconnecting 5 times");
    expect(health.up).toBe(false);
    const warns = parsed(capture).filter((l) => l.level === 40 && /redis/i.test(l.msg));
    expect(warns).toHaveLength(1);
    expect(warns[0]!.redis).toBe(`redis://default:***@127.0.0.1:${redisServer.port}`);

    await redisServer.start();
    await waitUntil(async () => parsed(capture).some((l) => l.msg === "Redis is back"), "the 'Redis is back' line");
    await waitUntil(async () => client.status === "ready", "the client to be ready again");
    const lines = parsed(capture).filter((l) => /redis/i.test(l.msg));
    expect(lines.filter((l) => l.msg === "Redis is back")).toHaveLength(1);
    expect(lines.filter((l) => l.level === 40)).toHaveLength(1);
    expect(lines.find((l) => l.msg === "Redis is back")!.redis).toBe(`redis://default:***@127.0.0.1:${redisServer.port}`);
    expect(backCalls).toBe(1);
    expect(capture.text).not.toContain(PASSWORD);
  });
});

describe("the division-sync schedule after Redis comes back empty", () => {
  let scratch: ScratchRedis;
  let running: RunningServer | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), "scim-bridge-redis-faults-"));
  const prefix = `rf${randomBytes(5).toString("hex")}`;
  const capture = new LogCapture();

  beforeAll(async () => {
    scratch = new ScratchRedis(await sparePort());
    await scratch.start();
  });
  afterAll(async () => {
    await scratch?.start().catch(() => undefined); // the server's workers and queues close cleanly against a running Redis
    if (running?.sync) await queuesReachable(running.sync.queues);
    await running?.stop().catch(async () => {
      // stop() gave up half-way: release what can be reached from here
      for (const w of running!.sync!.workers) await atMost(w.disconnect(), 2_000);
      await closeQueues(running!.sync!.queues);
      await running!.store.close().catch(() => undefined);
    });
    await dropPrefix(prefix, scratch.url).catch(() => undefined);
    await scratch?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const scheduled = async () => {
    try {
      return (await running!.sync!.queues.divisions.getJobSchedulers()).some((s) => s.key === "divisions-sync");
    } catch {
      return false; // Redis not (yet) answering
    }
  };

  it("registers the schedule again", async () => {
    const config = loadConfig(
      {},
      { DATA_DIR: dataDir, PORT: 0, HOST: "127.0.0.1", REDIS_URL: scratch.url, QUEUE_PREFIX: prefix, LOG_LEVEL: "silent" },
    );
    running = await startServer(config, { api: true, worker: true }, createLogger("info", capture));
    await waitUntil(scheduled, "the divisions-sync scheduler to be registered");

    await scratch.stop();
    await scratch.start(); // empty: no persistence
    await waitUntil(async () => capture.lines.some((l) => l.includes('"msg":"Redis is back"')), "the server to see Redis back");
    // Redis answers again (the line above): registering is one command once the queue connection is back
    // (BullMQ's backoff, seconds). 30 s is a safety net well beyond that, kept shorter than the default
    // so that the failure below costs less.
    const again = await waitUntil(scheduled, "the divisions-sync scheduler to be registered again", 30_000).then(
      () => true,
      () => false,
    );
    const failures = parsed(capture)
      .filter((l) => /could not schedule/.test(l.msg))
      .map((l) => `${l.msg}: ${(l as LogLine & { err?: string }).err}`);
    expect({ again, failures }).toEqual({ again: true, failures: [] });
  });
});

describe("`scim-bridge serve` stopped while Redis is down", () => {
  let scratch: ScratchRedis;
  let serve: ServeProcess | undefined;
  const dataDir = mkdtempSync(join(tmpdir(), "scim-bridge-redis-faults-serve-"));

  beforeAll(async () => {
    scratch = new ScratchRedis(await sparePort());
    await scratch.start();
  });
  afterAll(async () => {
    await serve?.stop();
    await scratch?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("finishes its shutdown: closes the store and logs it stopped", async () => {
    serve = await startServeProcess(
      { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, REDIS_URL: scratch.url, QUEUE_PREFIX: `rfserve${process.pid}` },
      ["--api-only"],
    );
    expect(existsSync(join(dataDir, "scim-bridge.pid"))).toBe(true);
    // readiness is the store's; Redis is reported in the body: wait until this bridge has seen Redis up
    await waitUntil(
      async () => ((await (await fetch(`${serve!.url}/readyz`)).json()) as { checks?: { redis?: string } }).checks?.redis === "ok",
      "the served bridge to reach Redis",
    );
    await scratch.stop();
    await waitUntil(async () => serve!.log().includes("Redis lost"), "the served bridge to see Redis gone");
    await serve.stop(); // SIGTERM; resolves on exit
    expect({ stopped: serve.log().includes('"msg":"stopped"'), pidFileLeft: existsSync(join(dataDir, "scim-bridge.pid")) }).toEqual({
      stopped: true,
      pidFileLeft: false,
    });
  });
});

describe("`scim-bridge jobs failed` without Redis", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "scim-bridge-redis-faults-cli-"));
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("exits 1 with one line naming Redis", async () => {
    const port = await sparePort(); // nothing listens there
    const r = runCli(
      {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATA_DIR: dataDir,
        REDIS_URL: `redis://default:${PASSWORD}@127.0.0.1:${port}`,
        QUEUE_PREFIX: `rfcli${process.pid}`,
        LOG_LEVEL: "warn",
      },
      "jobs",
      "failed",
    );
    expect(r.code).toBe(1);
    const lines = r.err.split("\n").filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Redis/);
    expect(lines[0]).toContain(`127.0.0.1:${port}`);
    expect(r.err + r.out).not.toContain(PASSWORD);
  });
});
