import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import * as oidc from "openid-client";
import { startFakeGenesys, type FakeGenesys } from "../fakes/genesys/index.js";
import { GenesysTarget, type GenesysTargetOptions } from "../../src/sync/targets/genesys-target.js";
import { TargetError } from "../../src/sync/target-error.js";
import type { CallContext, DirectoryTarget } from "../../src/sync/targets/target.js";

/**
 * The fake Genesys Cloud against docs/genesys-platform-api.md, driven by plain fetch, by openid-client configured as
 * src/sync/targets/genesys-target.ts configures it, and by GenesysTarget itself.
 */

const ctx: CallContext = { resourceType: "User", resourceId: "scim-user" };
/** Used through the interface the workers use. */
const genesysTarget = (o: GenesysTargetOptions): DirectoryTarget => new GenesysTarget(o);

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
  headers: Headers;
}

async function tokenOf(fake: FakeGenesys): Promise<string> {
  const res = await fetch(`${fake.loginUrl}/oauth/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString("base64")}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: "grant_type=client_credentials",
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

function caller(fake: FakeGenesys, getToken: () => string) {
  return async (method: string, path: string, body?: unknown, token: string | null = getToken()): Promise<Answer> => {
    const headers: Record<string, string> = { accept: "application/json" };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${fake.apiUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, text, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
}

function expectGenesysError(a: Answer, status: number, code: string): void {
  expect(a.status).toBe(status);
  expect(Object.keys(a.body)).toEqual(
    expect.arrayContaining(["message", "code", "status", "messageWithParams", "messageParams", "contextId", "details", "errors"]),
  );
  expect(a.body.code).toBe(code);
  expect(a.body.status).toBe(status);
  expect(a.headers.get("ININ-Correlation-Id")).toBe(a.body.contextId);
}

async function targetError(p: Promise<unknown>): Promise<TargetError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof TargetError) return err;
    throw err;
  }
  throw new Error("expected a TargetError");
}

describe("fake Genesys Cloud: login", () => {
  let fake: FakeGenesys;
  beforeAll(async () => {
    fake = await startFakeGenesys({ tokenTtlSeconds: 900 });
  });
  afterAll(() => fake.close());

  it("issues a client-credentials token to openid-client configured like GenesysTarget (HTTP Basic)", async () => {
    const config = new oidc.Configuration(
      { issuer: fake.loginUrl, token_endpoint: `${fake.loginUrl}/oauth/token` },
      fake.clientId,
      undefined,
      oidc.ClientSecretBasic(fake.clientSecret),
    );
    oidc.allowInsecureRequests(config);
    const t = await oidc.clientCredentialsGrant(config);
    expect(t.token_type).toBe("bearer");
    expect(t.expires_in).toBe(900);
    const last = fake.calls.at(-1)!;
    expect(last).toMatchObject({ method: "POST", path: "/oauth/token", status: 200, body: { grant_type: "client_credentials" } });
  });

  it("refuses a wrong secret, and credentials sent in the form instead of HTTP Basic, with 401 bad.credentials", async () => {
    const bad = await fetch(`${fake.loginUrl}/oauth/token`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${fake.clientId}:nope`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "grant_type=client_credentials",
    });
    expect(bad.status).toBe(401);
    const body = (await bad.json()) as { code: string; error: string; contextId: string };
    expect(body.code).toBe("bad.credentials");
    expect(body.error).toBe("invalid_client");
    expect(bad.headers.get("inin-correlation-id")).toBe(body.contextId);

    const post = await fetch(`${fake.loginUrl}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: fake.clientId,
        client_secret: fake.clientSecret,
      }).toString(),
    });
    expect(post.status).toBe(401);
    expect(fake.calls.at(-1)!.body).toEqual({ grant_type: "client_credentials", client_id: fake.clientId }); // the secret is not logged
  });

  it("makes GenesysTarget fail permanently on refused credentials and transiently while login is down", async () => {
    const wrong = genesysTarget({ ...fake.targetOptions(), clientSecret: "wrong" });
    const e = await targetError(wrong.listDivisions(ctx));
    expect(e.kind).toBe("permanent");
    expect(e.status).toBe(401);

    fake.faults.loginErrors(1, 503);
    const down = await targetError(genesysTarget(fake.targetOptions()).listDivisions(ctx));
    expect(down.kind).toBe("transient");
  });
});

describe("fake Genesys Cloud: Platform API", () => {
  let fake: FakeGenesys;
  let token: string;
  let call: ReturnType<typeof caller>;
  let target: DirectoryTarget;

  beforeAll(async () => {
    fake = await startFakeGenesys();
    token = await tokenOf(fake);
    call = caller(fake, () => token);
    target = genesysTarget(fake.targetOptions());
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.faults.reset());

  describe("errors and headers", () => {
    it("answers 401 authentication.required without a token, in the documented error body", async () => {
      const a = await call("GET", "/api/v2/authorization/divisions/home", undefined, null);
      expectGenesysError(a, 401, "authentication.required");
      const b = await call("GET", "/api/v2/authorization/divisions/home", undefined, "not-a-token");
      expectGenesysError(b, 401, "authentication.required");
    });

    it("carries inin-ratelimit-allowed/count/reset on every response, counting per token", async () => {
      const fresh = await tokenOf(fake);
      const a = await call("GET", "/api/v2/authorization/divisions/home", undefined, fresh);
      const b = await call("GET", "/api/v2/users/nobody", undefined, fresh);
      for (const r of [a, b]) {
        expect(r.headers.get("inin-ratelimit-allowed")).toBe("300");
        expect(Number(r.headers.get("inin-ratelimit-reset"))).toBeGreaterThan(0);
      }
      expect(a.headers.get("inin-ratelimit-count")).toBe("1");
      expect(b.headers.get("inin-ratelimit-count")).toBe("2");
      expectGenesysError(b, 404, "not.found");
    });
  });

  describe("users", () => {
    it("creates a user: name and email required, home division when no divisionId, employerInfo only with expand", async () => {
      expectGenesysError(await call("POST", "/api/v2/users", { email: "noname@example.com" }), 400, "bad.request");
      expectGenesysError(await call("POST", "/api/v2/users", { name: "No Mail" }), 400, "bad.request");

      const home = (await call("GET", "/api/v2/authorization/divisions/home")).body;
      expect(home.homeDivision).toBe(true);
      const created = await call("POST", "/api/v2/users", { name: "Ada Lovelace", email: "ada@example.com", title: "Analyst" });
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({
        name: "Ada Lovelace",
        email: "ada@example.com",
        state: "active",
        version: 1,
        title: "Analyst",
        division: { id: home.id },
      });
      const id = created.body.id as string;

      const patched = await call("PATCH", `/api/v2/users/${id}`, {
        version: 1,
        employerInfo: { employeeId: "E-1", dateHire: "2024-02-01" },
      });
      expect(patched.status).toBe(200);
      expect(patched.body.version).toBe(2);
      expect((await call("GET", `/api/v2/users/${id}`)).body.employerInfo).toBeUndefined();
      expect((await call("GET", `/api/v2/users/${id}?expand=employerInfo`)).body.employerInfo).toEqual({
        employeeId: "E-1",
        dateHire: "2024-02-01",
      });

      const viaTarget = await target.getUser(ctx, id);
      expect(viaTarget).toMatchObject({ id, version: 2, employerInfo: { employeeId: "E-1" } });
      expect(await target.getUser(ctx, "00000000-0000-0000-0000-000000000000")).toBeNull();
    });

    it("PATCH needs the current version, bumps it on every change, writes manager as an id and answers {id, selfUri}", async () => {
      const boss = await target.createUser(ctx, { name: "Boss", email: "boss@example.com" });
      const u = await target.createUser(ctx, { name: "Worker", email: "worker@example.com" });

      expectGenesysError(await call("PATCH", `/api/v2/users/${u.id}`, { title: "No version" }), 400, "bad.request");
      const stale = await call("PATCH", `/api/v2/users/${u.id}`, { version: 7, title: "Stale" });
      expect(stale.status).toBe(409);
      expect(stale.body.message).toContain("does not match the current version");

      const withManager = await target.updateUser(ctx, u.id, { version: u.version, manager: boss.id, department: "Ops" });
      expect(withManager.version).toBe(u.version + 1);
      expect(withManager.manager).toEqual({ id: boss.id, selfUri: `/api/v2/users/${boss.id}` });
      expect(withManager.department).toBe("Ops");
      const cleared = await target.updateUser(ctx, u.id, { version: withManager.version, manager: null });
      expect(cleared.manager).toBeUndefined();
      expect(cleared.version).toBe(withManager.version + 1);
    });

    it("changes only the state when state is in the body", async () => {
      const u = await target.createUser(ctx, { name: "Stateful", email: "state@example.com" });
      const off = await target.updateUser(ctx, u.id, { version: u.version, state: "inactive", title: "Ignored", name: "Ignored" });
      expect(off).toMatchObject({ state: "inactive", name: "Stateful", version: u.version + 1 });
      expect(off.title).toBeUndefined();
    });

    it("soft-deletes: hidden without ?state=deleted, email reserved (409 general.conflict), found by search, restored by PATCH {state, version}", async () => {
      const u = await target.createUser(ctx, { name: "Gone Soon", email: "gone@example.com" });
      await target.deleteUser(ctx, u.id);
      expectGenesysError(await call("GET", `/api/v2/users/${u.id}`), 404, "not.found");
      expect(await target.getUser(ctx, u.id)).toBeNull();
      const deleted = await target.getUser(ctx, u.id, { includeDeleted: true });
      expect(deleted).toMatchObject({ state: "deleted", email: "gone@example.com", version: u.version + 1 });

      const again = await call("POST", "/api/v2/users", { name: "Gone Soon", email: "GONE@example.com" });
      expectGenesysError(again, 409, "general.conflict");
      const e = await targetError(target.createUser(ctx, { name: "Gone Soon", email: "gone@example.com" }));
      expect(e.kind).toBe("conflict");
      expect(e.code).toBe("general.conflict");

      expect(await target.findUsersByEmail(ctx, "gone@example.com", ["active", "inactive"])).toEqual([]);
      const found = await target.findUsersByEmail(ctx, "gone@example.com", ["active", "inactive", "deleted"]);
      expect(found.map((f) => f.id)).toEqual([u.id]);

      expectGenesysError(
        await call("PATCH", `/api/v2/users/${u.id}`, { version: deleted!.version, title: "Not while deleted" }),
        404,
        "not.found",
      );
      const restored = await target.updateUser(ctx, u.id, { state: "active", version: deleted!.version });
      expect(restored).toMatchObject({ id: u.id, state: "active", version: deleted!.version + 1 });
      expect(await target.getUser(ctx, u.id)).not.toBeNull();
    });

    it("search answers {total, pageCount, pageSize, pageNumber, results} on EXACT email and state", async () => {
      await target.createUser(ctx, { name: "Searchable", email: "search.me@example.com", state: "inactive" });
      const a = await call("POST", "/api/v2/users/search", {
        query: [
          { type: "EXACT", fields: ["email"], value: "search.me@example.com" },
          { type: "EXACT", fields: ["state"], values: ["inactive"] },
        ],
        pageSize: 25,
        pageNumber: 1,
      });
      expect(a.status).toBe(200);
      expect(a.body).toMatchObject({ total: 1, pageCount: 1, pageSize: 25, pageNumber: 1 });
      expect(a.body.entities).toBeUndefined();
      expect(a.body.results).toHaveLength(1);
      const none = await call("POST", "/api/v2/users/search", {
        query: [{ type: "EXACT", fields: ["email"], value: "search.me@example.co" }],
      });
      expect(none.body.total).toBe(0);
      expectGenesysError(await call("POST", "/api/v2/users/search", { query: [] }), 400, "bad.request");
    });

    it("lists users by state with paging", async () => {
      const all = await call("GET", "/api/v2/users?state=any&pageSize=2&pageNumber=1");
      expect(all.body.pageSize).toBe(2);
      expect(all.body.entities).toHaveLength(2);
      expect(all.body.pageCount).toBe(Math.ceil(all.body.total / 2));
      const inactive = await call("GET", "/api/v2/users?state=inactive");
      expect(inactive.body.entities.every((u: { state: string }) => u.state === "inactive")).toBe(true);
    });
  });

  describe("divisions", () => {
    it("pages over more than 100 divisions: pageSize 25 by default, nextUri absent on the last page; GenesysTarget reads them all", async () => {
      fake.seedDivisions(130);
      const total = fake.state.divisions.size;
      expect(total).toBe(131);
      const first = await call("GET", "/api/v2/authorization/divisions");
      expect(first.body).toMatchObject({ pageSize: 25, pageNumber: 1, total, pageCount: 6 });
      expect(first.body.entities).toHaveLength(25);
      expect(first.body.nextUri).toContain("pageNumber=2");
      expect(first.body.entities[0]).toEqual(
        expect.objectContaining({
          id: expect.any(String),
          name: expect.any(String),
          homeDivision: expect.any(Boolean),
          selfUri: expect.any(String),
        }),
      );
      const last = await call("GET", "/api/v2/authorization/divisions?pageNumber=6");
      expect(last.body.entities).toHaveLength(total - 125);
      expect(last.body.nextUri).toBeUndefined();
      expect(last.body.previousUri).toContain("pageNumber=5");

      fake.clearCalls();
      const listed = await target.listDivisions(ctx);
      expect(listed).toHaveLength(total);
      expect(new Set(listed.map((d) => d.id)).size).toBe(total);
      expect(listed.filter((d) => d.homeDivision)).toHaveLength(1);
      expect(fake.countCalls("GET", "/api/v2/authorization/divisions")).toBe(2);
    });

    it("moves users with a bare array of ids: 204 without a body, division and version change", async () => {
      const d = fake.addDivision("Support");
      const u = await target.createUser(ctx, { name: "Mover", email: "mover@example.com" });
      const a = await call("POST", `/api/v2/authorization/divisions/${d.id}/objects/USER`, [u.id]);
      expect(a.status).toBe(204);
      expect(a.text).toBe("");
      const moved = await target.getUser(ctx, u.id);
      expect(moved).toMatchObject({ division: { id: d.id, name: "Support" }, version: u.version + 1 });
      const home = fake.state.homeDivisionId;
      await target.moveUsersToDivision(ctx, home, [u.id]);
      expect((await target.getUser(ctx, u.id))!.division!.id).toBe(home);
      expectGenesysError(await call("POST", `/api/v2/authorization/divisions/${d.id}/objects/USER`, { ids: [u.id] }), 400, "bad.request");
      expectGenesysError(await call("POST", `/api/v2/authorization/divisions/nope/objects/USER`, [u.id]), 404, "not.found");
    });
  });

  describe("groups", () => {
    it("POST needs name, type, rulesVisible and visibility", async () => {
      expectGenesysError(await call("POST", "/api/v2/groups", { name: "Half", type: "official" }), 400, "bad.request");
      const g = await call("POST", "/api/v2/groups", { name: "Whole", type: "official", rulesVisible: true, visibility: "public" });
      expect(g.status).toBe(200);
      expect(g.body).toMatchObject({ name: "Whole", type: "official", version: 1, memberCount: 0, state: "active" });
    });

    it("adds (≤ 50 a call, version checked, 202 empty), lists and removes members; GenesysTarget does it in batches", async () => {
      const users = [];
      for (let i = 0; i < 120; i++) users.push(await target.createUser(ctx, { name: `Member ${i}`, email: `member${i}@example.com` }));
      const ids = users.map((u) => u.id);
      const g = await target.createGroup(ctx, "Agents");
      expect(await target.findGroupByName(ctx, "agents")).toMatchObject({ id: g.id });

      expectGenesysError(
        await call("POST", `/api/v2/groups/${g.id}/members`, { memberIds: ids.slice(0, 51), version: g.version }),
        400,
        "bad.request",
      );
      const stale = await call("POST", `/api/v2/groups/${g.id}/members`, { memberIds: ids.slice(0, 2), version: g.version + 5 });
      expect(stale.status).toBe(409);
      expect(stale.body.message).toContain("does not match the current version");
      const ok = await call("POST", `/api/v2/groups/${g.id}/members`, { memberIds: ids.slice(0, 2), version: g.version });
      expect(ok.status).toBe(202);
      expect(ok.text).toBe("");

      fake.clearCalls();
      await target.addGroupMembers(ctx, g.id, g.version + 1, ids);
      expect(fake.countCalls("POST", `/api/v2/groups/${g.id}/members`)).toBe(3);
      expect(fake.calls.filter((c) => c.method === "POST").every((c) => c.status === 202)).toBe(true);
      const listed = await target.listGroupMembers(ctx, g.id);
      expect(new Set(listed)).toEqual(new Set(ids));
      expect((await target.getGroup(ctx, g.id))!.memberCount).toBe(120);

      expectGenesysError(await call("DELETE", `/api/v2/groups/${g.id}/members?ids=${ids.slice(0, 51).join(",")}`), 400, "bad.request");
      const del = await call("DELETE", `/api/v2/groups/${g.id}/members?ids=${ids.slice(0, 2).join(",")}`);
      expect(del.status).toBe(202);
      await target.removeGroupMembers(ctx, g.id, ids.slice(2, 100));
      expect(await target.listGroupMembers(ctx, g.id)).toHaveLength(20);

      await target.deleteGroup(ctx, g.id);
      expect(await target.getGroup(ctx, g.id)).toBeNull();
      expectGenesysError(await call("GET", `/api/v2/groups/${g.id}`), 404, "not.found");
    });
  });

  describe("faults", () => {
    it("rateLimit(n, s): the next n API calls answer 429 with Retry-After; GenesysTarget reports rate_limited with the wait", async () => {
      fake.faults.rateLimit(2, 7);
      const a = await call("GET", "/api/v2/authorization/divisions/home");
      expectGenesysError(a, 429, "too.many.requests.retry.after");
      expect(a.headers.get("retry-after")).toBe("7");
      const e = await targetError(target.listDivisions(ctx));
      expect(e).toMatchObject({ kind: "rate_limited", status: 429, retryAfterMs: 7000, code: "too.many.requests.retry.after" });
      expect((await call("GET", "/api/v2/authorization/divisions/home")).status).toBe(200);

      fake.faults.rateLimit(1, 3, { retryAfterHeader: false });
      const b = await targetError(target.listDivisions(ctx));
      expect(b.retryAfterMs).toBe(3000); // from inin-ratelimit-reset
    });

    it("serverErrors(n, status): a 5xx burst is transient, then calls succeed; afterProcessing lands the write first", async () => {
      fake.faults.serverErrors(2, 502);
      expect((await targetError(target.listDivisions(ctx))).kind).toBe("transient");
      const second = await call("GET", "/api/v2/authorization/divisions/home");
      expectGenesysError(second, 502, "bad.gateway");
      expect((await target.listDivisions(ctx)).length).toBeGreaterThan(0);

      fake.faults.serverErrors(1, 503, { afterProcessing: true });
      expect((await targetError(target.createUser(ctx, { name: "Lost Answer", email: "lost@example.com" }))).kind).toBe("transient");
      expect((await targetError(target.createUser(ctx, { name: "Lost Answer", email: "lost@example.com" }))).kind).toBe("conflict");
      expect(fake.countCalls("POST", "/api/v2/users", (c) => (c.body as { email?: string }).email === "lost@example.com")).toBe(2);
    });

    it("delayMs slows answers down past a client's timeout", async () => {
      fake.faults.delayMs = 300;
      const impatient = genesysTarget({ ...fake.targetOptions(), timeoutMs: 100 });
      expect((await targetError(impatient.listDivisions(ctx))).kind).toBe("transient");
      fake.faults.delayMs = 0;
    });

    it("rejectUser fails matching creates and updates with a 4xx and the message until lifted", async () => {
      const lift = fake.faults.rejectUser("picky@example.com", 400, "The department Nowhere does not exist.");
      const e = await targetError(target.createUser(ctx, { name: "Picky", email: "picky@example.com", department: "Nowhere" }));
      expect(e).toMatchObject({ kind: "permanent", status: 400, code: "bad.request" });
      expect(e.message).toContain("The department Nowhere does not exist.");
      lift();
      const u = await target.createUser(ctx, { name: "Picky", email: "picky@example.com" });
      expect(fake.countCalls("POST", "/api/v2/users", (c) => (c.body as { email?: string }).email === "picky@example.com")).toBe(2);

      fake.faults.rejectUser((w) => w.method === "PATCH" && w.body.title === "Forbidden", 403, "Missing permission directory:user:edit");
      const p = await targetError(target.updateUser(ctx, u.id, { version: u.version, title: "Forbidden" }));
      expect(p).toMatchObject({ kind: "permanent", status: 403, code: "missing.permissions" });
      expect((await target.updateUser(ctx, u.id, { version: u.version, title: "Allowed" })).title).toBe("Allowed");
    });
  });
});

describe("fake Genesys Cloud: token expiry and options", () => {
  let fake: FakeGenesys;
  afterAll(() => fake?.close());

  it("answers 401 authentication.required once a token expires; GenesysTarget takes one new token and retries", async () => {
    fake = await startFakeGenesys({ tokenTtlSeconds: 3600 });
    const token = await tokenOf(fake);
    const call = caller(fake, () => token);
    const target = genesysTarget(fake.targetOptions());
    expect((await target.listDivisions(ctx)).length).toBe(1);
    expect((await call("GET", "/api/v2/authorization/divisions/home")).status).toBe(200);

    fake.advanceTime(3601); // the fake's clock only: GenesysTarget still trusts its cached token
    expectGenesysError(await call("GET", "/api/v2/authorization/divisions/home"), 401, "authentication.required");
    fake.clearCalls();
    expect((await target.listDivisions(ctx)).length).toBe(1);
    expect(fake.calls.map((c) => `${c.method} ${c.path.split("?")[0]} ${c.status}`)).toEqual([
      "GET /api/v2/authorization/divisions 401",
      "POST /oauth/token 200",
      "GET /api/v2/authorization/divisions 200",
    ]);

    fake.faults.tokenTtlSeconds = 120;
    const short = await tokenOf(fake);
    fake.advanceTime(121);
    expectGenesysError(await call("GET", "/api/v2/authorization/divisions/home", undefined, short), 401, "authentication.required");

    fake.revokeTokens();
    fake.clearCalls();
    await target.listDivisions(ctx);
    expect(fake.countCalls("POST", "/oauth/token")).toBe(1);
  });

  it("search lags writes by searchLagMs on the fake's clock", async () => {
    const lagging = await startFakeGenesys({ searchLagMs: 30_000 });
    try {
      const target = genesysTarget(lagging.targetOptions());
      const u = await target.createUser(ctx, { name: "Fresh", email: "fresh@example.com" });
      expect(await target.findUsersByEmail(ctx, "fresh@example.com", ["active"])).toEqual([]);
      expect(await target.getUser(ctx, u.id)).not.toBeNull(); // reads by id do not lag
      lagging.advanceTime(31);
      expect((await target.findUsersByEmail(ctx, "fresh@example.com", ["active"])).map((f) => f.id)).toEqual([u.id]);
    } finally {
      await lagging.close();
    }
  });

  it("a version conflict can be configured as 400 (docs/genesys-platform-api.md: 409 or 400) and is then a version_conflict for GenesysTarget", async () => {
    const f = await startFakeGenesys({ versionConflict: { status: 400, code: "bad.request" } });
    try {
      const target = genesysTarget(f.targetOptions());
      const u = await target.createUser(ctx, { name: "V", email: "v@example.com" });
      const e = await targetError(target.updateUser(ctx, u.id, { version: u.version + 1, title: "x" }));
      expect(e).toMatchObject({ kind: "version_conflict", status: 400 });
    } finally {
      await f.close();
    }
  });

  // A stale version answers 409 with code general.conflict, the same status and code as an e-mail
  // already in use; GenesysTarget must tell a version conflict by its message ("does not match the
  // current version"), not by the code, or it would take a stale version for a duplicate user.
  it("GenesysTarget calls the default 409 general.conflict version mismatch a version_conflict", async () => {
    const f = await startFakeGenesys();
    try {
      const target = genesysTarget(f.targetOptions());
      const u = await target.createUser(ctx, { name: "W", email: "w@example.com" });
      const e = await targetError(target.updateUser(ctx, u.id, { version: u.version + 1, title: "x" }));
      expect(e.kind).toBe("version_conflict");
    } finally {
      await f.close();
    }
  });
});
