/**
 * What every benchmark section shares: settings from the environment, the warm-up-then-measure step,
 * progress lines on stderr, Ctrl-C handling, and the markdown helpers of the report.
 */
import { execFileSync } from "node:child_process";
import { runLoad, stopCurrent, type LoadResult, type LoadSpec } from "./load.js";
import type { ServerHandle } from "./worker.js";

export function positive(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return raw && Number.isFinite(n) && n > 0 ? n : fallback;
}

/** Connections of every "under load" run. */
export const CONNECTIONS = positive(process.env.BENCH_CONNECTIONS, 10);

export const log = (msg: string): void => {
  process.stderr.write(`[bench] ${msg}\n`);
};

let interrupted = false;
export const wasInterrupted = (): boolean => interrupted;
process.on("SIGINT", () => {
  interrupted = true;
  stopCurrent();
});

/** A warm-up run (discarded: lets the JIT and the store's caches settle), then the measured run. */
export async function measure(label: string, spec: LoadSpec, warmupSeconds: number): Promise<LoadResult> {
  if (interrupted) throw new Error("interrupted");
  log(`${label}: warm-up ${warmupSeconds} s, then ${spec.seconds} s at ${spec.connections} connection(s)`);
  if (warmupSeconds > 0) await runLoad({ ...spec, seconds: warmupSeconds });
  const r = await runLoad(spec);
  if (interrupted) throw new Error("interrupted");
  const bad = r.bad
    ? ` (${
        Object.entries(r.badStatuses)
          .map(([s, n]) => `${n}× ${s}`)
          .join(", ") || "socket errors or timeouts"
      })`
    : "";
  log(`${label}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms, bad ${r.bad}${bad}`);
  return r;
}

/** One token for the bench client (client credentials, HTTP Basic). */
export async function issueToken(s: ServerHandle): Promise<string> {
  const res = await fetch(s.tokenUrl, {
    method: "POST",
    headers: { authorization: basicAuth(s), "content-type": "application/x-www-form-urlencoded" },
    body: "grant_type=client_credentials",
  });
  if (res.status !== 200) throw new Error(`token request answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export function basicAuth(s: ServerHandle): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(s.clientId)}:${encodeURIComponent(s.secret)}`).toString("base64")}`;
}

// ---------------------------------------------------------------------------------------------------
// Markdown

export const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : "n/a");
export const ms4 = (v: number): string => (Number.isFinite(v) ? v.toFixed(4) : "n/a");
export const int = (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString("en-US") : "n/a");
export const signed = (v: number): string => `${v >= 0 ? "+" : ""}${v.toFixed(3)}`;
export const ratio = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(2)}×` : "n/a");
export const seconds = (msValue: number): string => `${(msValue / 1000).toFixed(1)} s`;

export function table(head: string[], rows: string[][], alignRight = true): string {
  const align = head.map((_, i) => (i === 0 || !alignRight ? "---" : "---:"));
  return [head, align, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

export function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
}

/** `PostgreSQL 15.20 (Debian ...) on x86_64...` → `PostgreSQL 15.20 (Debian ...)`. */
export function shortVersion(version: string): string {
  return version.replace(/ on .*$/, "").replace(/,.*$/, "");
}

/** The commit the working tree is at, and whether it has uncommitted changes. */
export function commitLabel(): string {
  const commit = sh("git", ["rev-parse", "--short", "HEAD"]);
  const dirty = sh("git", ["status", "--porcelain"]) !== "";
  return commit ? `${commit}${dirty ? " (with uncommitted changes in the working tree)" : ""}` : "unknown";
}
