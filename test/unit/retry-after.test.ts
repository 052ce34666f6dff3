import { describe, expect, it } from "@jest/globals";
import { retryAfterMs } from "../../src/sync/targets/retry-after.js";

/** A fixed "now": Wed, 21 Oct 2015 07:28:00 GMT. */
const NOW = Date.UTC(2015, 9, 21, 7, 28, 0);

describe("retryAfterMs: Retry-After in seconds", () => {
  it.each<[string, string, number]>([
    ["an integer", "120", 120_000],
    ["one second", "1", 1_000],
    ["zero: retry now", "0", 0],
    ["a large value", "86400", 86_400_000],
    ["a fraction, to the millisecond", "1.5", 1_500],
    ["a fraction is rounded up to a whole millisecond", "2.0004", 2_001],
    ["a tiny fraction waits at least a millisecond", "0.0001", 1],
    ["leading zeros", "007", 7_000],
  ])("%s: %j -> %d ms", (_label, value, ms) => {
    expect(retryAfterMs(new Headers({ "retry-after": value }), NOW)).toBe(ms);
  });

  it("reads the header name in any case", () => {
    expect(retryAfterMs(new Headers({ "Retry-After": "7" }), NOW)).toBe(7_000);
  });

  it("does not depend on now for seconds", () => {
    expect(retryAfterMs(new Headers({ "retry-after": "5" }), 0)).toBe(5_000);
    expect(retryAfterMs(new Headers({ "retry-after": "5" }), NOW)).toBe(5_000);
  });
});

describe("retryAfterMs: Retry-After as an HTTP date", () => {
  it.each<[string, string, number]>([
    ["30 seconds from now", "Wed, 21 Oct 2015 07:28:30 GMT", 30_000],
    ["an hour from now", "Wed, 21 Oct 2015 08:28:00 GMT", 3_600_000],
    ["a day from now", "Thu, 22 Oct 2015 07:28:00 GMT", 86_400_000],
    ["exactly now: 0", "Wed, 21 Oct 2015 07:28:00 GMT", 0],
    ["a second ago: 0, never negative", "Wed, 21 Oct 2015 07:27:59 GMT", 0],
    ["years ago: 0", "Sun, 06 Nov 1994 08:49:37 GMT", 0],
  ])("%s: %j -> %d ms", (_label, value, ms) => {
    expect(retryAfterMs(new Headers({ "retry-after": value }), NOW)).toBe(ms);
  });
});

describe("retryAfterMs: inin-ratelimit-reset and the default", () => {
  it.each<[string, Record<string, string>, number]>([
    ["inin-ratelimit-reset when there is no Retry-After", { "inin-ratelimit-reset": "30" }, 30_000],
    ["inin-ratelimit-reset zero", { "inin-ratelimit-reset": "0" }, 0],
    ["Retry-After wins over inin-ratelimit-reset", { "retry-after": "5", "inin-ratelimit-reset": "30" }, 5_000],
    ["Retry-After zero still wins", { "retry-after": "0", "inin-ratelimit-reset": "30" }, 0],
    ["neither: a minute", {}, 60_000],
    ["neither, other rate-limit headers only: a minute", { "inin-ratelimit-count": "300", "inin-ratelimit-allowed": "300" }, 60_000],
    ["garbage Retry-After: a minute", { "retry-after": "soon" }, 60_000],
    ["Retry-After with trailing text: a minute", { "retry-after": "12abc" }, 60_000],
    ["Retry-After Infinity: a minute", { "retry-after": "Infinity" }, 60_000],
    ["garbage inin-ratelimit-reset: a minute", { "inin-ratelimit-reset": "later" }, 60_000],
  ])("%s", (_label, headers, ms) => {
    expect(retryAfterMs(new Headers(headers), NOW)).toBe(ms);
  });

  // BUG: a value that is neither delta-seconds nor an HTTP date (RFC 9110 §10.2.3) should give the
  // default minute, but what Number() refuses goes to Date.parse, which in V8 reads "-5" as May 2001,
  // "garbage 2" as February 2001 and "1.5.3" as January 2003: dates in the past, so 0 (retry at once,
  // straight into the rate limit again). An empty header is Number("") = 0: also 0.
  it.each<[string, string]>([
    ["a negative number", "-5"],
    ["minus one", "-1"],
    ["text ending in a number", "garbage 2"],
    ["a dotted version-like value", "1.5.3"],
    ["an empty value", ""],
  ])("BUG: garbage Retry-After gives a minute, not 0: %s (%j)", (_label, value) => {
    expect(retryAfterMs(new Headers({ "retry-after": value }), NOW)).toBe(60_000);
  });

  // BUG: an unusable Retry-After hides a usable inin-ratelimit-reset: the header is chosen with `??`
  // before it is parsed, so the documented order ("Retry-After, else inin-ratelimit-reset, else a
  // minute") falls straight through to the minute.
  it("BUG: an unusable Retry-After falls back to inin-ratelimit-reset", () => {
    expect(retryAfterMs(new Headers({ "retry-after": "soon", "inin-ratelimit-reset": "30" }), NOW)).toBe(30_000);
  });
});
