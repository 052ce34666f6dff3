import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { RedisPacer } from "../../../src/sync/targets/pacer.js";
import { REDIS_URL, dropPrefix } from "../../helpers/sync.js";

/**
 * The shared pacing budget, on real Redis: slots as the rate says, shared by every pacer of one
 * budget, separate per budget, held by a 429, and limits learnt from inin-ratelimit headers. The waits
 * are recorded instead of slept, so the schedule is asserted, not the clock.
 */
describe("pacing Genesys calls through a budget in Redis", () => {
  const prefix = `t${randomBytes(5).toString("hex")}`;
  let a: Redis;
  let b: Redis;

  beforeAll(() => {
    a = new Redis(REDIS_URL);
    b = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    a.disconnect();
    b.disconnect();
    await dropPrefix(prefix);
  });

  /**
   * Pacers whose sleeps are recorded: each take's slot is when it was told its wait plus the wait. A
   * pacer keeps nothing of its own (the budget is in Redis), so each take gets one, to tell the takes apart.
   */
  function recording(redis: Redis, budget: string, perMinute: number) {
    const slots: number[] = [];
    /** The wait each take was told (0: none), independent of how long Redis took to answer on a busy machine. */
    const waits: number[] = [];
    const make = (onSleep: (ms: number) => void) => new RedisPacer(redis, { perMinute, budget, prefix, sleep: async (ms) => onSleep(ms) });
    return {
      pacer: make(() => undefined),
      slots,
      waits,
      async take() {
        let slot: number | null = null;
        let wait = 0;
        await make((ms) => {
          wait = ms;
          slot = Date.now() + ms;
        }).take();
        slots.push(slot ?? Date.now());
        waits.push(wait);
      },
    };
  }

  it("spaces calls 60 s / (limit × 0.95) apart after a burst of 3 % of the limit, across two connections sharing the budget", async () => {
    const perMinute = 600;
    const interval = 60_000 / (perMinute * 0.95); // 105.3 ms
    const burst = Math.floor(perMinute * 0.03); // 18 slots
    const one = recording(a, "shared", perMinute);
    const two = recording(b, "shared", perMinute);
    await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? one : two).take()));
    const slots = [...one.slots, ...two.slots].sort((x, y) => x - y);
    expect(slots).toHaveLength(60);
    const first = slots[0]!;
    // never faster than the rate once the burst is spent ...
    for (let i = burst + 1; i < slots.length; i++) expect(slots[i]! - first).toBeGreaterThanOrEqual((i - burst - 1) * interval - 50);
    // ... and no slower: the 60th call is due within one interval of where the rate puts it
    expect(slots.at(-1)! - first).toBeLessThanOrEqual((60 - burst) * interval + 250);
  });

  it("keeps budgets apart: another Genesys client's first call waits for nobody", async () => {
    const busy = recording(a, "busy-client", 60);
    await Promise.all(Array.from({ length: 10 }, () => busy.take()));
    expect(Math.max(...busy.slots) - Date.now()).toBeGreaterThan(5_000); // 60 a minute: the 10th is seconds away
    const other = recording(b, "quiet-client", 60);
    await other.take();
    expect(other.waits[0]).toBe(0);
  });

  it("a 429's Retry-After holds every pacer of the budget until then", async () => {
    const one = recording(a, "held", 6000);
    const two = recording(b, "held", 6000);
    await one.pacer.hold(1_500);
    const asked = Date.now();
    await two.take();
    expect(two.slots[0]! - asked).toBeGreaterThanOrEqual(1_400);
  });

  it("learns the limit from inin-ratelimit-allowed, and a spent window from -count and -reset", async () => {
    const p = recording(a, "learnt", 6000);
    await p.pacer.observe(new Headers({ "inin-ratelimit-allowed": "60", "inin-ratelimit-count": "3", "inin-ratelimit-reset": "40" }));
    await Promise.all(Array.from({ length: 5 }, () => p.take()));
    // 60 a minute (not 6000): 1,053 ms apart after a burst of one slot
    expect(Math.max(...p.slots) - Math.min(...p.slots)).toBeGreaterThanOrEqual(3 * 1_053 - 50);

    const spent = recording(b, "spent", 6000);
    await spent.pacer.observe(new Headers({ "inin-ratelimit-allowed": "300", "inin-ratelimit-count": "300", "inin-ratelimit-reset": "2" }));
    const asked = Date.now();
    await spent.take();
    expect(spent.slots[0]! - asked).toBeGreaterThanOrEqual(1_900);
  });

  it("ignores answers without the headers (Genesys has not sent them since 2021) and headers that are not numbers", async () => {
    const p = recording(a, "headerless", 6000);
    await p.pacer.observe(new Headers({}));
    await p.pacer.observe(new Headers({ "inin-ratelimit-allowed": "lots", "inin-ratelimit-count": "-1", "inin-ratelimit-reset": "soon" }));
    await p.take();
    expect(p.waits[0]).toBe(0);
  });
});
