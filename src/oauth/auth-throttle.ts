import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from "rate-limiter-flexible";

export interface ThrottleLimits {
  /** Failed client authentications allowed per client id in one window. */
  perClient: number;
  /** Failed client authentications allowed per source address in one window. */
  perAddress: number;
  windowSeconds: number;
}

/**
 * Counts failed client authentications (a wrong secret, an unknown id) per client id and per source
 * address, and says when either has had too many in the current window. The counters live in Redis,
 * so every replica sees the same ones; while Redis is unreachable each process counts in memory.
 * Successful authentications are not counted.
 */
export class AuthThrottle {
  private readonly byClient: RateLimiterAbstract;
  private readonly byAddress: RateLimiterAbstract;

  constructor(
    private readonly limits: ThrottleLimits,
    redis: Redis | null | undefined,
    keyPrefix: string,
  ) {
    const make = (points: number, name: string): RateLimiterAbstract => {
      const opts = { points, duration: limits.windowSeconds, keyPrefix: `${keyPrefix}:${name}` };
      const memory = new RateLimiterMemory(opts);
      return redis ? new RateLimiterRedis({ ...opts, storeClient: redis, rejectIfRedisNotReady: true, insuranceLimiter: memory }) : memory;
    };
    this.byClient = make(limits.perClient, "client");
    this.byAddress = make(limits.perAddress, "address");
  }

  /** A client id is attacker-chosen text: only its digest becomes a key. */
  private static key(s: string): string {
    return createHash("sha256").update(s).digest("base64url").slice(0, 32);
  }

  /** Seconds until a new attempt is let through, or 0 when it may proceed now. */
  async retryAfter(clientId: string | undefined, address: string): Promise<number> {
    const checks: Array<[RateLimiterAbstract, string, number]> = [[this.byAddress, AuthThrottle.key(address), this.limits.perAddress]];
    if (clientId) checks.push([this.byClient, AuthThrottle.key(clientId), this.limits.perClient]);
    let wait = 0;
    for (const [limiter, key, points] of checks) {
      const res = await limiter.get(key).catch(() => null);
      if (res && res.consumedPoints >= points) wait = Math.max(wait, Math.ceil(res.msBeforeNext / 1000));
    }
    return wait;
  }

  /** Records one failed authentication. */
  async failed(clientId: string | undefined, address: string): Promise<void> {
    // `penalty` adds points without rejecting: the count goes on rising while an attack lasts
    await this.byAddress.penalty(AuthThrottle.key(address)).catch(() => undefined);
    if (clientId) await this.byClient.penalty(AuthThrottle.key(clientId)).catch(() => undefined);
  }
}
