import { afterAll, describe, expect, it } from "@jest/globals";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { dropPrefix } from "../helpers/sync.js";

const repo = resolve(import.meta.dirname, "../..");

function quickstartBlock(): string {
  const readme = readFileSync(join(repo, "README.md"), "utf8");
  const m = /<!-- quickstart:begin -->\s*```bash\n([\s\S]*?)```\s*<!-- quickstart:end -->/.exec(readme);
  if (!m) throw new Error("README.md has no quickstart block");
  return m[1]!;
}

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** A newcomer's run of the README quick start, word for word, in a scratch copy of the checkout. */
describe("README quick start", () => {
  const dir = mkdtempSync(join(tmpdir(), "scim-bridge-quickstart-"));
  let pid = 0;
  afterAll(async () => {
    await dropPrefix(`quickstart${process.pid}`);
    if (pid) {
      try {
        process.kill(-pid, "SIGTERM");
      } catch {
        /* already gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("bootstraps an admin, creates a SCIM client and gets its 450-day token", async () => {
    if (!existsSync(join(repo, "dist/cli/main.js"))) throw new Error("dist/ is missing: run `npm run build` (npm test does)");
    for (const entry of ["bin", "dist", "config", "migrations", "node_modules", "package.json"])
      symlinkSync(join(repo, entry), join(dir, entry));
    const script = `set -euo pipefail\n${quickstartBlock()}`;
    const port = await freePort();
    // A queue prefix of its own: other bridges may share this Redis.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      LOG_LEVEL: "warn",
      QUEUE_PREFIX: `quickstart${process.pid}`,
    };
    const child = spawn("bash", ["-c", script], { cwd: dir, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    pid = child.pid!;
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((res) => child.on("exit", res));
    expect({ code, err }).toEqual({ code: 0, err: "" });
    const token = JSON.parse(out.trim().split("\n").pop()!) as { access_token: string; token_type: string; expires_in: number };
    expect(token).toEqual({ access_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), token_type: "Bearer", expires_in: 38_880_000 });
    const client = JSON.parse(readFileSync(join(dir, "scim-client.json"), "utf8")) as { name: string; accessTokenValiditySeconds: number };
    expect(client).toMatchObject({ name: "Entra ID provisioning", accessTokenValiditySeconds: 38_880_000 });
    // the server it started really runs on the embedded store in ./data
    expect(existsSync(join(dir, "data", "PG_VERSION"))).toBe(true);
    const ready = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(ready.status).toBe(200);
  });
});
