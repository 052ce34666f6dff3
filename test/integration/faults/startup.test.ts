import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, REPO } from "../../helpers/serve-process.js";
import { dropPrefix, waitUntil } from "../../helpers/sync.js";

/** Start-up and signals of the built command, on the embedded store (pglite project only). */

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // a zombie (exited, not yet reaped by its parent) still answers kill(0)
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

describe("`scim-bridge serve` on a port already in use", () => {
  let holder: Server;
  let port: number;
  const dataDir = mkdtempSync(join(tmpdir(), "scim-bridge-startup-port-"));

  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    port = (holder.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => holder.close(() => resolve()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("exits non-zero naming the port, and never says it listens", async () => {
    const child = spawn(process.execPath, [BIN, "serve"], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATA_DIR: dataDir,
        PORT: String(port),
        HOST: "127.0.0.1",
        LOG_LEVEL: "info",
        QUEUE_PREFIX: `startup${process.pid}`,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (code, signal) => resolve({ code, signal })),
    );
    try {
      await waitUntil(async () => child.exitCode !== null || child.signalCode !== null, "serve to exit");
      const { code, signal } = await exited;
      expect(signal).toBeNull();
      expect(code).not.toBeNull();
      expect(code).not.toBe(0);
      expect(err).toContain(`port ${port}`);
      expect(err).toContain("already in use");
      expect(out + err).not.toContain("scim-bridge listening");
      // start-up failed cleanly: the embedded store was closed (its lock released)
      expect(existsSync(join(dataDir, "scim-bridge.pid"))).toBe(false);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
    }
  });
});

describe("`npm start`", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "scim-bridge-startup-npm-"));
  const prefix = `startupnpm${process.pid}`;
  afterAll(async () => {
    await dropPrefix(prefix).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("forwards SIGTERM to the server, which shuts down in order", async () => {
    // its own process group, so that `finally` can end npm, the build and the server together
    const npm = spawn("npm", ["start"], {
      cwd: REPO,
      detached: true,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATA_DIR: dataDir,
        PORT: "0",
        HOST: "127.0.0.1",
        LOG_LEVEL: "info",
        QUEUE_PREFIX: prefix,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let log = "";
    npm.stdout.on("data", (d: Buffer) => (log += d.toString()));
    npm.stderr.on("data", (d: Buffer) => (log += d.toString()));
    const npmExited = new Promise<void>((resolve) => npm.once("exit", () => resolve()));
    let serverPid: number | undefined;
    try {
      // `prestart` builds first: generous
      await waitUntil(
        async () => log.includes("scim-bridge listening") || npm.exitCode !== null,
        "`npm start` to build and listen",
        240_000,
      );
      expect(log).toContain("scim-bridge listening");

      const children = execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(npm.pid)], { encoding: "utf8" })
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l.includes("bin/scim-bridge.js serve"));
      expect(children).toHaveLength(1); // `exec node`: no shell left between npm and the server
      serverPid = Number(children[0]!.split(/\s+/)[0]);
      expect(serverPid).toBeGreaterThan(0);

      npm.kill("SIGTERM"); // npm alone: it must pass the signal on
      await waitUntil(async () => !alive(serverPid!), "the server process to exit");
      await waitUntil(async () => npm.exitCode !== null || npm.signalCode !== null, "npm to exit");
      expect(log).toContain('"msg":"stopped"');
    } finally {
      for (const pid of [serverPid, npm.pid]) {
        if (pid === undefined) continue;
        try {
          process.kill(pid === npm.pid ? -pid : pid, "SIGKILL");
        } catch {
          /* gone */
        }
      }
      if (npm.exitCode === null && npm.signalCode === null) await npmExited;
    }
  });
});
