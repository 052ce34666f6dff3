import { describe, expect, it } from "@jest/globals";
import { DEFAULT_RETRY_CAP_MS, retryDelayMs } from "../../src/sync/sync-worker.js";

describe("the wait between attempts of a job failing transiently", () => {
  it.each([
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [8, 128_000],
    [9, 256_000],
    [10, 300_000],
    [50, 300_000],
    [10_000, 300_000],
  ])("after %i attempt(s): at most %i ms with the default cap", (attemptsMade, full) => {
    expect(retryDelayMs(attemptsMade, DEFAULT_RETRY_CAP_MS, () => 1)).toBe(full);
    expect(retryDelayMs(attemptsMade, DEFAULT_RETRY_CAP_MS, () => 0)).toBe(full / 2);
  });

  it("never exceeds a smaller cap, and never waits less than half of it once reached", () => {
    for (let n = 1; n < 100; n++) {
      const d = retryDelayMs(n, 2_000);
      expect(d).toBeLessThanOrEqual(2_000);
      if (n >= 3) expect(d).toBeGreaterThanOrEqual(1_000);
    }
  });
});
