import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import type { Store } from "../../src/store/store.js";
import type { DirectoryTarget } from "../../src/sync/targets/target.js";
import { startSyncRuntime, type SyncRuntime } from "../../src/sync/runtime.js";
import { createLogger } from "../../src/log/logger.js";

export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** Workers, relay and sweep against real Redis, under a queue prefix of this test's own. */
export async function startTestSync(
  store: Store,
  target: DirectoryTarget,
  opts: {
    redisUrl?: string;
    concurrency?: number;
    prefix?: string;
    sweepIntervalMs?: number;
    debounceMs?: number;
    retryCapMs?: number;
    grantableRoles?: ReadonlySet<string>;
  } = {},
): Promise<SyncRuntime & { prefix: string }> {
  const prefix = opts.prefix ?? `t${randomBytes(5).toString("hex")}`;
  const runtime = await startSyncRuntime(store, target, createLogger("silent"), {
    redisUrl: opts.redisUrl ?? REDIS_URL,
    prefix,
    concurrency: opts.concurrency ?? 4,
    relayIntervalMs: 20,
    sweepIntervalMs: opts.sweepIntervalMs ?? 60_000,
    divisionSyncIntervalMs: 3_600_000,
    lockDurationMs: 2_000,
    debounceMs: opts.debounceMs ?? 100,
    // tests see transient faults recover in seconds, not minutes
    retryCapMs: opts.retryCapMs ?? 2_000,
    grantableRoles: opts.grantableRoles,
  });
  return { ...runtime, prefix };
}

/** Deletes every key of a test's queues. */
export async function dropPrefix(prefix: string, redisUrl = REDIS_URL): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

/** Polls a condition (the pipeline's state lives in the store) until it holds or the time is up. */
export async function waitUntil<T>(check: () => Promise<T | false | null | undefined>, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Every SCIM user and group applied at its current version, and no deletion outstanding. */
export async function allSynced(store: Store): Promise<boolean> {
  const [r] = await store.query<{ n: number }>(
    `select (select count(*) from outbox)
          + (select count(*) from scim_users u left join sync_state s on s.resource_type = 'User' and s.resource_id = u.id where s.synced_version is distinct from u.version or s.state <> 'synced')
          + (select count(*) from scim_groups g left join sync_state s on s.resource_type = 'Group' and s.resource_id = g.id where s.synced_version is distinct from g.version or s.state <> 'synced')
          + (select count(*) from sync_state s where s.state <> 'synced' or (not s.deleted and s.resource_type = 'User' and not exists (select 1 from scim_users u where u.id = s.resource_id)))
       as n`,
  );
  return Number(r?.n) === 0;
}

/** A redis-server of the test's own on a spare port, to stop and start during a test. */
export class ScratchRedis {
  private proc: ChildProcess | null = null;
  /** With a password, Redis requires AUTH (`--requirepass`) and the URL carries it. */
  constructor(
    readonly port: number,
    readonly password?: string,
  ) {}
  get url(): string {
    return `redis://${this.password ? `default:${this.password}@` : ""}127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    if (this.proc) return;
    const { spawn } = await import("node:child_process");
    const auth = this.password ? ["--requirepass", this.password] : [];
    this.proc = spawn("redis-server", ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...auth], {
      stdio: "ignore",
    });
    await waitUntil(
      async () => {
        const r = new Redis(this.url, { maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null });
        try {
          await r.connect();
          return (await r.ping()) === "PONG";
        } catch {
          return false;
        } finally {
          r.disconnect();
        }
      },
      `redis-server on ${this.port}`,
      60_000,
    );
  }
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p) return;
    this.proc = null;
    if (p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once("exit", r));
    p.kill("SIGKILL");
    await exited;
  }
}

export async function sparePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
