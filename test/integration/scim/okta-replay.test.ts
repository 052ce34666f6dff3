/**
 * Okta's provisioning traffic replayed as Okta sends it: bodies, headers and query strings from Okta's
 * "SCIM 2.0 protocol reference" (developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20) and
 * Okta's Runscope "SCIM 2.0 SPEC Test" (Okta-SCIM-20-SPEC-Test.json). Every step is followed by a GET
 * that checks what the bridge stored, not just the status it answered.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Express } from "express";
import request from "supertest";
import { openTestStore, type TestStore } from "../../helpers/store.js";
import { buildTestApp, type TestApp } from "../../helpers/app.js";
import { ERROR_SCHEMA, GROUP_SCHEMA, PATCH_OP, SCIM, USER_SCHEMA, scimAgent } from "../../helpers/scim.js";

const LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/** The headers on every request of Okta's SCIM client (protocol reference) and spec test (Runscope). */
const OKTA_HEADERS = {
  "User-Agent": "Okta SCIM Client 1.0.0",
  Accept: "application/scim+json",
  "Accept-Charset": "utf-8",
  "Content-Type": "application/scim+json; charset=utf-8",
};

type Method = "get" | "post" | "put" | "patch" | "delete";

/** Okta's client: the bearer token an admin pasted, Okta's headers, the body as JSON text. */
function oktaClient(app: Express, token: string) {
  const send = (method: Method, path: string, body?: unknown, authorization = `Bearer ${token}`) => {
    const req = request(app)[method](`${SCIM}${path}`).set(OKTA_HEADERS).set("Authorization", authorization);
    return body === undefined ? req : req.send(JSON.stringify(body));
  };
  return {
    get: (path: string, authorization?: string) => send("get", path, undefined, authorization),
    post: (path: string, body: unknown) => send("post", path, body),
    put: (path: string, body: unknown) => send("put", path, body),
    patch: (path: string, body: unknown) => send("patch", path, body),
    delete: (path: string) => send("delete", path),
  };
}
type Okta = ReturnType<typeof oktaClient>;

/** `filter=userName%20eq%20%22test.user%40okta.local%22`, encoded as in Okta's request line. */
const filterParam = (filter: string) => `filter=${encodeURIComponent(filter)}`;

/** The create request of the protocol reference, for any user. */
function oktaNewUser(userName: string, givenName: string, familyName: string, externalId: string) {
  return {
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName, familyName },
    emails: [{ primary: true, value: userName, type: "work" }],
    displayName: `${givenName} ${familyName}`,
    locale: "en-US",
    externalId,
    groups: [],
    password: "1mz050nq",
    active: true,
  };
}

function expectScimJson(res: { headers: Record<string, string> }): void {
  expect(res.headers["content-type"]).toMatch(/^application\/scim\+json/);
}

function expectScimError(res: { status: number; body: Record<string, unknown>; headers: Record<string, string> }, status: number): void {
  expect(res.status).toBe(status);
  expectScimJson(res);
  expect(res.body.schemas).toEqual([ERROR_SCHEMA]);
  expect(res.body.status).toBe(String(status));
  expect(typeof res.body.detail).toBe("string");
  expect(res.body.detail).not.toBe("");
}

function expectIntegerPaging(body: Record<string, unknown>): void {
  expect(body.schemas).toEqual([LIST_RESPONSE]);
  expect(Number.isInteger(body.totalResults)).toBe(true);
  expect(Number.isInteger(body.startIndex)).toBe(true);
  expect(Number.isInteger(body.itemsPerPage)).toBe(true);
}

async function createUser(okta: Okta, userName: string, givenName: string, familyName: string): Promise<string> {
  const res = await okta.post("/Users", oktaNewUser(userName, givenName, familyName, `00u${givenName}${familyName}`.slice(0, 20)));
  if (res.status !== 201) throw new Error(`create ${userName}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

describe("Okta replay", () => {
  let ts: TestStore;
  let t: TestApp;
  let okta: Okta;

  beforeAll(async () => {
    ts = await openTestStore();
    t = buildTestApp(ts.store);
    okta = oktaClient(t.app, (await scimAgent(t.app, ts.store)).token);
  });
  afterAll(() => ts.close());

  describe("assigning a user: look up, create, read (protocol reference; spec test)", () => {
    const userName = "test.user@okta.local";
    const createBody = {
      schemas: [USER_SCHEMA],
      userName,
      name: { givenName: "Test", familyName: "User" },
      emails: [{ primary: true, value: "test.user@okta.local", type: "work" }],
      displayName: "Test User",
      locale: "en-US",
      externalId: "00ujl29u0le5T6Aj10h7",
      groups: [],
      password: "1mz050nq",
      active: true,
    };
    let id: string;

    it("looks the unknown user up: 200, totalResults 0, integer paging fields", async () => {
      const res = await okta.get(`/Users?${filterParam(`userName eq "${userName}"`)}&startIndex=1&count=100`);
      expect(res.status).toBe(200);
      expectScimJson(res);
      expectIntegerPaging(res.body);
      expect(res.body).toMatchObject({ totalResults: 0, startIndex: 1, itemsPerPage: 0 });
      expect(res.body.Resources ?? []).toEqual([]);
    });

    it("creates the user: 201 with the user (never the password), then GET shows what was stored", async () => {
      const res = await okta.post("/Users", createBody);
      expect(res.status).toBe(201);
      expectScimJson(res);
      id = res.body.id;
      expect(id).toEqual(expect.any(String));
      expect(id).not.toBe("");
      expect(res.headers.location).toMatch(new RegExp(`${SCIM}/Users/${id}$`));
      expect(res.body).toMatchObject({
        userName,
        name: { givenName: "Test", familyName: "User" },
        emails: [{ primary: true, value: "test.user@okta.local", type: "work" }],
        displayName: "Test User",
        locale: "en-US",
        externalId: "00ujl29u0le5T6Aj10h7",
        active: true,
        groups: [],
        meta: { resourceType: "User" },
      });
      expect(res.body.schemas).toContain(USER_SCHEMA);
      expect(res.body.password).toBeUndefined();

      const read = await okta.get(`/Users/${id}`);
      expect(read.status).toBe(200);
      expectScimJson(read);
      expect(read.body).toMatchObject({
        id,
        userName,
        name: { givenName: "Test", familyName: "User" },
        emails: [{ primary: true, value: "test.user@okta.local", type: "work" }],
        displayName: "Test User",
        locale: "en-US",
        externalId: "00ujl29u0le5T6Aj10h7",
        active: true,
        groups: [],
      });
      expect(read.body.password).toBeUndefined();
      expect(JSON.stringify(read.body)).not.toContain("1mz050nq");
      // the lookup Okta repeats before pushing now finds exactly this user
      const found = await okta.get(`/Users?${filterParam(`userName eq "${userName}"`)}&startIndex=1&count=100`);
      expect(found.body).toMatchObject({ totalResults: 1, startIndex: 1, itemsPerPage: 1 });
      expect(found.body.Resources.map((r: { id: string }) => r.id)).toEqual([id]);
    });

    it("stores no password and puts a user without a division in the home division", async () => {
      const rows = await ts.store.query<{ resource: Record<string, unknown>; division: string }>(
        "select u.resource, d.name as division from scim_users u join divisions d on d.id = u.division_id where u.id = $1",
        [id],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]!.division).toBe("Home");
      expect(JSON.stringify(rows[0]!.resource)).not.toContain("1mz050nq");
    });

    it("refuses the same create again with 409 uniqueness (spec test: recreating user with same values)", async () => {
      const again = await okta.post("/Users", createBody);
      expectScimError(again, 409);
      expect(again.body.scimType).toBe("uniqueness");
      // userName is caseExact: false, so a change of case is the same user
      const upper = await okta.post("/Users", { ...createBody, userName: userName.toUpperCase() });
      expectScimError(upper, 409);
      expect(upper.body.scimType).toBe("uniqueness");
      const all = await okta.get(`/Users?${filterParam(`userName eq "${userName}"`)}&startIndex=1&count=100`);
      expect(all.body.totalResults).toBe(1);
    });

    it("finds the user by its userName in upper case (spec test: Username Case Sensitivity Check)", async () => {
      const res = await okta.get(`/Users?${filterParam(`userName eq "${userName.toUpperCase()}"`)}&startIndex=1&count=100`);
      expect(res.status).toBe(200);
      expectIntegerPaging(res.body);
      expect(res.body.totalResults).toBe(1);
      expect(res.body.Resources[0]).toMatchObject({ id, userName });
    });

    it("reads the user by id and by the first entry of the list (spec test: Get Users/{{id}})", async () => {
      const list = await okta.get("/Users?count=1&startIndex=1");
      expect(list.status).toBe(200);
      expectIntegerPaging(list.body);
      expect(list.body.Resources).toHaveLength(1);
      const first = list.body.Resources[0];
      const res = await okta.get(`/Users/${first.id}`);
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(first.id);
      expect(res.body.name.familyName).toBeTruthy();
      expect(res.body.name.givenName).toBeTruthy();
      expect(res.body.userName).toBeTruthy();
      expect(res.body.active).toBe(true);
      expect(res.body.emails[0].value).toBeTruthy();
    });

    it("answers an unknown id with 404 and a SCIM error body (spec test: Check status 404)", async () => {
      const res = await okta.get("/Users/00919288221112222");
      expectScimError(res, 404);
      const uuid = await okta.get("/Users/010101001010101011001010101011");
      expectScimError(uuid, 404);
    });

    it("answers `Authorization: non-token` with 401, a SCIM JSON body and WWW-Authenticate (spec test: Check status 401)", async () => {
      const res = await okta.get(`/Users?${filterParam(`userName eq "${userName.toUpperCase()}"`)}`, "non-token");
      expectScimError(res, 401);
      expect(res.headers["www-authenticate"]).toMatch(/^Bearer /);
      expect(JSON.stringify(res.body)).not.toContain(userName);
      // a well-formed but unknown bearer token too
      const unknown = await okta.get("/Users?startIndex=1&count=100", "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
      expectScimError(unknown, 401);
      expect(unknown.headers["www-authenticate"]).toMatch(/^Bearer .*error="invalid_token"/);
    });

    it("updates the profile: GET, then PUT of the whole user with the changed attributes", async () => {
      const current = await okta.get(`/Users/${id}`);
      expect(current.status).toBe(200);
      // Okta modifies what changed in the body it read and sends all of it back
      const body = { ...current.body, name: { givenName: "Another", middleName: "Excited", familyName: "User" } };
      const res = await okta.put(`/Users/${id}`, body);
      expect(res.status).toBe(200);
      expectScimJson(res);
      expect(res.body).toMatchObject({
        id,
        userName,
        name: { givenName: "Another", middleName: "Excited", familyName: "User" },
        active: true,
      });

      const read = await okta.get(`/Users/${id}`);
      expect(read.body).toMatchObject({
        id,
        userName,
        name: { givenName: "Another", middleName: "Excited", familyName: "User" },
        emails: [{ primary: true, value: "test.user@okta.local", type: "work" }],
        displayName: "Test User",
        locale: "en-US",
        externalId: "00ujl29u0le5T6Aj10h7",
        active: true,
      });
      expect(read.body.meta.version).not.toBe(current.body.meta.version);
    });

    it("PUT in the protocol reference's exact form (id, meta and groups echoed, no externalId) replaces the user", async () => {
      const res = await okta.put(`/Users/${id}`, {
        schemas: [USER_SCHEMA],
        id,
        userName,
        name: { givenName: "Another", middleName: "Excited", familyName: "User" },
        emails: [{ primary: true, value: "test.user@okta.local", type: "work", display: "test.user@okta.local" }],
        active: true,
        groups: [],
        meta: { resourceType: "User" },
        displayName: "Another User",
      });
      expect(res.status).toBe(200);
      const read = await okta.get(`/Users/${id}`);
      expect(read.body).toMatchObject({
        id,
        userName,
        displayName: "Another User",
        emails: [{ primary: true, value: "test.user@okta.local", type: "work", display: "test.user@okta.local" }],
        active: true,
      });
      // PUT replaces: what the body left out is gone
      expect(read.body.externalId).toBeUndefined();
      expect(read.body.locale).toBeUndefined();
    });

    it("deactivates with a path-less replace {active: false}, then reactivates", async () => {
      const off = await okta.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", value: { active: false } }] });
      expect([200, 204]).toContain(off.status);
      if (off.status === 200) expect(off.body.active).toBe(false);
      const deactivated = await okta.get(`/Users/${id}`);
      expect(deactivated.status).toBe(200);
      expect(deactivated.body).toMatchObject({ id, userName, active: false, displayName: "Another User" });
      // a deactivated user is still found by the lookup (Okta never deletes)
      const lookup = await okta.get(`/Users?${filterParam(`userName eq "${userName}"`)}&startIndex=1&count=100`);
      expect(lookup.body.totalResults).toBe(1);
      expect(lookup.body.Resources[0].active).toBe(false);

      const on = await okta.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", value: { active: true } }] });
      expect([200, 204]).toContain(on.status);
      const reactivated = await okta.get(`/Users/${id}`);
      expect(reactivated.body).toMatchObject({
        id,
        userName,
        active: true,
        displayName: "Another User",
        name: { givenName: "Another", familyName: "User" },
      });
    });
  });

  describe("import: paging through all users with count=100", () => {
    const created = new Set<string>();

    beforeAll(async () => {
      for (let i = 0; i < 215; i++) {
        const n = String(i).padStart(3, "0");
        created.add(await createUser(okta, `import.user${n}@okta.local`, `Import${n}`, `User${n}`));
      }
    });

    /** Okta's import loop: startIndex += count until totalResults is reached. */
    async function importAll(count: number): Promise<{ ids: string[]; totals: number[]; requested: number[]; reported: number[] }> {
      const ids: string[] = [];
      const totals: number[] = [];
      const requested: number[] = [];
      const reported: number[] = [];
      for (let startIndex = 1; ; startIndex += count) {
        const res = await okta.get(`/Users?startIndex=${startIndex}&count=${count}`);
        expect(res.status).toBe(200);
        expectIntegerPaging(res.body);
        const page = (res.body.Resources ?? []) as Array<{ id: string }>;
        expect(res.body.itemsPerPage).toBe(page.length);
        expect(page.length).toBeLessThanOrEqual(count);
        ids.push(...page.map((r) => r.id));
        totals.push(res.body.totalResults);
        requested.push(startIndex);
        reported.push(res.body.startIndex);
        if (startIndex + count > res.body.totalResults) break;
      }
      return { ids, totals, requested, reported };
    }

    it("returns every user exactly once, with an accurate totalResults on every page", async () => {
      const { ids, totals } = await importAll(100);
      expect(totals.length).toBeGreaterThanOrEqual(3);
      expect(new Set(totals).size).toBe(1);
      expect(ids).toHaveLength(totals[0]!);
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of created) expect(ids).toContain(id);
    });

    it("reports on every page the startIndex it was asked for (RFC 7644 §3.4.2.4: the index of the page's first result)", async () => {
      const { requested, reported } = await importAll(100);
      expect(requested).toEqual([1, 101, 201]);
      expect(reported).toEqual(requested);
    });

    it("keeps the same order across passes, page sizes and profile updates in between", async () => {
      const first = await importAll(100);
      // a profile update between two imports must not move the user
      const someone = [...created][42]!;
      const current = await okta.get(`/Users/${someone}`);
      const put = await okta.put(`/Users/${someone}`, { ...current.body, name: { givenName: "Moved", familyName: "Maybe" } });
      expect(put.status).toBe(200);
      const second = await importAll(100);
      expect(second.ids).toEqual(first.ids);
      const smallPages = await importAll(37);
      expect(smallPages.ids).toEqual(first.ids);
      expect((await okta.get(`/Users/${someone}`)).body.name).toEqual({ givenName: "Moved", familyName: "Maybe" });
    });

    it("answers a page past the end with no resources and the same total", async () => {
      const total = (await okta.get("/Users?startIndex=1&count=1")).body.totalResults as number;
      const res = await okta.get(`/Users?startIndex=${total + 1}&count=100`);
      expect(res.status).toBe(200);
      expectIntegerPaging(res.body);
      expect(res.body.totalResults).toBe(total);
      expect(res.body.itemsPerPage).toBe(0);
      expect(res.body.Resources ?? []).toEqual([]);
    });
  });

  describe("group push", () => {
    let alice: string;
    let bob: string;
    let carol: string;
    let groupId: string;

    beforeAll(async () => {
      alice = await createUser(okta, "alice@okta.local", "Alice", "Smith");
      bob = await createUser(okta, "bob@okta.local", "Bob", "Jones");
      carol = await createUser(okta, "carol@okta.local", "Carol", "Brown");
    });

    async function memberIds(): Promise<string[]> {
      const res = await okta.get(`/Groups/${groupId}`);
      expect(res.status).toBe(200);
      return ((res.body.members ?? []) as Array<{ value: string }>).map((m) => m.value).sort();
    }
    async function groupIdsOf(userId: string): Promise<string[]> {
      const res = await okta.get(`/Users/${userId}`);
      expect(res.status).toBe(200);
      return ((res.body.groups ?? []) as Array<{ value: string }>).map((g) => g.value);
    }

    it("creates the pushed group: POST /Groups {displayName, members: []}", async () => {
      const res = await okta.post("/Groups", { schemas: [GROUP_SCHEMA], displayName: "Test SCIMv2", members: [] });
      expect(res.status).toBe(201);
      expectScimJson(res);
      groupId = res.body.id;
      expect(groupId).toEqual(expect.any(String));
      expect(res.body).toMatchObject({ displayName: "Test SCIMv2", meta: { resourceType: "Group" } });
      expect(res.body.members ?? []).toEqual([]);

      const read = await okta.get(`/Groups/${groupId}`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ id: groupId, displayName: "Test SCIMv2", schemas: [GROUP_SCHEMA] });
      expect(read.body.members ?? []).toEqual([]);
    });

    it("adds a member while removing one that is not there (the reference's membership PATCH)", async () => {
      const res = await okta.patch(`/Groups/${groupId}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: "remove", path: 'members[value eq "89bb1940-b905-4575-9e7f-6f887cfb368e"]' },
          { op: "add", path: "members", value: [{ value: alice, display: "alice@okta.local" }] },
        ],
      });
      expect([200, 204]).toContain(res.status);
      expect(await memberIds()).toEqual([alice]);
      const read = await okta.get(`/Groups/${groupId}`);
      expect(read.body.members).toEqual([expect.objectContaining({ value: alice, display: "alice@okta.local" })]);
      expect(await groupIdsOf(alice)).toEqual([groupId]);
      expect(await groupIdsOf(bob)).toEqual([]);
    });

    it("adds a second member; the first stays", async () => {
      const res = await okta.patch(`/Groups/${groupId}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "add", path: "members", value: [{ value: bob, display: "bob@okta.local" }] }],
      });
      expect([200, 204]).toContain(res.status);
      expect(await memberIds()).toEqual([alice, bob].sort());
      expect(await groupIdsOf(bob)).toEqual([groupId]);
    });

    it("removes a member by value filter; only that member goes", async () => {
      const res = await okta.patch(`/Groups/${groupId}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "remove", path: `members[value eq "${alice}"]` }],
      });
      expect([200, 204]).toContain(res.status);
      expect(await memberIds()).toEqual([bob]);
      expect(await groupIdsOf(alice)).toEqual([]);
      expect(await groupIdsOf(bob)).toEqual([groupId]);
    });

    it("replaces the whole membership with one replace of members", async () => {
      const res = await okta.patch(`/Groups/${groupId}`, {
        schemas: [PATCH_OP],
        Operations: [
          {
            op: "replace",
            path: "members",
            value: [
              { value: alice, display: "alice@okta.local" },
              { value: carol, display: "carol@okta.local" },
            ],
          },
        ],
      });
      expect([200, 204]).toContain(res.status);
      expect(await memberIds()).toEqual([alice, carol].sort());
      expect(await groupIdsOf(bob)).toEqual([]);
      expect(await groupIdsOf(carol)).toEqual([groupId]);
    });

    it("renames with {op: replace, value: {id, displayName}} sent along with membership changes", async () => {
      const res = await okta.patch(`/Groups/${groupId}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: "replace", value: { id: groupId, displayName: "Test SCIMv20" } },
          { op: "remove", path: `members[value eq "${carol}"]` },
          { op: "add", path: "members", value: [{ value: bob, display: "bob@okta.local" }] },
        ],
      });
      expect([200, 204]).toContain(res.status);
      const read = await okta.get(`/Groups/${groupId}`);
      expect(read.body).toMatchObject({ id: groupId, displayName: "Test SCIMv20" });
      expect(await memberIds()).toEqual([alice, bob].sort());
      const byNew = await okta.get(`/Groups?${filterParam('displayName eq "Test SCIMv20"')}&startIndex=1&count=100`);
      expect(byNew.body.totalResults).toBe(1);
      expect(byNew.body.Resources[0].id).toBe(groupId);
      const byOld = await okta.get(`/Groups?${filterParam('displayName eq "Test SCIMv2"')}&startIndex=1&count=100`);
      expect(byOld.body.totalResults).toBe(0);
      // the user's view of its groups shows the new name
      const aliceRead = await okta.get(`/Users/${alice}`);
      expect(aliceRead.body.groups).toEqual([expect.objectContaining({ value: groupId, display: "Test SCIMv20" })]);
    });

    it("repeats the rename (Okta sends it with every membership update) without touching the members", async () => {
      const res = await okta.patch(`/Groups/${groupId}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "replace", value: { id: groupId, displayName: "Test SCIMv20" } }],
      });
      expect([200, 204]).toContain(res.status);
      const read = await okta.get(`/Groups/${groupId}`);
      expect(read.body.displayName).toBe("Test SCIMv20");
      expect(await memberIds()).toEqual([alice, bob].sort());
    });

    it("lists groups for import with integer paging fields (GET /Groups?startIndex=1&count=100)", async () => {
      const res = await okta.get("/Groups?startIndex=1&count=100");
      expect(res.status).toBe(200);
      expectIntegerPaging(res.body);
      expect(res.body.totalResults).toBe(1);
      expect(res.body.Resources[0]).toMatchObject({ id: groupId, displayName: "Test SCIMv20" });
    });

    it("deletes the group: 204, then 404, and its users no longer list it", async () => {
      const res = await okta.delete(`/Groups/${groupId}`);
      expect(res.status).toBe(204);
      expectScimError(await okta.get(`/Groups/${groupId}`), 404);
      expect(await groupIdsOf(alice)).toEqual([]);
      expect(await groupIdsOf(bob)).toEqual([]);
      // the members themselves are untouched
      const aliceRead = await okta.get(`/Users/${alice}`);
      expect(aliceRead.body).toMatchObject({ id: alice, userName: "alice@okta.local", active: true });
      const list = await okta.get("/Groups?startIndex=1&count=100");
      expect(list.body.totalResults).toBe(0);
    });
  });
});
