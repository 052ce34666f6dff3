import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO, runCli, startServeProcess, type ServeProcess } from "../../helpers/serve-process.js";
import { dropPrefix } from "../../helpers/sync.js";

/** The attack of the report, against `scim-bridge serve` as an operator runs it (embedded store). */
describe("a served bridge under prototype-pollution attacks", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "scim-bridge-hostile-"));
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATA_DIR: dataDir,
    QUEUE_PREFIX: `hostile${process.pid}`,
    LOG_LEVEL: "info",
  };
  let server: ServeProcess | undefined;
  let noRoles: { id: string; secret: string };

  beforeAll(async () => {
    expect(runCli(env, "migrate").code).toBe(0);
    const made = runCli(env, "clients", "create", "--name", "no roles", "--json");
    expect(made.code).toBe(0);
    noRoles = JSON.parse(made.out) as { id: string; secret: string };
    server = await startServeProcess(env);
  });
  afterAll(async () => {
    await server?.stop();
    await dropPrefix(env.QUEUE_PREFIX);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("a client with no roles cannot take the process down through attribute paths", async () => {
    const basic = Buffer.from(`${noRoles.id}:${noRoles.secret}`).toString("base64");
    const tokenRes = await fetch(`${server!.url}/oauth/token`, {
      method: "POST",
      headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials",
    });
    expect(tokenRes.status).toBe(200);
    const token = ((await tokenRes.json()) as { access_token: string }).access_token;
    for (const q of [
      "attributes=name.__proto__.x",
      "excludedAttributes=name.constructor.prototype.y",
      "filter=name.__proto__.z%20eq%20%221%22",
    ]) {
      const res = await fetch(`${server!.url}/scim/v2/Users?${q}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(400);
    }
    // the legitimate use beside it: the same client is refused for lack of rights, not crashed
    expect(
      (await fetch(`${server!.url}/scim/v2/Users?attributes=name.familyName`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(403);
    expect((await fetch(`${server!.url}/healthz`)).status).toBe(200);
    expect(server!.child.exitCode).toBeNull();
    expect(server!.log()).not.toContain(token);
  });

  it("the process hardens the shared prototypes: even SCIMMY's own parser, called directly, cannot pollute them", () => {
    const script = `
      const { hardenPrototypes } = await import(${JSON.stringify(join(REPO, "dist/http/hostile-input.js"))});
      const { default: SCIMMY } = await import("scimmy");
      hardenPrototypes();
      for (const f of ['name.__proto__.polluted eq "1"', 'name.constructor.prototype.polluted eq "1"']) {
        try { new SCIMMY.Types.Filter(f); } catch {}
      }
      process.stdout.write(JSON.stringify({ polluted: ({}).polluted ?? null, own: Object.getOwnPropertyNames(Object.prototype).includes("polluted") }));
    `;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: REPO, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({ polluted: null, own: false });
  });
});
