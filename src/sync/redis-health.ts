import { DomainError } from "../errors/domain-error.js";
import { Redis } from "ioredis";
import { redactUrl } from "../log/redact-url.js";
import type { Logger } from "../log/logger.js";

/**
 * Watches one Redis connection and tells when Redis is lost and when it is back: one log line each,
 * however often the clients retry meanwhile, and callbacks for what must be redone on return (the
 * division-sync schedule lives in Redis and is gone if Redis came back empty).
 */
export class RedisHealth {
  private state: "unknown" | "up" | "down" | "closed" = "unknown";
  private readonly onBack: Array<() => void> = [];

  constructor(
    readonly client: Redis,
    private readonly logger: Logger,
    readonly label: string,
  ) {
    client.on("ready", () => {
      if (this.state === "closed") return;
      const was = this.state;
      this.state = "up";
      if (was === "down") {
        this.logger.info({ category: "sync", redis: this.label }, "Redis is back");
        for (const fn of this.onBack) fn();
      }
    });
    const lost = (err?: Error) => {
      if (this.state === "down" || this.state === "closed") return;
      const was = this.state;
      this.state = "down";
      this.logger.warn(
        { category: "sync", redis: this.label, err: err?.message },
        was === "unknown"
          ? "Redis is unreachable; SCIM writes wait in the outbox until it answers"
          : "Redis lost; SCIM writes wait in the outbox until it is back",
      );
    };
    client.on("error", lost);
    client.on("close", () => lost());
  }

  /**
   * A connection of its own, for readiness and for the admin API's quick "is Redis there" check: no
   * offline queue and one retry per command, so that nothing waits for a Redis that is away.
   */
  static watch(url: string, logger: Logger): RedisHealth {
    const client = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    const health = new RedisHealth(client, logger, redactUrl(url));
    client.connect().catch(() => undefined);
    return health;
  }

  /** Stops watching and drops the connection. */
  disconnect(): void {
    this.close();
    this.client.disconnect();
  }

  get up(): boolean {
    return this.client.status === "ready";
  }

  /** Before the process disconnects on purpose: that is no loss to report. */
  close(): void {
    this.state = "closed";
  }

  /** Runs `fn` every time Redis comes back after a loss. */
  whenBack(fn: () => void): void {
    this.onBack.push(fn);
  }
}

/** Seconds a client is asked to wait (Retry-After) when Redis does not answer. */
export const REDIS_RETRY_AFTER_SECONDS = 5;

/** Redis does not answer in time: the caller answers 503; SCIM writes do not need Redis. */
export function redisUnavailableError(label: string): DomainError {
  return DomainError.unavailable(
    "redis_unavailable",
    `Redis at ${label} is unreachable or did not answer in time; SCIM writes still succeed and wait in the outbox`,
    {
      retryAfterSeconds: REDIS_RETRY_AFTER_SECONDS,
    },
  );
}

/** How long a request waits for Redis before answering 503. */
export const REDIS_ANSWER_MS = 2_000;

/**
 * `work` against Redis, bounded: BullMQ waits for its connection indefinitely while Redis is down, so
 * a caller that must answer (an HTTP request, a CLI command) gives up after REDIS_ANSWER_MS.
 */
export async function withinRedisDeadline<T>(label: string, work: () => Promise<T>, ms = REDIS_ANSWER_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(redisUnavailableError(label)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
