import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import * as oidc from "openid-client";
import { REALISTIC_SEARCH_LAG_MS, startFakeGenesys, type FakeGenesys } from "../fakes/genesys/index.js";
import { GenesysTarget, type GenesysTargetOptions } from "../../src/sync/targets/genesys-target.js";
import { TargetError } from "../../src/sync/target-error.js";
import type { CallContext, DirectoryTarget } from "../../src/sync/targets/target.js";
import { fakeToken } from "../fakes/genesys/token.js";

/**
 * The fake Genesys Cloud against docs/genesys-platform-api.md, driven by plain fetch, by openid-client configured as
 * src/sync/targets/genesys-target.ts configures it, and by GenesysTarget itself.
 */

const ctx: CallContext = { resourceType: "User", resourceId: "scim-user" };
/** A fake clock that stands still unless a test moves it with fake.advanceTime(). */
const T0 = Date.parse("2026-01-05T09:00:00Z");
/** Used through the interface the workers use. */
const genesysTarget = (o: GenesysTargetOptions): DirectoryTarget => new GenesysTarget(o);

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
  headers: Headers;
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
    // An immediate search index, explicitly; member changes land when a test moves the clock on.
    fake = await startFakeGenesys({ searchLagMs: 0, now: () => T0, rateLimitHeaders: true });
    token = await fakeToken(fake);
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
      const fresh = await fakeToken(fake);
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
    // Changed: a create without `state` used to give an active user; Genesys makes it inactive when it sends no invitation.
    it("creates a user: name and email required, home division when no divisionId, inactive without state, employerInfo only with expand", async () => {
      expectGenesysError(await call("POST", "/api/v2/users", { email: "noname@example.com" }), 400, "bad.request");
      expectGenesysError(await call("POST", "/api/v2/users", { name: "No Mail" }), 400, "bad.request");

      const home = (await call("GET", "/api/v2/authorization/divisions/home")).body;
      expect(home.homeDivision).toBe(true);
      const created = await call("POST", "/api/v2/users", { name: "Ada Lovelace", email: "ada@example.com", title: "Analyst" });
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({
        name: "Ada Lovelace",
        email: "ada@example.com",
        state: "inactive",
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

    // Changed: the manager used to be cleared with null; Genesys's provider clears it with "" (null is now a 400).
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
      expectGenesysError(await call("PATCH", `/api/v2/users/${u.id}`, { version: withManager.version, manager: null }), 400, "bad.request");
      const cleared = await target.updateUser(ctx, u.id, { version: withManager.version, manager: "" });
      expect(cleared.manager).toBeUndefined();
      expect(cleared.version).toBe(withManager.version + 1);
    });

    it("changes only the state when state is in the body", async () => {
      const u = await target.createUser(ctx, { name: "Stateful", email: "state@example.com", state: "active" });
      const off = await target.updateUser(ctx, u.id, { version: u.version, state: "inactive", title: "Ignored", name: "Ignored" });
      expect(off).toMatchObject({ state: "inactive", name: "Stateful", version: u.version + 1 });
      expect(off.title).toBeUndefined();
    });

    it("soft-deletes: hidden without ?state=deleted, email reserved (409 general.conflict), found by search, restored by PATCH {state, version}", async () => {
      const u = await target.createUser(ctx, { name: "Gone Soon", email: "gone@example.com" });
      await target.deleteUser(ctx, u.id);
      expectGenesysError(await call("GET", `/api/v2/users/${u.id}`), 404, "not.found");
      expect(await target.getUser(ctx, u.id)).toBeNull();
      const deleted = await target.getUser(ctx, u.id, { deleted: true });
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
      expect(await target.getUser(ctx, u.id, { deleted: true })).toBeNull(); // state=deleted finds deleted users only
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

    // Changed: member calls now land memberApplyDelayMs after their 202 (the test moves the fake's clock on), and a deleted
    // group used to answer 404; it now answers 200 with state "deleted".
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
      fake.advanceTime(1); // the change lands

      fake.clearCalls();
      await target.addGroupMembers(ctx, g.id, g.version + 1, ids);
      expect(fake.countCalls("POST", `/api/v2/groups/${g.id}/members`)).toBe(3);
      expect(fake.calls.filter((c) => c.method === "POST").every((c) => c.status === 202)).toBe(true);
      fake.advanceTime(1);
      const listed = await target.listGroupMembers(ctx, g.id);
      expect(new Set(listed)).toEqual(new Set(ids));
      expect((await target.getGroup(ctx, g.id))!.memberCount).toBe(120);

      expectGenesysError(await call("DELETE", `/api/v2/groups/${g.id}/members?ids=${ids.slice(0, 51).join(",")}`), 400, "bad.request");
      const del = await call("DELETE", `/api/v2/groups/${g.id}/members?ids=${ids.slice(0, 2).join(",")}`);
      expect(del.status).toBe(202);
      await target.removeGroupMembers(ctx, g.id, ids.slice(2, 100));
      fake.advanceTime(1);
      expect(await target.listGroupMembers(ctx, g.id)).toHaveLength(20);

      await target.deleteGroup(ctx, g.id);
      expect(await target.getGroup(ctx, g.id)).toMatchObject({ id: g.id, state: "deleted", memberCount: 0 });
      expect((await call("GET", `/api/v2/groups/${g.id}`)).body).toMatchObject({ state: "deleted" });
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
    const token = await fakeToken(fake);
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
    const short = await fakeToken(fake);
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
      const u = await target.createUser(ctx, { name: "Fresh", email: "fresh@example.com", state: "active" });
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

/** A fake on a clock that stands still (T0) unless advanceTime moves it, with an immediate search index unless told. */
async function stillFake(opts: Parameters<typeof startFakeGenesys>[0] = {}) {
  const fake = await startFakeGenesys({ searchLagMs: 0, now: () => T0, ...opts });
  const token = await fakeToken(fake);
  return { fake, call: caller(fake, () => token) };
}

type Call = ReturnType<typeof caller>;

async function newUser(call: Call, email: string, extra: Record<string, unknown> = {}): Promise<string> {
  const a = await call("POST", "/api/v2/users", { name: email.split("@")[0], email, ...extra });
  expect(a.status).toBe(200);
  return a.body.id as string;
}

async function newGroup(call: Call, name: string): Promise<{ id: string; version: number }> {
  const a = await call("POST", "/api/v2/groups", { name, type: "official", visibility: "public", rulesVisible: true });
  expect(a.status).toBe(200);
  return a.body as { id: string; version: number };
}

const idsIn = (a: Answer, key = "entities"): string[] => (a.body[key] as Array<{ id: string }>).map((e) => e.id).sort();
const sorted = (ids: string[]): string[] => [...ids].sort();

describe("fake Genesys Cloud: groups as Genesys keeps them", () => {
  let fake: FakeGenesys;
  let call: Call;
  beforeAll(async () => {
    ({ fake, call } = await stillFake());
  });
  afterAll(() => fake.close());

  it("GET .../members lists individuals, owners and dynamic members (paged); GET .../individuals only the individuals (one listing)", async () => {
    const [a, b, c, d] = [
      await newUser(call, "ind.a@example.com"),
      await newUser(call, "ind.b@example.com"),
      await newUser(call, "owner.c@example.com"),
      await newUser(call, "rule.d@example.com"),
    ];
    const g = await newGroup(call, "Mixed");
    expect((await call("POST", `/api/v2/groups/${g.id}/members`, { memberIds: [a!, b!], version: g.version })).status).toBe(202);
    fake.advanceTime(1);
    fake.addOwner(g.id, c!);
    fake.addDynamicMember(g.id, d!);

    const page1 = await call("GET", `/api/v2/groups/${g.id}/members?pageSize=2&pageNumber=1`);
    expect(page1.body).toMatchObject({ pageSize: 2, pageNumber: 1, total: 4, pageCount: 2 });
    const page2 = await call("GET", `/api/v2/groups/${g.id}/members?pageSize=2&pageNumber=2`);
    expect(sorted([...idsIn(page1), ...idsIn(page2)])).toEqual(sorted([a!, b!, c!, d!]));

    const individuals = await call("GET", `/api/v2/groups/${g.id}/individuals?pageSize=1`);
    expect(individuals.status).toBe(200);
    expect(idsIn(individuals)).toEqual(sorted([a!, b!])); // no paging: pageSize is not a parameter of /individuals
    expect(individuals.body.nextUri).toBeUndefined();

    const group = (await call("GET", `/api/v2/groups/${g.id}`)).body;
    expect(group.owners).toEqual([{ id: c, selfUri: `/api/v2/users/${c}` }]);
    expect(group.memberCount).toBe(4);
    // the hooks are the fake's own: no API route makes owners or dynamic members
    expect(fake.calls.some((x) => /owner|dynamic/i.test(x.path))).toBe(false);
  });

  it("DELETE .../members removes individuals only: owners and dynamic members stay, and the attempt is recorded", async () => {
    const [a, c, d] = [
      await newUser(call, "keep.a@example.com"),
      await newUser(call, "keep.c@example.com"),
      await newUser(call, "keep.d@example.com"),
    ];
    const g = await newGroup(call, "Protected");
    fake.addOwner(g.id, c!);
    fake.addDynamicMember(g.id, d!);
    const v = (await call("GET", `/api/v2/groups/${g.id}`)).body.version as number;
    // the owner is also added as an individual: removing it ends only that
    expect((await call("POST", `/api/v2/groups/${g.id}/members`, { memberIds: [a!, c!], version: v })).status).toBe(202);
    fake.advanceTime(1);
    expect(idsIn(await call("GET", `/api/v2/groups/${g.id}/individuals`))).toEqual(sorted([a!, c!]));

    const before = fake.memberRemovalAttempts.length;
    const del = await call("DELETE", `/api/v2/groups/${g.id}/members?ids=${[a, c, d].join(",")}`);
    expect(del.status).toBe(202);
    expect(del.text).toBe("");
    fake.advanceTime(1);
    expect(idsIn(await call("GET", `/api/v2/groups/${g.id}/individuals`))).toEqual([]);
    expect(idsIn(await call("GET", `/api/v2/groups/${g.id}/members`))).toEqual(sorted([c!, d!]));
    expect(fake.memberRemovalAttempts.slice(before)).toEqual([
      { groupId: g.id, userId: c, as: ["owner"], at: expect.any(Number) },
      { groupId: g.id, userId: d, as: ["dynamic"], at: expect.any(Number) },
    ]);
  });

  it("POST/DELETE .../members answer 202 with no body and land memberApplyDelayMs later, each bumping the version; a stale version is 409", async () => {
    const [a, b] = [await newUser(call, "slow.a@example.com"), await newUser(call, "slow.b@example.com")];
    const g = await newGroup(call, "Eventually");
    const post = await call("POST", `/api/v2/groups/${g.id}/members`, { memberIds: [a!], version: g.version });
    expect(post.status).toBe(202);
    expect(post.text).toBe("");
    expect(post.headers.get("content-type")).toBeNull();
    expect((await call("GET", `/api/v2/groups/${g.id}`)).body).toMatchObject({ version: g.version, memberCount: 0 });
    expect(idsIn(await call("GET", `/api/v2/groups/${g.id}/individuals`))).toEqual([]);
    // the version has not moved yet: a second call with it is accepted
    expect((await call("POST", `/api/v2/groups/${g.id}/members`, { memberIds: [b!], version: g.version })).status).toBe(202);

    fake.advanceTime(0.299); // default 300 ms
    expect(idsIn(await call("GET", `/api/v2/groups/${g.id}/members`))).toEqual([]);
    fake.advanceTime(0.001);
    expect(idsIn(await call("GET", `/api/v2/groups/${g.id}/members`))).toEqual(sorted([a!, b!]));
    expect((await call("GET", `/api/v2/groups/${g.id}`)).body.version).toBe(g.version + 2);

    const stale = await call("POST", `/api/v2/groups/${g.id}/members`, { memberIds: [a!], version: g.version });
    expectGenesysError(stale, 409, "general.conflict");
    expect(stale.body.message).toMatch(/^The version \d+ supplied .* does not match the current version \d+\.$/);
    expectGenesysError(await call("POST", `/api/v2/groups/${g.id}/members`, { memberIds: [a!] }), 400, "bad.request");

    expect((await call("DELETE", `/api/v2/groups/${g.id}/members?ids=${a}`)).status).toBe(202);
    expect((await call("GET", `/api/v2/groups/${g.id}`)).body.version).toBe(g.version + 2);
    fake.advanceTime(0.3);
    expect((await call("GET", `/api/v2/groups/${g.id}`)).body).toMatchObject({ version: g.version + 3, memberCount: 1 });
  });

  it("POST /api/v2/groups/search finds a group by EXACT name from the lagging index; GET /api/v2/groups lists at once", async () => {
    const lagging = await stillFake({ searchLagMs: REALISTIC_SEARCH_LAG_MS });
    try {
      const byName = (name: string) =>
        lagging.call("POST", "/api/v2/groups/search", { query: [{ type: "EXACT", fields: ["name"], value: name }] });
      const g = await newGroup(lagging.call, "Tier 2 Support");
      await newGroup(lagging.call, "Tier 2 Support Leads");
      expect(idsIn(await lagging.call("GET", "/api/v2/groups"))).toContain(g.id);
      const early = await byName("Tier 2 Support");
      expect(early.status).toBe(200);
      expect(early.body).toMatchObject({ total: 0, results: [] });

      lagging.fake.advanceTime(REALISTIC_SEARCH_LAG_MS / 1000);
      const found = await byName("tier 2 support");
      expect(found.body).toMatchObject({ total: 1, pageCount: 1, pageNumber: 1, types: ["groups"] });
      expect(found.body.entities).toBeUndefined();
      expect(found.body.results[0]).toMatchObject({ id: g.id, name: "Tier 2 Support", state: "active", version: 1 });
      expectGenesysError(await lagging.call("POST", "/api/v2/groups/search", { query: [] }), 400, "bad.request");
      expectGenesysError(
        await lagging.call("POST", "/api/v2/groups/search", { query: [{ type: "EXACT", fields: ["nickname"], value: "x" }] }),
        400,
        "bad.request",
      );
    } finally {
      await lagging.fake.close();
    }
  });

  it("a deleted group: DELETE 204, then GET 200 state deleted without members, gone from listing and (once indexed) search, member calls 404", async () => {
    const lagging = await stillFake({ searchLagMs: 1000 });
    try {
      const c = lagging.call;
      const a = await newUser(c, "left.behind@example.com");
      const g = await newGroup(c, "Doomed");
      expect((await c("POST", `/api/v2/groups/${g.id}/members`, { memberIds: [a], version: g.version })).status).toBe(202);
      lagging.fake.advanceTime(1);
      // a change still queued when the group goes is dropped
      expect((await c("DELETE", `/api/v2/groups/${g.id}/members?ids=${a}`)).status).toBe(202);

      const del = await c("DELETE", `/api/v2/groups/${g.id}`);
      expect(del.status).toBe(204);
      expect(del.text).toBe("");
      const after = await c("GET", `/api/v2/groups/${g.id}`);
      expect(after.status).toBe(200);
      expect(after.body).toMatchObject({ id: g.id, name: "Doomed", state: "deleted", memberCount: 0 });
      expect(idsIn(await c("GET", `/api/v2/groups/${g.id}/members`))).toEqual([]);
      expect(idsIn(await c("GET", `/api/v2/groups/${g.id}/individuals`))).toEqual([]);
      expect(idsIn(await c("GET", "/api/v2/groups"))).not.toContain(g.id);

      const search = () => c("POST", "/api/v2/groups/search", { query: [{ type: "EXACT", fields: ["name"], value: "Doomed" }] });
      expect((await search()).body.total).toBe(1); // the index has not seen the delete yet
      lagging.fake.advanceTime(1);
      expect((await search()).body.total).toBe(0);

      const v = after.body.version as number;
      expectGenesysError(await c("POST", `/api/v2/groups/${g.id}/members`, { memberIds: [a], version: v }), 404, "not.found");
      expectGenesysError(await c("DELETE", `/api/v2/groups/${g.id}/members?ids=${a}`), 404, "not.found");
      expectGenesysError(await c("DELETE", `/api/v2/groups/${g.id}`), 404, "not.found");
      expect(() => lagging.fake.addOwner(g.id, a)).toThrow();
      // the name is free again [guess]
      expect((await newGroup(c, "Doomed")).id).not.toBe(g.id);
    } finally {
      await lagging.fake.close();
    }
  });
});

describe("fake Genesys Cloud: member changes on the real clock", () => {
  it("land by themselves after memberApplyDelayMs; memberChangesApplied() waits for them; 0 applies before answering", async () => {
    const fake = await startFakeGenesys({ searchLagMs: 0, memberApplyDelayMs: 150 });
    const immediate = await startFakeGenesys({ searchLagMs: 0, memberApplyDelayMs: 0 });
    try {
      const token = await fakeToken(fake);
      const call = caller(fake, () => token);
      const a = await newUser(call, "timer@example.com");
      const g = await newGroup(call, "Timed");
      const started = Date.now();
      expect((await call("POST", `/api/v2/groups/${g.id}/members`, { memberIds: [a], version: g.version })).status).toBe(202);
      expect(idsIn(await call("GET", `/api/v2/groups/${g.id}/individuals`))).toEqual([]);
      await fake.memberChangesApplied();
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(fake.state.groups.records.get(g.id)!.individualIds).toEqual([a]); // landed without another request
      expect(idsIn(await call("GET", `/api/v2/groups/${g.id}/individuals`))).toEqual([a]);

      const token2 = await fakeToken(immediate);
      const call2 = caller(immediate, () => token2);
      const b = await newUser(call2, "now@example.com");
      const h = await newGroup(call2, "Now");
      expect((await call2("POST", `/api/v2/groups/${h.id}/members`, { memberIds: [b], version: h.version })).status).toBe(202);
      expect(idsIn(await call2("GET", `/api/v2/groups/${h.id}/individuals`))).toEqual([b]);
      expect((await call2("GET", `/api/v2/groups/${h.id}`)).body.version).toBe(h.version + 1);
    } finally {
      await fake.close();
      await immediate.close();
    }
  });
});

describe("fake Genesys Cloud: users as Genesys keeps them", () => {
  let fake: FakeGenesys;
  let call: Call;
  beforeAll(async () => {
    ({ fake, call } = await stillFake());
  });
  afterAll(() => fake.close());

  it("POST without state creates an inactive user (no invitation sent); with state it takes it", async () => {
    const quiet = await call("POST", "/api/v2/users", { name: "No Invite", email: "no.invite@example.com" });
    expect(quiet.body.state).toBe("inactive");
    const loud = await call("POST", "/api/v2/users", { name: "Active", email: "active.now@example.com", state: "active" });
    expect(loud.body.state).toBe("active");
    expectGenesysError(
      await call("POST", "/api/v2/users", { name: "X", email: "x.state@example.com", state: "deleted" }),
      400,
      "bad.request",
    );
  });

  it("GET /api/v2/users/{id}: active and inactive without state (or state=active), deleted only with state=deleted [strict reading]", async () => {
    const active = await newUser(call, "get.active@example.com", { state: "active" });
    const inactive = await newUser(call, "get.inactive@example.com");
    for (const id of [active, inactive]) {
      expect((await call("GET", `/api/v2/users/${id}`)).status).toBe(200);
      expect((await call("GET", `/api/v2/users/${id}?state=active`)).status).toBe(200);
      expectGenesysError(await call("GET", `/api/v2/users/${id}?state=deleted`), 404, "not.found");
    }
    expectGenesysError(await call("GET", `/api/v2/users/${active}?state=inactive`), 400, "bad.request");

    const version = (await call("GET", `/api/v2/users/${active}`)).body.version as number;
    expect((await call("DELETE", `/api/v2/users/${active}`)).status).toBe(200);
    expectGenesysError(await call("GET", `/api/v2/users/${active}`), 404, "not.found");
    expectGenesysError(await call("GET", `/api/v2/users/${active}?state=active`), 404, "not.found");
    const deleted = await call("GET", `/api/v2/users/${active}?state=deleted`);
    expect(deleted.body).toMatchObject({ id: active, state: "deleted", version: version + 1 });
  });

  it('PATCH clears the manager with "" and refuses null', async () => {
    const boss = await newUser(call, "boss.m@example.com");
    const u = await newUser(call, "report.m@example.com");
    const set = await call("PATCH", `/api/v2/users/${u}`, { version: 1, manager: boss });
    expect(set.body.manager).toEqual({ id: boss, selfUri: `/api/v2/users/${boss}` });
    const nulled = await call("PATCH", `/api/v2/users/${u}`, { version: 2, manager: null });
    expectGenesysError(nulled, 400, "bad.request");
    expect(nulled.body.details[0].fieldName).toBe("manager");
    const cleared = await call("PATCH", `/api/v2/users/${u}`, { version: 2, manager: "" });
    expect(cleared.status).toBe(200);
    expect(cleared.body.manager).toBeUndefined();
    expect(cleared.body.version).toBe(3);
  });

  it("stores PHONE addresses in E.164 (spaces, dashes, dots, parentheses dropped), the extension apart; a number without + is 400 [guess]", async () => {
    const created = await call("POST", "/api/v2/users", {
      name: "Phones",
      email: "phones@example.com",
      addresses: [
        { mediaType: "PHONE", type: "WORK", address: "+1 (317) 555-0100", extension: "1234" },
        { mediaType: "PHONE", type: "MOBILE", address: "+44 20.7946.0958" },
        { mediaType: "PHONE", type: "WORK2", extension: "4321" },
        { mediaType: "EMAIL", type: "WORK", address: "Phones.Work@Example.com" },
      ],
    });
    expect(created.status).toBe(200);
    expect(created.body.addresses).toEqual([
      { mediaType: "PHONE", type: "WORK", address: "+13175550100", extension: "1234" },
      { mediaType: "PHONE", type: "MOBILE", address: "+442079460958" },
      { mediaType: "PHONE", type: "WORK2", extension: "4321" },
      { mediaType: "EMAIL", type: "WORK", address: "Phones.Work@Example.com" },
    ]);
    const id = created.body.id as string;
    const patched = await call("PATCH", `/api/v2/users/${id}`, {
      version: 1,
      addresses: [{ mediaType: "PHONE", type: "HOME", address: " +33 1 23 45 67 89 " }],
    });
    expect(patched.body.addresses).toEqual([{ mediaType: "PHONE", type: "HOME", address: "+33123456789" }]);

    for (const address of ["317-555-0100", "0044 20 7946 0958", "+0 555 0100", "+1 555", "+1 555 CALL NOW", "tel:+13175550100"]) {
      const refused = await call("PATCH", `/api/v2/users/${id}`, {
        version: 2,
        addresses: [{ mediaType: "PHONE", type: "WORK", address }],
      });
      expectGenesysError(refused, 400, "bad.request");
      expect(refused.body.details[0].fieldName).toBe("addresses[0].address");
    }
    expectGenesysError(
      await call("PATCH", `/api/v2/users/${id}`, { version: 2, addresses: [{ mediaType: "PHONE", type: "WORK" }] }),
      400,
      "bad.request",
    );
    expect((await call("GET", `/api/v2/users/${id}`)).body.version).toBe(2);
  });
});

describe("fake Genesys Cloud: search lag", () => {
  it("user search sees a write REALISTIC_SEARCH_LAG_MS (3 s) later, each snapshot after its own lag, reads by id at once; searchLagMs: 0 is immediate", async () => {
    expect(REALISTIC_SEARCH_LAG_MS).toBe(3000);
    const { fake, call } = await stillFake({ searchLagMs: REALISTIC_SEARCH_LAG_MS });
    const now = await stillFake({ searchLagMs: 0 });
    try {
      const byEmail = (c: Call, email: string) =>
        c("POST", "/api/v2/users/search", { query: [{ type: "EXACT", fields: ["email"], value: email }] });
      const id = await newUser(call, "lagged@example.com", { state: "active" });
      expect((await byEmail(call, "lagged@example.com")).body.total).toBe(0);
      expect((await call("GET", `/api/v2/users/${id}`)).status).toBe(200);
      fake.advanceTime(2.9);
      expect((await byEmail(call, "lagged@example.com")).body.total).toBe(0);
      // a later write is not seen before its own lag: the earlier snapshot is
      await call("PATCH", `/api/v2/users/${id}`, { version: 1, title: "Renamed" });
      fake.advanceTime(0.1);
      const seen = await byEmail(call, "lagged@example.com");
      expect(seen.body.total).toBe(1);
      expect(seen.body.results[0]).toMatchObject({ id, version: 1 });
      expect(seen.body.results[0].title).toBeUndefined();
      fake.advanceTime(3);
      expect((await byEmail(call, "lagged@example.com")).body.results[0]).toMatchObject({ version: 2, title: "Renamed" });

      await newUser(now.call, "instant@example.com");
      expect((await byEmail(now.call, "instant@example.com")).body.total).toBe(1);
    } finally {
      await fake.close();
      await now.fake.close();
    }
  });
});

describe("fake Genesys Cloud: faults like the real service", () => {
  let fake: FakeGenesys;
  let call: Call;
  beforeAll(async () => {
    ({ fake, call } = await stillFake());
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.faults.reset());

  const login = () =>
    fetch(`${fake.loginUrl}/oauth/token`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString("base64")}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "grant_type=client_credentials",
    });

  it('loginRateLimit(n): 400 invalid_request "rate limit exceeded;…" as Genesys\'s provider knows it, or 429 with Retry-After', async () => {
    fake.faults.loginRateLimit(2);
    for (let i = 0; i < 2; i++) {
      const r = await login();
      expect(r.status).toBe(400);
      const body = (await r.json()) as { error: string; error_description: string };
      expect(body.error).toBe("invalid_request");
      expect(body.error_description).toMatch(/^rate limit exceeded;/);
    }
    expect((await login()).status).toBe(200);

    fake.faults.loginRateLimit(1, { status: 429, retryAfterSeconds: 9 });
    const limited = await login();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("9");
    expect(((await limited.json()) as { error_description: string }).error_description).toMatch(/^rate limit exceeded;/);
    expect((await login()).status).toBe(200);
  });

  it("requestTimeouts(n): 408 in the Genesys error body; afterProcessing lands the write first", async () => {
    fake.faults.requestTimeouts(1);
    expectGenesysError(await call("GET", "/api/v2/authorization/divisions/home"), 408, "request.timeout");
    expect((await call("GET", "/api/v2/authorization/divisions/home")).status).toBe(200);

    fake.faults.requestTimeouts(1, { afterProcessing: true });
    expectGenesysError(await call("POST", "/api/v2/users", { name: "Slow", email: "slow408@example.com" }), 408, "request.timeout");
    expect(fake.state.userByEmail("slow408@example.com")).toBeDefined();
  });

  it("loseUserCreateAnswers(n): the user is created and the connection dropped before any answer; other calls are untouched", async () => {
    fake.faults.loseUserCreateAnswers(1);
    expect((await call("GET", "/api/v2/authorization/divisions/home")).status).toBe(200);
    expectGenesysError(await call("POST", "/api/v2/users", { name: "Bad" }), 400, "bad.request"); // a refused create is answered
    await expect(call("POST", "/api/v2/users", { name: "Lost", email: "lost.answer@example.com" })).rejects.toThrow();
    const lost = fake.state.userByEmail("lost.answer@example.com");
    expect(lost).toMatchObject({ name: "Lost", version: 1 });
    expect(fake.calls.at(-1)).toMatchObject({ method: "POST", path: "/api/v2/users", status: 200, lost: true });
    // the retry meets the user it created
    expectGenesysError(await call("POST", "/api/v2/users", { name: "Lost", email: "lost.answer@example.com" }), 409, "general.conflict");
    expect((await call("POST", "/api/v2/users", { name: "Kept", email: "kept.answer@example.com" })).status).toBe(200);
  });
});
