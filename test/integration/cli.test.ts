import { afterAll, describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { runCli, startServeProcess } from "../helpers/serve-process.js";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { dropPrefix } from "../helpers/sync.js";
import { openStore } from "../../src/store/open-store.js";

const repo = resolve(import.meta.dirname, "../..");
const bin = join(repo, "bin/scim-bridge.js");
const dataDir = mkdtempSync(join(tmpdir(), "scim-bridge-cli-"));
const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, LOG_LEVEL: "warn", QUEUE_PREFIX: `cli${process.pid}` };

/** The built command, to completion (runCli's own time limit is only a safety net for a hung process). */
const cli = (...args: string[]) => runCli(env, ...args);
function cliJson<T = Record<string, unknown>>(...args: string[]): T {
  const r = cli(...args, "--json");
  if (r.code !== 0) throw new Error(`scim-bridge ${args.join(" ")} failed (${r.code}): ${r.err}`);
  return JSON.parse(r.out) as T;
}

/** The `scim-bridge` command against the embedded store, as an operator runs it. */
describe("scim-bridge CLI", () => {
  afterAll(async () => {
    await dropPrefix(env.QUEUE_PREFIX);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("migrates, bootstraps an admin and manages clients, roles and tokens", () => {
    if (!existsSync(join(repo, "dist/cli/main.js"))) throw new Error("dist/ is missing: run `npm run build` (npm test does)");
    expect(cli("migrate").code).toBe(0);
    const admin = cliJson<{ id: string; secret: string; roleDivisions: unknown[] }>("admin", "bootstrap");
    expect(admin.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(admin.roleDivisions).toHaveLength(2);

    const role = cliJson<{ id: string; permissions: string[] }>(
      "roles",
      "create",
      "--name",
      "Reader",
      "--permission",
      "directory:user:view",
    );
    expect(role.permissions).toEqual(["directory:user:view"]);
    expect(cli("roles", "list").out).toMatch(/SCIM Integration/);

    const scim = cliJson<{ id: string; secret: string; accessTokenValiditySeconds: number }>(
      "clients",
      "create",
      "--name",
      "okta",
      "--role",
      "SCIM Integration@*",
      "--duration",
      "38880000",
    );
    expect(scim.accessTokenValiditySeconds).toBe(38_880_000);
    expect(cli("clients", "list").out).toMatch(new RegExp(`${scim.id}\\s+okta\\s+CLIENT-CREDENTIALS\\s+38880000`));
    expect(cliJson<{ name: string }>("clients", "show", scim.id).name).toBe("okta");

    // widening through the CLI resets the duration too, and says so
    const upd = cli("clients", "update", scim.id, "--role", "SCIM Integration@*", "--role", "Bridge Admin@*");
    expect(upd.code).toBe(0);
    expect(upd.err).toMatch(/reset from 38880000 to 86400/);
    expect(cliJson<{ accessTokenValiditySeconds: number }>("clients", "show", scim.id).accessTokenValiditySeconds).toBe(86_400);

    const rotated = cliJson<{ secret: string }>("clients", "rotate-secret", scim.id);
    expect(rotated.secret).not.toBe(scim.secret);

    const token = cli("tokens", "issue", scim.id);
    expect(token.code).toBe(0);
    expect(token.out.trim()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cli("tokens", "revoke", token.out.trim()).out).toBe("revoked\n");
    expect(cli("tokens", "revoke", token.out.trim()).out).toMatch(/no such token/);

    expect(cli("clients", "delete", scim.id).code).toBe(0);
    const gone = cli("clients", "show", scim.id);
    expect(gone.code).toBe(1);
    expect(gone.err).toBe(`scim-bridge: client "${scim.id}" not found\n`);
  });

  it("creates preset clients and restores the default roles", () => {
    const ef = cli(
      "clients",
      "create",
      "--name",
      "EF",
      "--preset",
      "embeddable-framework",
      "--region",
      "mypurecloud.ie",
      "--dedicated-login-window",
    );
    expect(ef.code).toBe(0);
    const id = /^([0-9a-f-]{36})\s+EF\s+TOKEN\s+64800/m.exec(ef.out)?.[1];
    expect(id).toBeDefined();
    expect(ef.out).toContain(`framework.js clientIds: {"mypurecloud.ie":"${id}"}`);
    const bad = cli("clients", "create", "--name", "EF2", "--preset", "embeddable-framework", "--region", "nowhere");
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/region: must be a Genesys Cloud region: mypurecloud\.com/);
    const restored = cli("roles", "restore-defaults");
    expect(restored.code).toBe(0);
    expect(restored.out).toMatch(/SCIM Integration\s+scim-integration\s+unchanged/);
  });

  it("cuts off every token of a client: tokens revoke --client ID --all, and rotate-secret --revoke-tokens", () => {
    const c = cliJson<{ id: string; secret: string }>("clients", "create", "--name", "leaky", "--role", "SCIM Integration@*");
    const issue = () => cliJson<{ access_token: string }>("tokens", "issue", c.id).access_token;
    issue();
    issue();
    const all = cli("tokens", "revoke", "--client", c.id, "--all");
    expect(all.code).toBe(0);
    expect(all.out).toBe(`revoked 2 token(s) of client ${c.id}\n`);
    expect(cli("tokens", "revoke", "--client", c.id, "--all").out).toBe(`revoked 0 token(s) of client ${c.id}\n`);
    const half = cli("tokens", "revoke", "--client", c.id);
    expect(half.code).toBe(1);
    expect(half.err).toMatch(/--client ID --all/);

    const one = issue();
    const rotated = cliJson<{ secret: string; tokensRevoked: number }>("clients", "rotate-secret", c.id, "--revoke-tokens");
    expect(rotated.tokensRevoked).toBe(1);
    expect(rotated.secret).not.toBe(c.secret);
    expect(cli("tokens", "revoke", one).out).toMatch(/no such token/);
  });

  it("fails with one line and a non-zero code on bad input", () => {
    const bad = cli("clients", "create", "--name", "x", "--duration", "10");
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^scim-bridge: accessTokenValiditySeconds: must be 300\.\.172800/);
    const role = cli("clients", "create", "--name", "x", "--role", "Nope");
    expect(role.err).toMatch(/unknown role "Nope"/);
    const conf = spawnSync(process.execPath, [bin, "migrate"], { env: { ...env, PORT: "eighty" }, encoding: "utf8" });
    expect(conf.status).toBe(1);
    expect(conf.stderr).toMatch(/PORT: .*"eighty"/);
  });

  it("stops on SIGTERM even when Redis is unreachable (workers are closed by force after the grace period)", async () => {
    const server = await startServeProcess({ ...env, REDIS_URL: "redis://127.0.0.1:1" });
    try {
      expect(await server.stop()).toBe(0);
      expect(server.log()).toMatch(/closing them by force/);
      expect(server.log()).toMatch(/"msg":"stopped"/);
    } finally {
      await server.stop();
    }
  });

  it("serves, refuses a second process on the same embedded store, and stops cleanly on SIGTERM", async () => {
    const server = await startServeProcess(env);
    try {
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      const second = cli("clients", "list");
      expect(second.code).toBe(1);
      expect(second.err).toMatch(/in use by process \d+/);
      expect(await server.stop()).toBe(0);
      expect(server.log()).toMatch(/"msg":"stopped"/);
    } finally {
      await server.stop();
    }
    expect(existsSync(join(dataDir, "scim-bridge.pid"))).toBe(false);
    // the store is intact and free again
    expect(cli("clients", "list").code).toBe(0);
  });

  it("shows, lists, retries and resyncs the sync state from the store: sync status|list|retry|resync", async () => {
    const store = await openStore({ DATABASE_URL: "", DATA_DIR: dataDir });
    try {
      await store.query("delete from sync_state");
      // a user whose sync failed for good, and a deletion that did
      const [home] = await store.query<{ id: string }>("select id from divisions where home");
      await store.query(
        `insert into scim_users(id, user_name, user_name_lc, division_id, version, resource, created_at, last_modified)
         values ('cli-u1', 'cli-u1@example.com', 'cli-u1@example.com', $1, 1, '{}'::jsonb, now(), now())`,
        [home!.id],
      );
      await store.query(
        `insert into sync_state(resource_type, resource_id, state, target_id, last_error)
         values ('User', 'cli-u1', 'failed', 't1', '400 bad title'), ('User', 'cli-gone', 'failed', 't2', '403 denied')`,
      );
    } finally {
      await store.close();
    }
    const status = cliJson<{ users: Record<string, number> }>("sync", "status");
    expect(status.users).toEqual({ synced: 0, pending: 0, failed: 2 });
    expect(cli("sync", "status").out).toMatch(/User\s+0\s+0\s+2/);
    const failed = cliJson<{ entities: Array<{ type: string; id: string; lastError: string }>; total: number }>(
      "sync",
      "list",
      "--state",
      "failed",
    );
    expect(failed.total).toBe(2);
    expect(failed.entities.map((e) => e.id)).toEqual(["cli-gone", "cli-u1"]);
    expect(cli("sync", "list", "--state", "failed", "--type", "User").out).toMatch(/cli-u1\s+failed.*400 bad title/);
    expect(cli("sync", "list", "--state", "done").err).toMatch(/^scim-bridge: state: must be failed, pending or synced/);
    expect(cli("sync", "retry").err).toMatch(/--all, or --type User\|Group --id ID/);
    expect(cli("sync", "retry", "--type", "Robot", "--id", "x").err).toMatch(/type: must be "User" or "Group"/);
    expect(cli("sync", "retry", "--type", "User", "--id", "nobody").err).toMatch(/user "nobody" not found/);

    expect(cli("sync", "retry", "--type", "User", "--id", "cli-u1").out).toBe("retried 1 resource(s)\n");
    expect(cli("sync", "retry", "--all").out).toBe("retried 1 resource(s)\n");
    expect(cliJson<{ users: Record<string, number> }>("sync", "status").users).toEqual({ synced: 0, pending: 2, failed: 0 });
    expect(cliJson<{ resynced: number }>("sync", "resync", "--type", "User").resynced).toBe(2);
    // Redis away: one line, nothing changed
    const away = runCli({ ...env, REDIS_URL: "redis://127.0.0.1:1" }, "sync", "retry", "--all");
    expect(away.code).toBe(1);
    expect(away.err).toMatch(/Redis at redis:\/\/127\.0\.0\.1:1 is unreachable/);
  });
});
