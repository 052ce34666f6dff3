/**
 * SCIM answers as RFC 7643 / RFC 7644 and the schemas the bridge publishes at /Schemas say: every
 * representation carries `schemas`, references carry `$ref`, the discovery endpoints are read-only,
 * the root search spans both resource types, Bulk resolves `bulkId` references and runs each operation
 * as its single form would, and a PATCH value filter that matches nothing adds what Okta and Entra ID
 * mean by it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import request from "supertest";
import { openTestStore, type TestStore } from "../../helpers/store.js";
import { system } from "../../helpers/app.js";
import { startTestServer, type StartedServer } from "../../helpers/server.js";
import { ENTERPRISE, GROUP_SCHEMA, USER_SCHEMA, patchOp, scimClient } from "../../helpers/scim.js";
import { createRole } from "../../../src/oauth/role-service.js";
import { createDivision } from "../../../src/authz/divisions.js";
import { createClient } from "../../../src/oauth/client-registry.js";
import {
  BULK_REQUEST,
  BULK_RESPONSE,
  LIST_RESPONSE,
  SEARCH_REQUEST,
  Transcript,
  expectScimError,
  scimAt,
  snapshot,
  tokenAt,
  type Reply,
  type ScimAt,
} from "./http.js";

const GENESYS_TENANT_PATH = "/api/v2/scim/v2";

function user(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schemas: [USER_SCHEMA], userName, displayName: `Name of ${userName}`, active: true, ...extra };
}
function group(displayName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schemas: [GROUP_SCHEMA], displayName, ...extra };
}
const ids = (res: Reply): string[] => (res.body.Resources ?? []).map((r: { id: string }) => r.id);

describe("SCIM answers as the RFCs and the published schemas say", () => {
  let ts: TestStore;
  let srv: StartedServer;
  let scim: ScimAt;
  /** The same client at the Genesys Cloud tenant path. */
  let tenant: ScimAt;
  const transcript = new Transcript();

  async function refused(send: () => Promise<Reply>, status: number, scimType: string | null): Promise<Reply> {
    const before = await snapshot(ts.store);
    const res = await send();
    expectScimError(res, status, scimType);
    expect(await snapshot(ts.store)).toBe(before);
    return res;
  }
  const storedResource = async (id: string) =>
    (await ts.store.query<{ resource: Record<string, unknown> }>("select resource from scim_users where id = $1", [id]))[0]?.resource;
  const outboxOf = async (id: string) =>
    ts.store.query<{ version: number; op: string }>("select version, op from outbox where resource_id = $1 order by id", [id]);
  const agentFor = async (permissions: string[], divisions: string[] = ["*"]) => {
    const role = await createRole(ts.store, system, new Date(), { name: `role ${permissions.join(" ")} ${Math.random()}`, permissions });
    const client = await createClient(ts.store, system, new Date(), {
      name: `client ${Math.random()}`,
      roleDivisions: divisions.map((divisionId) => ({ roleId: role.id, divisionId })),
    });
    return scimAt(srv.url, await tokenAt(srv.url, client), transcript);
  };

  beforeAll(async () => {
    ts = await openTestStore();
    srv = await startTestServer(ts.store, { LOG_LEVEL: "warn" });
    const token = await tokenAt(srv.url, await scimClient(ts.store));
    scim = scimAt(srv.url, token, transcript);
    tenant = scimAt(srv.url, token, transcript, GENESYS_TENANT_PATH);
  });
  afterEach(async () => {
    const res = transcript.keep("GET /healthz", await request(srv.url).get("/healthz"));
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await srv?.close();
    await ts?.close();
  });

  describe("`schemas` on every representation, projected or not (RFC 7643 §3: REQUIRED)", () => {
    let userId: string;
    let groupId: string;
    beforeAll(async () => {
      const u = await scim.post(
        "/Users",
        user("projected@example.com", { externalId: "ext-u", schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { department: "Sales" } }),
      );
      expect(u.status).toBe(201);
      userId = u.body.id;
      const g = await scim.post("/Groups", group("Projected Group", { externalId: "ext-g", members: [{ value: userId }] }));
      expect(g.status).toBe(201);
      groupId = g.body.id;
    });

    it("GET /Groups/{id}?attributes=externalId and /Users/{id}?attributes=userName carry schemas", async () => {
      const g = await scim.get(`/Groups/${groupId}?attributes=externalId`);
      expect(g.status).toBe(200);
      expect(g.body.schemas).toEqual([GROUP_SCHEMA]);
      expect(g.body).toMatchObject({ id: groupId, externalId: "ext-g" });
      expect(g.body.displayName).toBeUndefined();
      const u = await scim.get(`/Users/${userId}?attributes=userName`);
      expect(u.status).toBe(200);
      expect(u.body.schemas[0]).toBe(USER_SCHEMA);
      expect(u.body).toMatchObject({ id: userId, userName: "projected@example.com" });
      expect(u.body.displayName).toBeUndefined();
      const excluded = await scim.get(`/Users/${userId}?excludedAttributes=${encodeURIComponent(`${ENTERPRISE},emails`)}`);
      expect(excluded.status).toBe(200);
      expect(excluded.body.schemas[0]).toBe(USER_SCHEMA);
      expect(excluded.body[ENTERPRISE]).toBeUndefined();
    });

    it("attributes naming a sub-attribute or an extension attribute (RFC 7644 §3.4.2.5) of a user with extension data: 200, with schemas", async () => {
      // on a user without extension data these work
      const plain = (await scim.post("/Users", user("no.extension@example.com", { name: { givenName: "Plain", familyName: "User" } }))).body
        .id as string;
      const sub = await scim.get(`/Users/${plain}?attributes=name.givenName`);
      expect(sub.status).toBe(200);
      expect(sub.body).toMatchObject({ id: plain, name: { givenName: "Plain" } });
      expect(sub.body.name.familyName).toBeUndefined();
      expect(sub.body.schemas[0]).toBe(USER_SCHEMA);
      const ext = await scim.get(`/Users/${userId}?attributes=${encodeURIComponent(`${ENTERPRISE}:department`)}`);
      expect({ status: ext.status, detail: ext.body.detail }).toEqual({ status: 200, detail: undefined });
      expect(ext.body.schemas).toEqual(expect.arrayContaining([USER_SCHEMA, ENTERPRISE]));
      expect(ext.body[ENTERPRISE]).toEqual({ department: "Sales" });
      const nested = await scim.get(`/Users/${userId}?attributes=name.givenName`);
      expect(nested.status).toBe(200);
      const list = await scim.get("/Users?attributes=name.givenName");
      expect(list.status).toBe(200);
    });

    it("a projected user lists in schemas only the schemas whose attributes are present, as an unprojected one does (RFC 7643 §3)", async () => {
      const plain = await scim.get(`/Users/${userId}`);
      expect(plain.body.schemas).toEqual([USER_SCHEMA, ENTERPRISE]);
      const projected = await scim.get(`/Users/${userId}?attributes=userName`);
      expect(projected.body.schemas).toEqual([USER_SCHEMA]);
      const ext = await scim.get(`/Users/${userId}?attributes=${encodeURIComponent(`${ENTERPRISE}:department`)}`);
      expect(ext.body.schemas).toEqual([USER_SCHEMA, ENTERPRISE]);
    });

    it("list and search responses with attributes= carry schemas on every resource (and ListResponse on the list)", async () => {
      for (const res of [
        await scim.get("/Users?attributes=userName"),
        await scim.get("/Groups?attributes=externalId"),
        await scim.get(`/Groups?attributes=displayName&filter=${encodeURIComponent('displayName eq "Projected Group"')}`),
        await scim.post("/Users/.search", { schemas: [SEARCH_REQUEST], attributes: ["userName"] }),
        await scim.post("/Groups/.search", { schemas: [SEARCH_REQUEST], attributes: ["externalId"] }),
        await tenant.get("/Users?attributes=userName"),
      ]) {
        expect(res.status).toBe(200);
        expect(res.body.schemas).toEqual([LIST_RESPONSE]);
        expect(res.body.Resources.length).toBeGreaterThan(0);
        for (const r of res.body.Resources) {
          expect(Array.isArray(r.schemas)).toBe(true);
          expect([USER_SCHEMA, GROUP_SCHEMA]).toContain(r.schemas[0]);
          expect(typeof r.id).toBe("string");
        }
      }
    });
  });

  describe("$ref of members, groups and manager (RFC 7643 §4.1.2, §4.2, §4.3): absolute, under the base the request came to", () => {
    let managerId: string;
    let reportId: string;
    let childId: string;
    let parentId: string;
    beforeAll(async () => {
      managerId = (await scim.post("/Users", user("manager@example.com"))).body.id;
      const report = await scim.post(
        "/Users",
        user("report@example.com", { schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { manager: { value: managerId } } }),
      );
      expect(report.status).toBe(201);
      reportId = report.body.id;
      childId = (await scim.post("/Groups", group("Child Group"))).body.id;
      const parent = await scim.post("/Groups", group("Parent Group", { members: [{ value: reportId }, { value: childId }] }));
      expect(parent.status).toBe(201);
      parentId = parent.body.id;
    });

    for (const base of ["/scim/v2", GENESYS_TENANT_PATH]) {
      it(`members[].$ref (Users/… and Groups/… for a nested group), groups[].$ref and manager.$ref under ${base}`, async () => {
        const agent = base === GENESYS_TENANT_PATH ? tenant : scim;
        const abs = `${srv.url}${base}`;
        const g = await agent.get(`/Groups/${parentId}`);
        expect(g.status).toBe(200);
        expect(g.body.members).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ value: reportId, type: "User", $ref: `${abs}/Users/${reportId}` }),
            expect.objectContaining({ value: childId, type: "Group", $ref: `${abs}/Groups/${childId}` }),
          ]),
        );
        expect(g.body.members).toHaveLength(2);
        expect(g.body.meta.location).toBe(`${abs}/Groups/${parentId}`);
        const u = await agent.get(`/Users/${reportId}`);
        expect(u.body.groups).toEqual([expect.objectContaining({ value: parentId, $ref: `${abs}/Groups/${parentId}` })]);
        expect(u.body[ENTERPRISE].manager).toEqual(expect.objectContaining({ value: managerId, $ref: `${abs}/Users/${managerId}` }));
        const list = await agent.get(`/Groups?filter=${encodeURIComponent('displayName eq "Parent Group"')}`);
        expect(list.body.Resources[0].members.map((m: { $ref: string }) => m.$ref).sort()).toEqual(
          [`${abs}/Groups/${childId}`, `${abs}/Users/${reportId}`].sort(),
        );
        const child = await agent.get(`/Groups/${childId}`);
        expect(child.body.members).toEqual([]);
      });
    }

    it("a POST answers with the $refs and an absolute Location; attributes=members keeps them, attributes=members.value does not ask for them", async () => {
      const made = await scim.post("/Groups", group("Fresh Group", { members: [{ value: managerId }] }));
      expect(made.status).toBe(201);
      expect(made.body.members).toEqual([expect.objectContaining({ value: managerId, $ref: `${srv.url}/scim/v2/Users/${managerId}` })]);
      expect(made.headers.location).toBe(`${srv.url}/scim/v2/Groups/${made.body.id}`);
      const withMembers = await scim.get(`/Groups/${parentId}?attributes=members`);
      expect(withMembers.body.members.every((m: { $ref?: string }) => typeof m.$ref === "string")).toBe(true);
      const valuesOnly = await scim.get(`/Groups/${parentId}?attributes=members.value`);
      expect(valuesOnly.status).toBe(200);
      for (const m of valuesOnly.body.members) expect(m.$ref).toBeUndefined();
    });
  });

  describe("roles[].type and x509Certificates[].type: RFC 7643 §4.1.2 defines no canonical values, so any label is taken", () => {
    it("POST, PUT and PATCH with type custom (and another) are accepted and returned", async () => {
      const cert = Buffer.from("not really a certificate").toString("base64");
      const made = await scim.post(
        "/Users",
        user("labels@example.com", { roles: [{ value: "agent", type: "custom" }], x509Certificates: [{ value: cert, type: "custom" }] }),
      );
      expect(made.status).toBe(201);
      const id = made.body.id as string;
      let got = await scim.get(`/Users/${id}`);
      expect(got.body.roles).toEqual([{ value: "agent", type: "custom" }]);
      expect(got.body.x509Certificates).toEqual([{ value: cert, type: "custom" }]);
      const put = await scim.put(
        `/Users/${id}`,
        user("labels@example.com", {
          roles: [{ value: "lead", type: "Team Lead (EMEA)" }],
          x509Certificates: [{ value: cert, type: "signing" }],
        }),
      );
      expect(put.status).toBe(200);
      const patched = await scim.patch(
        `/Users/${id}`,
        patchOp(
          { op: "add", path: "roles", value: [{ value: "qa", type: "x-anything" }] },
          { op: "add", path: "x509Certificates", value: [{ value: cert, type: "" }] },
        ),
      );
      expect(patched.status).toBe(204);
      got = await scim.get(`/Users/${id}`);
      expect(got.body.roles.map((r: { type: string }) => r.type)).toEqual(["Team Lead (EMEA)", "x-anything"]);
      expect(got.body.x509Certificates.map((r: { type: string }) => r.type)).toEqual(["signing", ""]);
    });
  });

  describe("the enterprise extension as a whole", () => {
    it("PATCH remove with path = the extension's URN removes all its attributes: 204, GET shows no extension, the change reaches the outbox", async () => {
      const managerId = (await scim.post("/Users", user("ext.manager@example.com"))).body.id as string;
      const made = await scim.post(
        "/Users",
        user("ext.whole@example.com", {
          schemas: [USER_SCHEMA, ENTERPRISE],
          [ENTERPRISE]: { employeeNumber: "701", department: "Ops", costCenter: "4130", manager: { value: managerId } },
        }),
      );
      expect(made.status).toBe(201);
      const id = made.body.id as string;
      const res = await scim.patch(`/Users/${id}`, patchOp({ op: "remove", path: ENTERPRISE }));
      expect(res.status).toBe(204);
      const got = await scim.get(`/Users/${id}`);
      expect(got.body[ENTERPRISE]).toBeUndefined();
      expect(got.body.schemas).toEqual([USER_SCHEMA]);
      expect(got.body.userName).toBe("ext.whole@example.com");
      expect((await storedResource(id))?.[ENTERPRISE]).toBeUndefined();
      expect(await outboxOf(id)).toEqual([
        { version: 1, op: "upsert" },
        { version: 2, op: "upsert" },
      ]);
      // the URN in another case (URNs compare case-insensitively, RFC 8141 §3.1), on a user with the extension again
      expect((await scim.patch(`/Users/${id}`, patchOp({ op: "add", path: `${ENTERPRISE}:department`, value: "Back" }))).status).toBe(204);
      expect((await scim.patch(`/Users/${id}`, patchOp({ op: "remove", path: ENTERPRISE.toLowerCase() }))).status).toBe(204);
      expect((await scim.get(`/Users/${id}`)).body[ENTERPRISE]).toBeUndefined();
    });

    it("removing the whole extension from a user that has none is a no-op (204), as removing an unset attribute is", async () => {
      const id = (await scim.post("/Users", user("ext.none@example.com"))).body.id as string;
      expect((await scim.patch(`/Users/${id}`, patchOp({ op: "remove", path: "nickName" }))).status).toBe(204);
      expect((await scim.patch(`/Users/${id}`, patchOp({ op: "remove", path: `${ENTERPRISE}:department` }))).status).toBe(204);
      const res = await scim.patch(`/Users/${id}`, patchOp({ op: "remove", path: ENTERPRISE }));
      expect({ status: res.status, detail: res.body?.detail }).toEqual({ status: 204, detail: undefined });
    });

    it("an extension value carrying a `schemas` key is accepted (POST, PUT, PATCH with and without a path) and stored without it", async () => {
      const withSchemas = (attrs: Record<string, unknown>) => ({ schemas: [ENTERPRISE], ...attrs });
      const made = await scim.post(
        "/Users",
        user("ext.schemas@example.com", { schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: withSchemas({ department: "One" }) }),
      );
      expect(made.status).toBe(201);
      const id = made.body.id as string;
      expect(await storedResource(id)).toMatchObject({ [ENTERPRISE]: { department: "One" } });
      expect(((await storedResource(id))?.[ENTERPRISE] as Record<string, unknown>).schemas).toBeUndefined();
      const accepted = async (send: () => Promise<Reply>, status: number, department: string) => {
        const res = await send();
        expect({ status: res.status, detail: res.body?.detail }).toEqual({ status, detail: undefined });
        expect((await storedResource(id))?.[ENTERPRISE]).toEqual({ department });
        expect((await scim.get(`/Users/${id}`)).body[ENTERPRISE]).toEqual({ department });
      };
      await accepted(
        () =>
          scim.put(
            `/Users/${id}`,
            user("ext.schemas@example.com", { schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: withSchemas({ department: "Two" }) }),
          ),
        200,
        "Two",
      );
      await accepted(
        () => scim.patch(`/Users/${id}`, patchOp({ op: "replace", value: { [ENTERPRISE]: withSchemas({ department: "Three" }) } })),
        204,
        "Three",
      );
      await accepted(
        () => scim.patch(`/Users/${id}`, patchOp({ op: "add", value: { [ENTERPRISE]: withSchemas({ department: "Four" }) } })),
        204,
        "Four",
      );
      // the same value without `schemas`, with the extension's URN as the path, is accepted
      await accepted(
        () => scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: ENTERPRISE, value: { department: "Five" } })),
        204,
        "Five",
      );
      await accepted(
        () => scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: ENTERPRISE, value: withSchemas({ department: "Six" }) })),
        204,
        "Six",
      );
      await accepted(
        () => scim.patch(`/Users/${id}`, patchOp({ op: "add", path: ENTERPRISE, value: withSchemas({ department: "Seven" }) })),
        204,
        "Seven",
      );
    });
  });

  describe("the discovery endpoints are read-only (RFC 7644 §4): 405 with Allow (RFC 9110 §15.5.6)", () => {
    const paths = ["/ServiceProviderConfig", "/ResourceTypes", "/ResourceTypes/User", "/Schemas", `/Schemas/${USER_SCHEMA}`];
    for (const path of paths) {
      it(`${path}: POST, PUT, PATCH and DELETE are 405 with Allow: GET, HEAD in SCIM format; GET and HEAD work`, async () => {
        for (const send of [
          () => scim.post(path, {}),
          () => scim.put(path, { schemas: [USER_SCHEMA] }),
          () => scim.patch(path, patchOp({ op: "replace", path: "patch", value: false })),
          () => scim.delete(path),
        ]) {
          const res = await refused(send, 405, null);
          expect(res.headers.allow).toBe("GET, HEAD");
        }
        const tenantRes = await refused(() => tenant.delete(path), 405, null);
        expect(tenantRes.headers.allow).toBe("GET, HEAD");
        const got = await scim.get(path);
        expect(got.status).toBe(200);
        expect(got.headers["content-type"]).toMatch(/^application\/scim\+json/);
        const head = transcript.keep(
          `HEAD ${path}`,
          await request(srv.url).head(`/scim/v2${path}`).set("authorization", `Bearer ${scim.token}`),
        );
        expect(head.status).toBe(200);
      });
    }
  });

  describe("root POST /.search across Users and Groups (RFC 7644 §3.4.3)", () => {
    let users: string[];
    let groups: string[];
    const search = (body: Record<string, unknown>, agent: ScimAt = scim) => agent.post("/.search", { schemas: [SEARCH_REQUEST], ...body });

    beforeAll(async () => {
      // the resources of the other tests are there too; these make sure both types have several
      for (let i = 0; i < 3; i++) expect((await scim.post("/Users", user(`root.${i}@example.com`))).status).toBe(201);
      for (let i = 0; i < 3; i++) expect((await scim.post("/Groups", group(`Root Group ${i}`))).status).toBe(201);
      users = ids(await scim.get("/Users?count=1000"));
      groups = ids(await scim.get("/Groups?count=1000"));
      expect(users.length).toBeGreaterThan(3);
      expect(groups.length).toBeGreaterThan(3);
    });

    it("totalResults = users + groups; users first, then groups", async () => {
      const res = await search({ count: 1000 });
      expect(res.status).toBe(200);
      expect(res.body.schemas).toEqual([LIST_RESPONSE]);
      expect(res.body.totalResults).toBe(users.length + groups.length);
      expect(ids(res)).toEqual([...users, ...groups]);
      expect(res.body.itemsPerPage).toBe(users.length + groups.length);
      const types = res.body.Resources.map((r: { schemas: string[] }) => r.schemas[0]);
      expect(types).toEqual([...users.map(() => USER_SCHEMA), ...groups.map(() => GROUP_SCHEMA)]);
      const tenantRes = await search({ count: 1000 }, tenant);
      expect(ids(tenantRes)).toEqual([...users, ...groups]);
      const counted = await search({ count: 0 });
      expect(counted.body.totalResults).toBe(users.length + groups.length);
      expect(counted.body.Resources ?? []).toEqual([]);
    });

    it("paging across the two: a page that spans the last users and the first groups, and pages within each", async () => {
      const all = [...users, ...groups];
      for (const [startIndex, count] of [
        [users.length - 1, 4],
        [users.length, 2],
        [users.length + 1, 2],
        [1, 2],
        [users.length + groups.length, 5],
        [users.length + groups.length + 1, 5],
        [2, users.length + groups.length],
      ] as const) {
        const res = await search({ startIndex, count });
        expect(res.status).toBe(200);
        expect({ startIndex, count, ids: ids(res), total: res.body.totalResults, startEcho: res.body.startIndex }).toEqual({
          startIndex,
          count,
          ids: all.slice(startIndex - 1, startIndex - 1 + count),
          total: all.length,
          startEcho: startIndex,
        });
      }
    });

    it("a filter naming a user-only attribute (userName) returns users only; one both types have returns both", async () => {
      const byName = await search({ filter: 'userName sw "root."' });
      expect(byName.status).toBe(200);
      expect(byName.body.totalResults).toBe(3);
      expect(byName.body.Resources.every((r: { schemas: string[] }) => r.schemas[0] === USER_SCHEMA)).toBe(true);
      const both = await search({ filter: 'displayName sw "Root Group" or displayName eq "Name of root.0@example.com"' });
      expect(both.body.totalResults).toBe(4);
      expect(both.body.Resources.map((r: { schemas: string[] }) => r.schemas[0])).toEqual([
        USER_SCHEMA,
        GROUP_SCHEMA,
        GROUP_SCHEMA,
        GROUP_SCHEMA,
      ]);
      const groupOnly = await search({ filter: 'members pr and displayName sw "Root"' });
      expect(groupOnly.status).toBe(200);
      expect(groupOnly.body.Resources.every((r: { schemas: string[] }) => r.schemas[0] === GROUP_SCHEMA)).toBe(true);
      await refused(() => search({ filter: 'userName eq "x" and' }), 400, "invalidFilter");
    });

    it("a filter naming an attribute neither type has: 400 invalidFilter, as GET /Users and GET /Groups answer it", async () => {
      await refused(() => scim.get(`/Users?filter=${encodeURIComponent('favoriteColor eq "blue"')}`), 400, "invalidFilter");
      await refused(() => scim.get(`/Groups?filter=${encodeURIComponent('favoriteColor eq "blue"')}`), 400, "invalidFilter");
      await refused(() => search({ filter: 'favoriteColor eq "blue"' }), 400, "invalidFilter");
    });

    it("attributes projection: only the asked attributes, with id and schemas", async () => {
      const res = await search({ attributes: ["displayName"], count: 1000 });
      expect(res.status).toBe(200);
      expect(res.body.totalResults).toBe(users.length + groups.length);
      for (const r of res.body.Resources) {
        expect(Object.keys(r).sort()).toEqual(["displayName", "id", "schemas"]);
        expect([USER_SCHEMA, GROUP_SCHEMA]).toContain(r.schemas[0]);
      }
      const excluded = await search({ excludedAttributes: ["members", "emails", "groups"], count: 1000 });
      for (const r of excluded.body.Resources) {
        expect(r.members).toBeUndefined();
        expect(r.groups).toBeUndefined();
      }
    });

    it("a client with only directory:user:view gets users only; one with only directory:group:view, groups only; one with neither, 403", async () => {
      const userViewer = await agentFor(["directory:user:view"]);
      const onlyUsers = await search({ count: 1000 }, userViewer);
      expect(onlyUsers.status).toBe(200);
      expect(onlyUsers.body.totalResults).toBe(users.length);
      expect(ids(onlyUsers)).toEqual(users);
      const groupViewer = await agentFor(["directory:group:view"]);
      const onlyGroups = await search({ count: 1000 }, groupViewer);
      expect(onlyGroups.status).toBe(200);
      expect(onlyGroups.body.totalResults).toBe(groups.length);
      expect(ids(onlyGroups)).toEqual(groups);
      const nothing = await agentFor(["routing:skill:assign"]);
      await refused(() => search({}, nothing), 403, null);
    });
  });

  describe("/Bulk (RFC 7644 §3.7)", () => {
    let divA: string;
    const bulk = (Operations: unknown[], extra: Record<string, unknown> = {}, agent: ScimAt = scim) =>
      agent.post("/Bulk", { schemas: [BULK_REQUEST], Operations, ...extra });
    const idOf = (location: string) => location.split("/").pop()!;
    const findUser = async (userName: string) =>
      (await scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`)).body.Resources?.[0];
    const findGroup = async (displayName: string) =>
      (await scim.get(`/Groups?filter=${encodeURIComponent(`displayName eq "${displayName}"`)}`)).body.Resources?.[0];

    beforeAll(async () => {
      divA = (await createDivision(ts.store, system, new Date(), { name: "A", description: "division A" })).id;
      await createDivision(ts.store, system, new Date(), { name: "B", description: "division B" });
    });

    it("a group referring to the bulkId of a user created later in the request (a forward reference): both created, the member resolved (§3.7.2)", async () => {
      const res = await bulk([
        { method: "POST", path: "/Groups", bulkId: "g1", data: group("Bulk Forward", { members: [{ type: "User", value: "bulkId:u1" }] }) },
        { method: "POST", path: "/Users", bulkId: "u1", data: user("bulk.forward@example.com") },
      ]);
      expect(res.status).toBe(200);
      expect(res.body.schemas).toEqual([BULK_RESPONSE]);
      const byId = Object.fromEntries(res.body.Operations.map((o: { bulkId: string }) => [o.bulkId, o]));
      expect(byId.u1).toMatchObject({ method: "POST", status: "201" });
      expect(byId.g1).toMatchObject({ method: "POST", status: "201" });
      const userId = idOf(byId.u1.location);
      expect(byId.u1.location).toBe(`${srv.url}/scim/v2/Users/${userId}`);
      expect(byId.u1.version).toBe('W/"1"');
      const g = await scim.get(`/Groups/${idOf(byId.g1.location)}`);
      expect(g.body.members).toEqual([expect.objectContaining({ value: userId, type: "User" })]);
      expect((await findUser("bulk.forward@example.com")).id).toBe(userId);
    });

    it("PATCH /Users/bulkId:x and /Groups/bulkId:y resolve to the resources created in the same request", async () => {
      const res = await bulk([
        { method: "PATCH", path: "/Groups/bulkId:y", data: patchOp({ op: "add", path: "members", value: [{ value: "bulkId:x" }] }) },
        { method: "PATCH", path: "/Users/bulkId:x", data: patchOp({ op: "replace", path: "displayName", value: "Patched In Bulk" }) },
        { method: "POST", path: "/Users", bulkId: "x", data: user("bulk.patched@example.com") },
        { method: "POST", path: "/Groups", bulkId: "y", data: group("Bulk Patched Group") },
      ]);
      expect(res.status).toBe(200);
      expect(res.body.Operations.map((o: { status: string }) => o.status).sort()).toEqual(["200", "200", "201", "201"]);
      const u = await findUser("bulk.patched@example.com");
      expect(u.displayName).toBe("Patched In Bulk");
      const g = await findGroup("Bulk Patched Group");
      expect(g.members.map((m: { value: string }) => m.value)).toEqual([u.id]);
      const patchResult = res.body.Operations.find(
        (o: { method: string; location?: string }) => o.method === "PATCH" && o.location?.includes("/Users/"),
      );
      expect(patchResult.location).toBe(`${srv.url}/scim/v2/Users/${u.id}`);
      expect(patchResult.version).toBe('W/"2"');
    });

    it("failOnErrors: 1 stops after the first error: the rest is neither run nor in the response (§3.7.3)", async () => {
      const res = await bulk(
        [
          { method: "POST", path: "/Users", bulkId: "bad", data: { schemas: [USER_SCHEMA], displayName: "No userName" } },
          { method: "POST", path: "/Users", bulkId: "next1", data: user("bulk.after.error.1@example.com") },
          { method: "POST", path: "/Users", bulkId: "next2", data: user("bulk.after.error.2@example.com") },
        ],
        { failOnErrors: 1 },
      );
      expect(res.status).toBe(200);
      expect(res.body.Operations).toHaveLength(1);
      expect(res.body.Operations[0]).toMatchObject({ bulkId: "bad", status: "400" });
      expect(res.body.Operations[0].response.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:Error"]);
      expect(await findUser("bulk.after.error.1@example.com")).toBeUndefined();
      expect(await findUser("bulk.after.error.2@example.com")).toBeUndefined();
      // without failOnErrors, all run
      const all = await bulk([
        { method: "POST", path: "/Users", bulkId: "bad", data: { schemas: [USER_SCHEMA], displayName: "No userName" } },
        { method: "POST", path: "/Users", bulkId: "next1", data: user("bulk.after.error.1@example.com") },
      ]);
      expect(all.body.Operations.map((o: { status: string }) => o.status)).toEqual(["400", "201"]);
    });

    it("failOnErrors: 2 runs until the second error; the Genesys tenant path answers with locations under its own base", async () => {
      const res = await bulk(
        [
          { method: "DELETE", path: "/Users/00000000-0000-4000-8000-000000000001" },
          { method: "POST", path: "/Users", bulkId: "between", data: user("bulk.between.errors@example.com") },
          { method: "DELETE", path: "/Groups/00000000-0000-4000-8000-000000000002" },
          { method: "POST", path: "/Users", bulkId: "late", data: user("bulk.late@example.com") },
        ],
        { failOnErrors: 2 },
        tenant,
      );
      expect(res.status).toBe(200);
      expect(res.body.Operations.map((o: { status: string }) => o.status)).toEqual(["404", "201", "404"]);
      expect(res.body.Operations[1].location).toMatch(new RegExp(`^${srv.url}${GENESYS_TENANT_PATH}/Users/[\\w-]+$`));
      expect(await findUser("bulk.late@example.com")).toBeUndefined();
    });

    it("an undefined bulkId fails that operation; the others run", async () => {
      const before = await snapshot(ts.store);
      const res = await bulk([
        { method: "POST", path: "/Groups", bulkId: "dangling", data: group("Bulk Dangling", { members: [{ value: "bulkId:nobody" }] }) },
        { method: "POST", path: "/Users", bulkId: "fine", data: user("bulk.fine@example.com") },
        { method: "PATCH", path: "/Users/bulkId:nobody", data: patchOp({ op: "replace", path: "displayName", value: "x" }) },
      ]);
      expect(res.status).toBe(200);
      const byId = Object.fromEntries(res.body.Operations.map((o: { bulkId?: string; method: string }) => [o.bulkId ?? o.method, o]));
      expect(Number(byId.dangling.status)).toBeGreaterThanOrEqual(400);
      expect(byId.dangling.response.detail).toMatch(/nobody/);
      expect(Number(byId.PATCH.status)).toBeGreaterThanOrEqual(400);
      expect(byId.fine.status).toBe("201");
      expect(await findGroup("Bulk Dangling")).toBeUndefined();
      expect(await snapshot(ts.store)).not.toBe(before);
    });

    it("a circular reference: 409 for the operations in the circle, nothing of them stored; the rest runs (§3.7.2)", async () => {
      const res = await bulk([
        { method: "POST", path: "/Groups", bulkId: "ca", data: group("Circle A", { members: [{ value: "bulkId:cb" }] }) },
        { method: "POST", path: "/Groups", bulkId: "cb", data: group("Circle B", { members: [{ value: "bulkId:ca" }] }) },
        { method: "POST", path: "/Users", bulkId: "outside", data: user("bulk.outside.circle@example.com") },
      ]);
      expect(res.status).toBe(200);
      const byId = Object.fromEntries(res.body.Operations.map((o: { bulkId: string }) => [o.bulkId, o]));
      expect(byId.ca.status).toBe("409");
      expect(byId.cb.status).toBe("409");
      expect(byId.outside.status).toBe("201");
      expect(await findGroup("Circle A")).toBeUndefined();
      expect(await findGroup("Circle B")).toBeUndefined();
    });

    it("each operation obeys rights and division scoping: a client scoped to A cannot create a user in B (403, nothing stored for it); its user in A is created", async () => {
      const onlyA = scimAt(srv.url, await tokenAt(srv.url, await scimClient(ts.store, [divA])), transcript);
      const inDivision = (userName: string, division: string) =>
        user(userName, { schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { division } });
      const before = await snapshot(ts.store);
      const res = await bulk(
        [
          { method: "POST", path: "/Users", bulkId: "inB", data: inDivision("bulk.in.b@example.com", "B") },
          { method: "POST", path: "/Users", bulkId: "inHome", data: user("bulk.in.home@example.com") },
          { method: "POST", path: "/Users", bulkId: "inA", data: inDivision("bulk.in.a@example.com", "A") },
        ],
        {},
        onlyA,
      );
      expect(res.status).toBe(200);
      const byId = Object.fromEntries(res.body.Operations.map((o: { bulkId: string }) => [o.bulkId, o]));
      expect(byId.inB.status).toBe("403");
      expect(byId.inB.response.schemas).toEqual(["urn:ietf:params:scim:api:messages:2.0:Error"]);
      expect(byId.inHome.status).toBe("403");
      expect(byId.inA.status).toBe("201");
      expect(await findUser("bulk.in.b@example.com")).toBeUndefined();
      expect(await findUser("bulk.in.home@example.com")).toBeUndefined();
      expect(await snapshot(ts.store)).not.toBe(before);
      // a user of another division is absent for it, in Bulk as in the single form (404)
      const other = (await scim.post("/Users", inDivision("bulk.other.b@example.com", "B"))).body.id as string;
      const viewer = await agentFor(["directory:user:view"]);
      const snap = await snapshot(ts.store);
      const hidden = await bulk(
        [
          { method: "PATCH", path: `/Users/${other}`, data: patchOp({ op: "replace", path: "displayName", value: "Hijacked" }) },
          { method: "DELETE", path: `/Users/${other}` },
          { method: "PUT", path: `/Users/${other}`, data: inDivision("bulk.other.b@example.com", "A") },
        ],
        {},
        onlyA,
      );
      expect(hidden.body.Operations.map((o: { status: string }) => o.status)).toEqual(["404", "404", "404"]);
      expect(await snapshot(ts.store)).toBe(snap);
      // and a client without the right to add users gets 403 for that operation
      const noAdd = await bulk([{ method: "POST", path: "/Users", bulkId: "v", data: user("bulk.viewer@example.com") }], {}, viewer);
      expect(noAdd.body.Operations[0].status).toBe("403");
      expect(await snapshot(ts.store)).toBe(snap);
    });

    it("each operation writes the outbox as its single form does: POST version 1, PATCH and PUT the next versions, DELETE a delete", async () => {
      const made = await bulk([{ method: "POST", path: "/Users", bulkId: "o", data: user("bulk.outbox@example.com") }]);
      const id = idOf(made.body.Operations[0].location);
      expect(await outboxOf(id)).toEqual([{ version: 1, op: "upsert" }]);
      const res = await bulk([
        { method: "PATCH", path: `/Users/${id}`, data: patchOp({ op: "replace", path: "displayName", value: "Outbox Two" }) },
        { method: "PUT", path: `/Users/${id}`, data: user("bulk.outbox@example.com", { displayName: "Outbox Three" }) },
        { method: "DELETE", path: `/Users/${id}` },
      ]);
      expect(res.body.Operations.map((o: { status: string }) => o.status)).toEqual(["200", "200", "204"]);
      expect(await outboxOf(id)).toEqual([
        { version: 1, op: "upsert" },
        { version: 2, op: "upsert" },
        { version: 3, op: "upsert" },
        { version: 4, op: "delete" },
      ]);
      // the single forms, for comparison
      const single = (await scim.post("/Users", user("single.outbox@example.com"))).body.id as string;
      await scim.patch(`/Users/${single}`, patchOp({ op: "replace", path: "displayName", value: "Outbox Two" }));
      await scim.put(`/Users/${single}`, user("single.outbox@example.com", { displayName: "Outbox Three" }));
      await scim.delete(`/Users/${single}`);
      expect(await outboxOf(single)).toEqual(await outboxOf(id));
    });

    it("a version (If-Match) that is stale fails that operation with 412", async () => {
      const made = await bulk([{ method: "POST", path: "/Users", bulkId: "v", data: user("bulk.versioned@example.com") }]);
      const id = idOf(made.body.Operations[0].location);
      const snap = await snapshot(ts.store);
      const res = await bulk([
        { method: "PUT", path: `/Users/${id}`, version: 'W/"7"', data: user("bulk.versioned@example.com", { displayName: "Stale" }) },
      ]);
      expect(res.body.Operations[0].status).toBe("412");
      expect(await snapshot(ts.store)).toBe(snap);
      const ok = await bulk([
        { method: "PUT", path: `/Users/${id}`, version: 'W/"1"', data: user("bulk.versioned@example.com", { displayName: "Fresh" }) },
      ]);
      expect(ok.body.Operations[0]).toMatchObject({ status: "200", version: 'W/"2"' });
    });

    it("a POST without a bulkId: 400 for the whole request, nothing run; malformed requests likewise", async () => {
      await refused(
        () =>
          bulk([
            { method: "POST", path: "/Users", bulkId: "ok", data: user("bulk.nobulkid.1@example.com") },
            { method: "POST", path: "/Users", data: user("bulk.nobulkid.2@example.com") },
          ]),
        400,
        "invalidValue",
      );
      await refused(
        () =>
          bulk([
            { method: "POST", path: "/Users", bulkId: "same", data: user("bulk.dup.1@example.com") },
            { method: "POST", path: "/Users", bulkId: "same", data: user("bulk.dup.2@example.com") },
          ]),
        400,
        "invalidValue",
      );
      await refused(() => bulk([{ method: "GET", path: "/Users" }]), 400, "invalidSyntax");
      await refused(() => scim.post("/Bulk", { Operations: [] }), 400, "invalidSyntax");
      await refused(() => bulk([], { failOnErrors: 0 }), 400, "invalidValue");
      await refused(() => bulk([{ method: "DELETE" }]), 400, "invalidSyntax");
      const res = await bulk([
        { method: "POST", path: "/Users", bulkId: "path-bad", data: user("bulk.path@example.com") },
        { method: "DELETE", path: "/Elsewhere/1" },
      ]);
      expect(res.body.Operations.map((o: { status: string }) => o.status)).toEqual(["201", "400"]);
    });
  });

  describe("PATCH replace through a value filter (RFC 7644 §3.5.2.3)", () => {
    let id: string;
    beforeAll(async () => {
      const made = await scim.post(
        "/Users",
        user("filtered@example.com", {
          emails: [{ value: "home@example.com", type: "home" }],
          phoneNumbers: [{ value: "+1 555 0100", type: "work" }],
        }),
      );
      expect(made.status).toBe(201);
      id = made.body.id;
    });

    it('replace of emails[type eq "work"].value on a user with no work e-mail adds {type: "work", value}; again, it replaces it', async () => {
      const res = await scim.patch(
        `/Users/${id}`,
        patchOp({ op: "replace", path: 'emails[type eq "work"].value', value: "work@example.com" }),
      );
      expect(res.status).toBe(204);
      let got = await scim.get(`/Users/${id}`);
      expect(got.body.emails).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ type: "work", value: "work@example.com" }),
          expect.objectContaining({ type: "home", value: "home@example.com" }),
        ]),
      );
      expect(got.body.emails).toHaveLength(2);
      expect(
        (await scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: 'emails[type eq "work"].value', value: "work2@example.com" })))
          .status,
      ).toBe(204);
      got = await scim.get(`/Users/${id}`);
      expect(got.body.emails.filter((e: { type: string }) => e.type === "work")).toEqual([
        expect.objectContaining({ value: "work2@example.com" }),
      ]);
      expect(got.body.emails).toHaveLength(2);
      // and the stored index answers filters on it
      const found = await scim.get(`/Users?filter=${encodeURIComponent('emails.value eq "work2@example.com"')}`);
      expect(ids(found)).toEqual([id]);
    });

    it('replace of phoneNumbers[type eq "mobile"] with an object value adds it with type mobile', async () => {
      const res = await scim.patch(
        `/Users/${id}`,
        patchOp({ op: "replace", path: 'phoneNumbers[type eq "mobile"]', value: { value: "+1 555 0199" } }),
      );
      expect(res.status).toBe(204);
      const got = await scim.get(`/Users/${id}`);
      expect(got.body.phoneNumbers).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ type: "mobile", value: "+1 555 0199" }),
          expect.objectContaining({ type: "work", value: "+1 555 0100" }),
        ]),
      );
      expect(got.body.phoneNumbers).toHaveLength(2);
    });

    it('emails[value eq "nope"].value: 400 noTarget, nothing changed; a filter that matches works', async () => {
      await refused(
        () => scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: 'emails[value eq "nope"].value', value: "x@example.com" })),
        400,
        "noTarget",
      );
      await refused(
        () => scim.patch(`/Users/${id}`, patchOp({ op: "add", path: 'emails[value eq "nope"].type', value: "work" })),
        400,
        "noTarget",
      );
      const ok = await scim.patch(
        `/Users/${id}`,
        patchOp({ op: "replace", path: 'emails[value eq "home@example.com"].type', value: "other" }),
      );
      expect(ok.status).toBe(204);
      expect((await scim.get(`/Users/${id}`)).body.emails).toEqual(
        expect.arrayContaining([expect.objectContaining({ value: "home@example.com", type: "other" })]),
      );
    });

    it("replace of the very sub-attribute the filter tests (emails[value eq x].value, emails[type eq t].type) works when the filter matches", async () => {
      const other = (await scim.post("/Users", user("filter.self@example.com", { emails: [{ value: "old@example.com", type: "home" }] })))
        .body.id as string;
      const byValue = await scim.patch(
        `/Users/${other}`,
        patchOp({ op: "replace", path: 'emails[value eq "old@example.com"].value', value: "new@example.com" }),
      );
      expect({ status: byValue.status, detail: byValue.body?.detail }).toEqual({ status: 204, detail: undefined });
      expect((await scim.get(`/Users/${other}`)).body.emails).toEqual([
        expect.objectContaining({ value: "new@example.com", type: "home" }),
      ]);
      const byType = await scim.patch(`/Users/${other}`, patchOp({ op: "replace", path: 'emails[type eq "home"].type', value: "work" }));
      expect(byType.status).toBe(204);
    });

    it('emails[value eq "nope"] with an object value (no sub-attribute): 400 noTarget, nothing added', async () => {
      await refused(
        () => scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: 'emails[value eq "nope"]', value: { value: "x@example.com" } })),
        400,
        "noTarget",
      );
    });
  });

  // Fails while the projection bug above stands (its engine-text detail is listed).
  it("no response of this file carried JavaScript engine text or was a 5xx", () => {
    expect(transcript.leaks()).toEqual([]);
    expect(transcript.serverErrors()).toEqual([]);
  });
});
