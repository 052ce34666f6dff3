import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * Paces the calls of every worker sharing a Genesys client under the API's rate limit, so that a
 * backlog runs at the limit instead of into 429s (docs/genesys-platform-api.md, "Rate limits").
 */
export interface Pacer {
  /** Waits for this call's slot. */
  take(): Promise<void>;
  /**
   * Learns from an answer's `inin-ratelimit-*` headers, when there are any: the limit in force, and a
   * window already spent. (Genesys stopped sending them in 2021; older or private deployments may.)
   */
  observe(headers: Headers): Promise<void>;
  /** A 429 said when to come back: nobody sharing the budget calls before then. */
  hold(ms: number): Promise<void>;
}

export interface PacerOptions {
  /** Calls a minute until Genesys says otherwise (`inin-ratelimit-allowed`). */
  perMinute: number;
  /** The share of the limit used (the rest absorbs windows that do not line up with Genesys's). Default 0.95. */
  utilisation?: number;
  /** The budget's name in Redis: the Genesys client (every process using it shares one budget). */
  budget: string;
  prefix: string;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * A generic cell rate algorithm (GCRA) with reservations, in one Redis script so that processes share
 * it: each call gets the next free slot, `60 s / (limit × utilisation)` after the previous one, with a
 * small burst allowance (3 % of the limit) and never before a hold (a window Genesys said was spent).
 * Redis's clock is used, so the processes' clocks need not agree. Answers the milliseconds to wait.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(redis.call('GET', KEYS[2]) or ARGV[1])
local interval = 60000 / (limit * tonumber(ARGV[2]))
local burst = math.floor(limit * 0.03) * interval
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
local hold = tonumber(redis.call('GET', KEYS[3]) or 0)
local base = math.max(tat, now)
local at = math.max(base - burst, now, hold)
local next_tat = math.max(base, at) + interval
redis.call('SET', KEYS[1], tostring(next_tat), 'PX', math.ceil(next_tat - now) + 60000)
return math.ceil(at - now)
`;

/** Records the limit Genesys announces and, when its window is spent, holds every call until it resets. */
const OBSERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local allowed = tonumber(ARGV[1])
if allowed and allowed > 0 then redis.call('SET', KEYS[2], ARGV[1], 'PX', 3600000) end
local count = tonumber(ARGV[2])
local reset = tonumber(ARGV[3])
if allowed and count and reset and count >= allowed then
  redis.call('SET', KEYS[3], tostring(now + reset * 1000), 'PX', reset * 1000 + 1000)
end
return 0
`;

/** Holds every call until `now + ARGV[1]` ms, unless a later hold is already set. */
const HOLD = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ms = now + tonumber(ARGV[1])
local hold = tonumber(redis.call('GET', KEYS[1]) or 0)
if until_ms > hold then redis.call('SET', KEYS[1], tostring(until_ms), 'PX', tonumber(ARGV[1]) + 1000) end
return 0
`;

function header(headers: Headers, name: string): string {
  const v = headers.get(name);
  return v !== null && /^\d+$/.test(v.trim()) ? v.trim() : "";
}

export class RedisPacer implements Pacer {
  private readonly keys: [string, string, string];
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly redis: Redis,
    private readonly opts: PacerOptions,
  ) {
    // the budget is hashed: a client id is not secret, but keys stay short and uniform
    const name = createHash("sha256").update(opts.budget).digest("hex").slice(0, 16);
    const base = `${opts.prefix}:genesys-pace:${name}`;
    this.keys = [`${base}:tat`, `${base}:limit`, `${base}:hold`];
    this.sleep = opts.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async take(): Promise<void> {
    const wait = Number(await this.redis.eval(RESERVE, 3, ...this.keys, this.opts.perMinute, this.opts.utilisation ?? 0.95));
    if (wait > 0) await this.sleep(wait);
  }

  async observe(headers: Headers): Promise<void> {
    const allowed = header(headers, "inin-ratelimit-allowed");
    if (!allowed) return;
    await this.redis.eval(
      OBSERVE,
      3,
      ...this.keys,
      allowed,
      header(headers, "inin-ratelimit-count"),
      header(headers, "inin-ratelimit-reset"),
    );
  }

  async hold(ms: number): Promise<void> {
    if (ms > 0) await this.redis.eval(HOLD, 1, this.keys[2], Math.ceil(ms));
  }
}
