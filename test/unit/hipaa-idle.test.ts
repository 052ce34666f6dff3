import { describe, expect, it } from "@jest/globals";
import { HIPAA_IDLE_SECONDS, idleRisk, idledOut } from "../../src/oauth/hipaa-idle.js";

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const s = (seconds: number) => seconds * 1000;

describe("HIPAA_IDLE_SECONDS", () => {
  it("is Genesys Cloud's 15 minutes", () => {
    expect(HIPAA_IDLE_SECONDS).toBe(900);
  });
});

describe("idledOut", () => {
  it.each<[string, boolean, number, number, boolean]>([
    ["used just now", true, T0, T0, false],
    ["idle 899.999 s", true, T0, T0 + 899_999, false],
    ["idle exactly 900 s: still valid", true, T0, T0 + s(900), false],
    ["idle 900.001 s: idled out", true, T0, T0 + 900_001, true],
    ["idle 901 s", true, T0, T0 + s(901), true],
    ["idle a day", true, T0, T0 + s(86_400), true],
    ["last use after now (clock skew): not idle", true, T0 + s(5), T0, false],
    ["hipaa off: never idles out, 900.001 s", false, T0, T0 + 900_001, false],
    ["hipaa off: never idles out, a year", false, T0, T0 + s(31_536_000), false],
    ["hipaa off, used just now", false, T0, T0, false],
  ])("%s", (_label, hipaa, lastUsedAtMs, nowMs, expected) => {
    expect(idledOut(hipaa, lastUsedAtMs, nowMs)).toBe(expected);
  });
});

describe("idleRisk", () => {
  type Use = { issuedAtMs: number; lastUsedAtMs: number; uses: number };
  type Risk = { idleSeconds: number; gapSeconds: number | null; atRisk: boolean };
  it.each<[string, Use, number, Risk]>([
    [
      "never used: no gap, idle since issue below the limit",
      { issuedAtMs: T0, lastUsedAtMs: T0, uses: 0 },
      T0 + s(600),
      { idleSeconds: 600, gapSeconds: null, atRisk: false },
    ],
    [
      "never used: idle past the limit",
      { issuedAtMs: T0, lastUsedAtMs: T0, uses: 0 },
      T0 + s(901),
      { idleSeconds: 901, gapSeconds: null, atRisk: true },
    ],
    [
      "used every 60 s",
      { issuedAtMs: T0, lastUsedAtMs: T0 + s(600), uses: 10 },
      T0 + s(630),
      { idleSeconds: 30, gapSeconds: 60, atRisk: false },
    ],
    [
      "one use 300 s after issue",
      { issuedAtMs: T0, lastUsedAtMs: T0 + s(300), uses: 1 },
      T0 + s(300),
      { idleSeconds: 0, gapSeconds: 300, atRisk: false },
    ],
    [
      "average gap exactly 900 s: not at risk",
      { issuedAtMs: T0, lastUsedAtMs: T0 + s(1800), uses: 2 },
      T0 + s(1800),
      { idleSeconds: 0, gapSeconds: 900, atRisk: false },
    ],
    [
      "average gap 900.001 s: at risk",
      { issuedAtMs: T0, lastUsedAtMs: T0 + 1_800_002, uses: 2 },
      T0 + 1_800_002,
      { idleSeconds: 0, gapSeconds: 900.001, atRisk: true },
    ],
    [
      "used once an hour: at risk though used just now",
      { issuedAtMs: T0, lastUsedAtMs: T0 + s(7200), uses: 2 },
      T0 + s(7200),
      { idleSeconds: 0, gapSeconds: 3600, atRisk: true },
    ],
    [
      "idle exactly 900 s: not at risk",
      { issuedAtMs: T0, lastUsedAtMs: T0 + s(60), uses: 1 },
      T0 + s(960),
      { idleSeconds: 900, gapSeconds: 60, atRisk: false },
    ],
    [
      "idle 900.001 s: at risk",
      { issuedAtMs: T0, lastUsedAtMs: T0 + s(60), uses: 1 },
      T0 + s(60) + 900_001,
      { idleSeconds: 900.001, gapSeconds: 60, atRisk: true },
    ],
    [
      "frequent uses but idle since: at risk",
      { issuedAtMs: T0, lastUsedAtMs: T0 + s(100), uses: 100 },
      T0 + s(1100),
      { idleSeconds: 1000, gapSeconds: 1, atRisk: true },
    ],
  ])("%s", (_label, use, nowMs, expected) => {
    expect(idleRisk(use, nowMs)).toEqual(expected);
  });

  it("agrees with idledOut on idleness when the gap is small", () => {
    for (const idleMs of [0, 899_999, 900_000, 900_001, 1_000_000]) {
      const use = { issuedAtMs: T0 - s(60), lastUsedAtMs: T0, uses: 60 };
      expect(idleRisk(use, T0 + idleMs).atRisk).toBe(idledOut(true, T0, T0 + idleMs));
    }
  });
});
