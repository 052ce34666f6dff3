/**
 * autocannon, driven programmatically. autocannon's own latency histogram keeps whole milliseconds,
 * too coarse for sub-millisecond differences, so every response time (a float from process.hrtime)
 * is also collected here through the instance's `response` event and the percentiles are computed
 * from those samples.
 */
import { createRequire } from "node:module";
import type { EventEmitter } from "node:events";

interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
}

interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  "2xx": number;
  requests: { average: number; total: number };
  latency: { p50: number; p97_5: number; p99: number };
}

type Autocannon = (opts: AutocannonOptions, cb: (err: Error | null, result: AutocannonResult) => void) => EventEmitter & { stop(): void };

// autocannon ships no type declarations; loading it through require keeps the typing local to this file.
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

export interface LoadSpec {
  url: string;
  connections: number;
  seconds: number;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  /** Completed 2xx responses per second over the run. */
  rps: number;
  ok: number;
  /** Non-2xx responses, socket errors and timeouts: all should be 0. */
  bad: number;
  seconds: number;
  /** Milliseconds, nearest-rank over every 2xx response of the run. */
  p50: number;
  p975: number;
  p99: number;
  mean: number;
  /** autocannon's own (whole-millisecond) p50, kept for comparison. */
  acP50: number;
}

let current: { stop(): void } | null = null;

/** Stops the run in progress (Ctrl-C); it then resolves with what it has. */
export function stopCurrent(): void {
  current?.stop();
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const samples: number[] = [];
    const instance = autocannon(
      { url: spec.url, connections: spec.connections, duration: spec.seconds, method: spec.method ?? "GET", headers: spec.headers, body: spec.body },
      (err, result) => {
        current = null;
        if (err) return reject(err);
        const sorted = Float64Array.from(samples).sort();
        const sum = samples.reduce((a, b) => a + b, 0);
        resolve({
          rps: result["2xx"] / result.duration,
          ok: result["2xx"],
          bad: result.non2xx + result.errors + result.timeouts,
          seconds: result.duration,
          p50: percentile(sorted, 50),
          p975: percentile(sorted, 97.5),
          p99: percentile(sorted, 99),
          mean: samples.length ? sum / samples.length : Number.NaN,
          acP50: result.latency.p50,
        });
      },
    );
    current = instance;
    instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) samples.push(ms);
    });
  });
}
