import { userInfo } from "node:os";
import type { Config } from "../config/config.js";
import type { Clock } from "../clock.js";
import type { Store } from "../store/store.js";
import type { SystemActor } from "../authz/principal.js";
import { openStore, prepareStore } from "../store/open-store.js";
import { seedDefaults } from "../authz/roles.js";
import { redactUrl } from "../log/redact-url.js";
import { withinRedisDeadline } from "../sync/redis-health.js";
import { createQueues, type SyncQueues } from "../sync/queues.js";
import type { RedisBound } from "../sync/sync-operations.js";
import { redisConnection } from "../sync/runtime.js";

/** What every command group is given: the configuration, the time, who acts, and the store and queues it works on. */
export interface CliContext {
  /** Loads the configuration when a command runs (not when the program is built). */
  config: () => Config;
  clock: Clock;
  /** The clock's time, as the services that take a `Date` want it. */
  now: () => Date;
  /** The operator: a system actor named after the OS user. */
  actor: () => SystemActor;
  /** Opens the configured store (migrated and seeded), runs `fn` with the migrations it applied, always closes it. */
  withStore: <T>(fn: (store: Store, applied: readonly string[]) => Promise<T>) => Promise<T>;
  /** Opens the sync queues on the configured Redis, runs `fn` within the Redis deadline, always closes them. */
  withQueues: <T>(fn: (queues: SyncQueues) => Promise<T>) => Promise<T>;
  /**
   * withQueues for work longer than one deadline (a full resync): `fn` bounds each of its Redis steps
   * with `bounded` rather than being bounded as a whole.
   */
  withQueueSteps: <T>(fn: (queues: SyncQueues, bounded: RedisBound) => Promise<T>) => Promise<T>;
}

function operator(): SystemActor {
  let name = "cli";
  try {
    name = `cli:${userInfo().username}`;
  } catch {
    /* no passwd entry in some containers */
  }
  return { kind: "system", name };
}

export function createContext(config: () => Config, clock: Clock): CliContext {
  const now = () => new Date(clock());
  const withQueueSteps: CliContext["withQueueSteps"] = async (fn) => {
    const cfg = config();
    const queues = createQueues(redisConnection(cfg.REDIS_URL, false), cfg.QUEUE_PREFIX);
    const label = redactUrl(cfg.REDIS_URL);
    try {
      // BullMQ waits for its connection as long as Redis is down: an operator gets an answer in seconds
      return await fn(queues, (work) => withinRedisDeadline(label, work));
    } finally {
      await withinRedisDeadline(label, () => queues.close()).catch(() => undefined);
    }
  };
  return {
    config,
    clock,
    now,
    actor: operator,
    async withStore(fn) {
      const store = await openStore(config());
      try {
        const applied = await prepareStore(store, (tx) => seedDefaults(tx, now()));
        return await fn(store, applied);
      } finally {
        await store.close();
      }
    },
    withQueueSteps,
    withQueues: (fn) => withQueueSteps((queues, bounded) => bounded(() => fn(queues))),
  };
}
