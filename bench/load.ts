/**
 * autocannon, driven programmatically. autocannon's own latency histogram keeps whole milliseconds,
 * too coarse for sub-millisecond differences, so every response time (a float from process.hrtime)
 * is also collected here through the instance's `response` event and the percentiles are computed
 * from those samples.
 */
import { createRequire } from "node:module";
import type { EventEmitter } from "node:events";

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** One request as autocannon builds it; `setupRequest` may rewrite it before every send. */
interface AutocannonRequest {
  method?: Method;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (req: AutocannonRequest) => AutocannonRequest;
}

interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  method?: Method;
  headers?: Record<string, string>;
  body?: string;
  requests?: AutocannonRequest[];
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
  method?: Method;
  headers?: Record<string, string>;
  body?: string;
  /**
   * Called before every request (through autocannon's `setupRequest`): the path (from the server's
   * root, with its query string) and body of that request. Without it every request is `url` + `body`.
   */
  next?: () => { path: string; body?: string };
}

export interface LoadResult {
  /** Completed 2xx responses per second over the run. */
  rps: number;
  ok: number;
  /** Non-2xx responses, socket errors and timeouts: all should be 0. */
  bad: number;
  /** How many responses of each non-2xx status there were (to say what went wrong). */
  badStatuses: Record<string, number>;
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
    const badStatuses: Record<string, number> = {};
    const method = spec.method ?? "GET";
    const next = spec.next;
    const requests: AutocannonRequest[] | undefined = next
      ? [{ method, headers: spec.headers, setupRequest: (req) => ({ ...req, ...next() }) }]
      : undefined;
    const instance = autocannon(
      { url: spec.url, connections: spec.connections, duration: spec.seconds, method, headers: spec.headers, body: spec.body, requests },
      (err, result) => {
        current = null;
        if (err) return reject(err);
        const sorted = Float64Array.from(samples).sort();
        const sum = samples.reduce((a, b) => a + b, 0);
        resolve({
          rps: result["2xx"] / result.duration,
          ok: result["2xx"],
          bad: result.non2xx + result.errors + result.timeouts,
          badStatuses,
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
      else badStatuses[status] = (badStatuses[status] ?? 0) + 1;
    });
  });
}
