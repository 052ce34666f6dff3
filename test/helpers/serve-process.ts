import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dirname, "../..");
export const BIN = join(REPO, "bin/scim-bridge.js");

/** Runs the built `scim-bridge` command to completion. */
export function runCli(env: NodeJS.ProcessEnv, ...args: string[]): { code: number | null; out: string; err: string } {
  // The limit is a safety net against a hung command, generous for a loaded machine; never a measure.
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: "utf8", timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  url: string;
  /** Everything it wrote to stdout and stderr so far. */
  log(): string;
  /** SIGTERM, then SIGKILL if it has not exited 30 s later; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * `scim-bridge serve` as a separate process on a free port; resolves once it logs where it listens
 * (an event, not a fixed wait). Callers stop it in `afterAll`/`finally`, whether the test passed or not.
 */
export async function startServeProcess(env: NodeJS.ProcessEnv, args: string[] = []): Promise<ServeProcess> {
  // LOG_LEVEL info at least: the "listening" line is what tells that it is up
  const child = spawn(process.execPath, [BIN, "serve", ...args], {
    env: { PORT: "0", HOST: "127.0.0.1", ...env, LOG_LEVEL: "info" },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((res) => child.once("exit", (code) => res(code)));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  try {
    const url = await new Promise<string>((res, rej) => {
      // A safety net, not a measure: far beyond a start-up on a loaded machine, and short of the test's
      // own limit, so that the process is stopped here rather than left running by a timed-out test.
      const limit = setTimeout(() => rej(new Error(`serve did not say it was listening within 120 s:\n${out}`)), 120_000);
      const check = () => {
        const m = /"url":"(http:[^"]+)"/.exec(out);
        if (m) {
          clearTimeout(limit);
          res(m[1]!);
        }
      };
      child.stdout.on("data", check);
      exited.then((code) => {
        clearTimeout(limit);
        rej(new Error(`serve exited with ${code} before listening:\n${out}`));
      });
      check();
    });
    return { child, url, log: () => out, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
