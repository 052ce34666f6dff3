/**
 * Microsoft Entra ID's provisioning traffic replayed as Entra sends it: bodies and query strings from
 * Microsoft Learn "Tutorial: Develop and plan provisioning for a SCIM endpoint in Microsoft Entra ID"
 * (use-scim-to-provision-users-and-groups) and "Known issues and resolutions with SCIM 2.0 protocol
 * compliance" (application-provisioning-config-problem-scim-compatibility: the forms sent with and
 * without the aadOptscim062020 flag). Every step is followed by a GET that checks what was stored.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomUUID } from "node:crypto";
import type { Express } from "express";
import request from "supertest";
import { openTestStore, type TestStore } from "../../helpers/store.js";
import { buildTestApp, type TestApp } from "../../helpers/app.js";
import { ENTERPRISE, ERROR_SCHEMA, GROUP_SCHEMA, PATCH_OP, SCIM, USER_SCHEMA, scimAgent } from "../../helpers/scim.js";

const LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
/** The Genesys Cloud gallery app's Tenant URL path (docs/identity-providers.md), served by the same routes. */
const GENESYS_TENANT_PATH = "/api/v2/scim/v2";
/** The extra schema Entra lists when it creates a group (tutorial, "Create Group"). */
const ADSCIM_GROUP = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";

type Method = "get" | "post" | "put" | "patch" | "delete";

/** Entra's provisioning client: `Authorization: Bearer <Secret Token>` and `Content-type: application/scim+json` (tutorial, examples 2 and 5). */
function entraClient(app: Express, token: string, base = SCIM) {
  const send = (method: Method, path: string, body?: unknown) => {
    const req = request(app)[method](`${base}${path}`).set("Authorization", `Bearer ${token}`).set("Content-Type", "application/scim+json");
    return body === undefined ? req : req.send(JSON.stringify(body));
  };
  return {
    get: (path: string) => send("get", path),
    post: (path: string, body: unknown) => send("post", path, body),
    patch: (path: string, body: unknown) => send("patch", path, body),
    delete: (path: string) => send("delete", path),
  };
}
type Entra = ReturnType<typeof entraClient>;

const filterParam = (filter: string) => `filter=${encodeURIComponent(filter)}`;

/**
 * The tutorial's "Create User" request, with the attributes of Entra's default mapping for a SCIM app
 * (displayName, title, enterprise employeeNumber and department; the bridge requires displayName).
 */
function entraNewUser(n: {
  userName: string;
  externalId: string;
  email: string;
  givenName: string;
  familyName: string;
  department?: string;
}) {
  return {
    schemas: [USER_SCHEMA, ENTERPRISE],
    externalId: n.externalId,
    userName: n.userName,
    active: true,
    displayName: `${n.givenName} ${n.familyName}`,
    title: "Engineer",
    emails: [{ primary: true, type: "work", value: n.email }],
    meta: { resourceType: "User" },
    name: { formatted: `${n.givenName} ${n.familyName}`, familyName: n.familyName, givenName: n.givenName },
    roles: [],
    [ENTERPRISE]: { employeeNumber: "E-1000", department: n.department ?? "Engineering" },
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
}

function expectEmptyList(res: { status: number; body: Record<string, unknown>; headers: Record<string, string> }): void {
  expect(res.status).toBe(200);
  expectScimJson(res);
  expect(res.body.schemas).toEqual([LIST_RESPONSE]);
  expect(res.body.totalResults).toBe(0);
  expect(res.body.Resources ?? []).toEqual([]);
}

async function createUser(entra: Entra, tag: string): Promise<string> {
  const res = await entra.post(
    "/Users",
    entraNewUser({
      userName: `${tag}@contoso.onmicrosoft.com`,
      externalId: tag,
      email: `${tag}@contoso.com`,
      givenName: tag,
      familyName: "Member",
    }),
  );
  if (res.status !== 201) throw new Error(`create ${tag}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

describe("Entra ID replay", () => {
  let ts: TestStore;
  let t: TestApp;
  let token: string;
  let entra: Entra;

  beforeAll(async () => {
    ts = await openTestStore();
    t = buildTestApp(ts.store);
    token = (await scimAgent(t.app, ts.store)).token;
    entra = entraClient(t.app, token);
  });
  afterAll(() => ts.close());

  describe("Test Connection", () => {
    it("filters on a random, non-existent userName: 200 with an empty ListResponse", async () => {
      expectEmptyList(await entra.get(`/Users?${filterParam(`userName eq "${randomUUID()}"`)}`));
    });

    it("filters groups on a random displayName with excludedAttributes=members: 200 with an empty ListResponse", async () => {
      expectEmptyList(await entra.get(`/Groups?excludedAttributes=members&${filterParam(`displayName eq "${randomUUID()}"`)}`));
    });
  });

  describe("a user's lifecycle", () => {
    const userName = "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee";
    const externalId = "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef";
    const email = "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com";
    let id: string;
    let managerId: string;

    it("matches by userName before creating: none yet", async () => {
      expectEmptyList(await entra.get(`/Users?${filterParam(`userName eq "${userName}"`)}`));
    });

    it("creates the user (POST /Users) and GET returns what was sent", async () => {
      const res = await entra.post(
        "/Users",
        entraNewUser({ userName, externalId, email, givenName: "givenName", familyName: "familyName" }),
      );
      expect(res.status).toBe(201);
      expectScimJson(res);
      id = res.body.id;
      expect(id).toEqual(expect.any(String));
      expect(res.body).toMatchObject({ userName, externalId, active: true });

      const read = await entra.get(`/Users/${id}`);
      expect(read.status).toBe(200);
      expectScimJson(read);
      expect(read.body).toMatchObject({
        id,
        userName,
        externalId,
        active: true,
        displayName: "givenName familyName",
        title: "Engineer",
        emails: [{ primary: true, type: "work", value: email }],
        name: { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" },
        [ENTERPRISE]: { employeeNumber: "E-1000", department: "Engineering" },
        meta: { resourceType: "User" },
      });
      expect(read.body.schemas).toEqual(expect.arrayContaining([USER_SCHEMA, ENTERPRISE]));
    });

    it("refuses the tutorial's create body without displayName (required here: Genesys needs a name) with a SCIM 400, creating nothing", async () => {
      const {
        displayName: _omitted,
        title: _title,
        [ENTERPRISE]: _ext,
        ...tutorialBody
      } = entraNewUser({
        userName: "Test_User_no_display_name",
        externalId: "no-display-name",
        email: "Test_User_no_display_name@testuser.com",
        givenName: "givenName",
        familyName: "familyName",
      });
      const res = await entra.post("/Users", tutorialBody);
      expectScimError(res, 400);
      expect(res.body.scimType).toBe("invalidValue");
      expect(res.body.detail).toContain("displayName");
      expectEmptyList(await entra.get(`/Users?${filterParam('userName eq "Test_User_no_display_name"')}`));
    });

    it("finds the user by userName eq", async () => {
      const res = await entra.get(`/Users?${filterParam(`userName eq "${userName}"`)}`);
      expect(res.status).toBe(200);
      expect(res.body.schemas).toEqual([LIST_RESPONSE]);
      expect(res.body.totalResults).toBe(1);
      expect(res.body.Resources[0]).toMatchObject({ id, userName, externalId });
    });

    it("finds the user by externalId eq, quoted and as the tutorial's unquoted example writes it", async () => {
      const quoted = await entra.get(`/Users?${filterParam(`externalId eq "${externalId}"`)}`);
      expect(quoted.status).toBe(200);
      expect(quoted.body.totalResults).toBe(1);
      expect(quoted.body.Resources[0].id).toBe(id);
      const bare = await entra.get(`/Users?${filterParam(`externalId eq ${externalId}`)}`);
      expect(bare.status).toBe(200);
      expect(bare.body.totalResults).toBe(1);
      expect(bare.body.Resources[0].id).toBe(id);
      expectEmptyList(await entra.get(`/Users?${filterParam(`externalId eq "${randomUUID()}"`)}`));
    });

    it('finds the user by emails[type eq "work"].value eq', async () => {
      const res = await entra.get(`/Users?${filterParam(`emails[type eq "work"].value eq "${email}"`)}`);
      expect(res.status).toBe(200);
      expect(res.body.totalResults).toBe(1);
      expect(res.body.Resources[0].id).toBe(id);
      // the e-mail must be the work one
      expectEmptyList(await entra.get(`/Users?${filterParam(`emails[type eq "home"].value eq "${email}"`)}`));
    });

    it("matches with `and` of userName and externalId (Entra uses only eq and and)", async () => {
      const res = await entra.get(`/Users?${filterParam(`userName eq "${userName}" and externalId eq "${externalId}"`)}`);
      expect(res.body.totalResults).toBe(1);
      expect(res.body.Resources[0].id).toBe(id);
    });

    it("updates multi-valued and sub-attributes with capitalised Replace (tutorial: Update User [Multi-valued properties])", async () => {
      const res = await entra.patch(`/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: "Replace", path: 'emails[type eq "work"].value', value: "updatedEmail@microsoft.com" },
          { op: "Replace", path: "name.familyName", value: "updatedFamilyName" },
        ],
      });
      expect([200, 204]).toContain(res.status);
      const read = await entra.get(`/Users/${id}`);
      expect(read.body.emails).toEqual([expect.objectContaining({ type: "work", value: "updatedEmail@microsoft.com", primary: true })]);
      expect(read.body.name).toMatchObject({ familyName: "updatedFamilyName", givenName: "givenName" });
      const byEmail = await entra.get(`/Users?${filterParam('emails[type eq "work"].value eq "updatedEmail@microsoft.com"')}`);
      expect(byEmail.body.totalResults).toBe(1);
      expectEmptyList(await entra.get(`/Users?${filterParam(`emails[type eq "work"].value eq "${email}"`)}`));
    });

    it('disables with Replace active "False" (a string boolean, without aadOptscim062020), and re-enables with "True"', async () => {
      const off = await entra.patch(`/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "Replace", path: "active", value: "False" }],
      });
      expect([200, 204]).toContain(off.status);
      const disabled = await entra.get(`/Users/${id}`);
      expect(disabled.body.active).toBe(false);
      // a soft-deleted user is still returned (tutorial: returned whether or not the user is active)
      const found = await entra.get(`/Users?${filterParam(`userName eq "${userName}"`)}`);
      expect(found.body.totalResults).toBe(1);
      expect(found.body.Resources[0].active).toBe(false);

      const on = await entra.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "Replace", path: "active", value: "True" }] });
      expect([200, 204]).toContain(on.status);
      expect((await entra.get(`/Users/${id}`)).body.active).toBe(true);
    });

    it("applies the merged path-less replace with dotted keys (aadOptscim062020: replace multiple attributes)", async () => {
      const res = await entra.patch(`/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: "replace", path: 'emails[type eq "work"].value', value: "TestMhvaes@test.microsoft.com" },
          {
            op: "replace",
            value: {
              displayName: "Bjfe",
              "name.givenName": "Kkom",
              "name.familyName": "Unua",
              [`${ENTERPRISE}:employeeNumber`]: "Aklq",
              [`${ENTERPRISE}:department`]: "Sales",
            },
          },
        ],
      });
      expect([200, 204]).toContain(res.status);
      const read = await entra.get(`/Users/${id}`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({
        id,
        userName,
        externalId,
        displayName: "Bjfe",
        title: "Engineer",
        active: true,
        name: { givenName: "Kkom", familyName: "Unua" },
        [ENTERPRISE]: { employeeNumber: "Aklq", department: "Sales" },
      });
      expect(read.body.emails).toEqual([expect.objectContaining({ type: "work", value: "TestMhvaes@test.microsoft.com" })]);
      // the dotted keys are attribute paths, not new attributes named "name.givenName"
      expect(read.body["name.givenName"]).toBeUndefined();
      expect(read.body[`${ENTERPRISE}:department`]).toBeUndefined();
    });

    it("adds a single-valued string attribute, in both known-issues forms (Add / add nickName)", async () => {
      const legacy = await entra.patch(`/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "Add", path: "nickName", value: "Babs" }],
      });
      expect([200, 204]).toContain(legacy.status);
      expect((await entra.get(`/Users/${id}`)).body.nickName).toBe("Babs");
      const compliant = await entra.patch(`/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "add", path: "nickName", value: "Barb" }],
      });
      expect([200, 204]).toContain(compliant.status);
      const read = await entra.get(`/Users/${id}`);
      expect(read.body).toMatchObject({ nickName: "Barb", displayName: "Bjfe", name: { givenName: "Kkom", familyName: "Unua" } });
    });

    it("replaces a single-valued attribute: userName (tutorial: Update User [Single-valued properties])", async () => {
      const newName = "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com";
      const res = await entra.patch(`/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "Replace", path: "userName", value: newName }],
      });
      expect([200, 204]).toContain(res.status);
      expect((await entra.get(`/Users/${id}`)).body.userName).toBe(newName);
      expectEmptyList(await entra.get(`/Users?${filterParam(`userName eq "${userName}"`)}`));
      const res2 = await entra.patch(`/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "Replace", path: "userName", value: userName }],
      });
      expect([200, 204]).toContain(res2.status);
      expect((await entra.get(`/Users/${id}`)).body.userName).toBe(userName);
    });

    it("sets the manager as a bare id (Add ...:manager) and removes it (Remove ...:manager)", async () => {
      managerId = await createUser(entra, "manager");
      const add = await entra.patch(`/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "Add", path: `${ENTERPRISE}:manager`, value: managerId }],
      });
      expect([200, 204]).toContain(add.status);
      const managed = await entra.get(`/Users/${id}`);
      expect(managed.body[ENTERPRISE]).toMatchObject({ manager: { value: managerId }, department: "Sales", employeeNumber: "Aklq" });

      const remove = await entra.patch(`/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "Remove", path: `${ENTERPRISE}:manager` }],
      });
      expect([200, 204]).toContain(remove.status);
      const unmanaged = await entra.get(`/Users/${id}`);
      expect(unmanaged.body[ENTERPRISE]?.manager).toBeUndefined();
      expect(unmanaged.body[ENTERPRISE]).toMatchObject({ department: "Sales", employeeNumber: "Aklq" });
    });

    it('accepts the manager in Microsoft\'s older reference form (path "manager", a one-element array)', async () => {
      const add = await entra.patch(`/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "Add", path: "manager", value: [{ $ref: `../Users/${managerId}`, value: managerId }] }],
      });
      expect(add.status).toBe(204);
      expect((await entra.get(`/Users/${id}`)).body[ENTERPRISE]).toMatchObject({ manager: { value: managerId } });
      const remove = await entra.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "Remove", path: "manager" }] });
      expect(remove.status).toBe(204);
      expect((await entra.get(`/Users/${id}`)).body[ENTERPRISE]?.manager).toBeUndefined();
    });

    it("accepts a PATCH with an empty Operations list (Entra's validator) and changes nothing", async () => {
      const before = await entra.get(`/Users/${id}`);
      const res = await entra.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [] });
      expect([200, 204]).toContain(res.status);
      const after = await entra.get(`/Users/${id}`);
      // meta.location carries supertest's ephemeral port, different on every request
      const stable = (u: Record<string, unknown>) => ({ ...u, meta: { ...(u.meta as object), location: undefined } });
      expect(stable(after.body)).toEqual(stable(before.body));
      expect(after.body.meta.version).toBe(before.body.meta.version);
      // still a 404 for a user that does not exist
      expectScimError(await entra.patch(`/Users/${randomUUID()}`, { schemas: [PATCH_OP], Operations: [] }), 404);
    });

    it("disables with the SCIM-compliant form (aadOptscim062020: replace active false)", async () => {
      const res = await entra.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: false }] });
      expect([200, 204]).toContain(res.status);
      const read = await entra.get(`/Users/${id}`);
      expect(read.body).toMatchObject({ id, userName, active: false, displayName: "Bjfe" });
    });

    it("hard-deletes the user (DELETE 204), then GET is a SCIM 404 and the filter finds nothing", async () => {
      const res = await entra.delete(`/Users/${id}`);
      expect(res.status).toBe(204);
      expectScimError(await entra.get(`/Users/${id}`), 404);
      expectEmptyList(await entra.get(`/Users?${filterParam(`userName eq "${userName}"`)}`));
      expectScimError(await entra.delete(`/Users/${id}`), 404);
      // the manager is untouched
      expect((await entra.get(`/Users/${managerId}`)).status).toBe(200);
    });
  });

  describe("a group's lifecycle", () => {
    const displayName = "displayName";
    const externalId = "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159";
    let u1: string;
    let u2: string;
    let u3: string;
    let u4: string;
    let groupId: string;

    beforeAll(async () => {
      u1 = await createUser(entra, "member1");
      u2 = await createUser(entra, "member2");
      u3 = await createUser(entra, "member3");
      u4 = await createUser(entra, "member4");
    });

    async function memberIds(): Promise<string[]> {
      const res = await entra.get(`/Groups/${groupId}`);
      expect(res.status).toBe(200);
      return ((res.body.members ?? []) as Array<{ value: string }>).map((m) => m.value).sort();
    }

    it("matches by displayName (excludedAttributes=members) before creating: none yet", async () => {
      expectEmptyList(await entra.get(`/Groups?excludedAttributes=members&${filterParam(`displayName eq "${displayName}"`)}`));
    });

    it("creates the group without members, in the tutorial's exact form", async () => {
      const res = await entra.post("/Groups", {
        schemas: [GROUP_SCHEMA, ADSCIM_GROUP],
        externalId,
        displayName,
        meta: { resourceType: "Group" },
      });
      expect(res.status).toBe(201);
      expectScimJson(res);
      groupId = res.body.id;
      expect(res.body).toMatchObject({ displayName, externalId });
      const read = await entra.get(`/Groups/${groupId}`);
      expect(read.body).toMatchObject({ id: groupId, displayName, externalId });
      expect(read.body.members ?? []).toEqual([]);
    });

    it("finds the group by displayName with excludedAttributes=members, and GET by id leaves the members out", async () => {
      const res = await entra.get(`/Groups?excludedAttributes=members&${filterParam(`displayName eq "${displayName}"`)}`);
      expect(res.status).toBe(200);
      expect(res.body.totalResults).toBe(1);
      expect(res.body.Resources[0]).toMatchObject({ id: groupId, displayName, externalId });
      expect(res.body.Resources[0].members).toBeUndefined();
      const one = await entra.get(`/Groups/${groupId}?excludedAttributes=members`);
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ id: groupId, displayName });
      expect(one.body.members).toBeUndefined();
    });

    it("adds members with Add members [{$ref: null, value}], one and then several in one PATCH", async () => {
      const one = await entra.patch(`/Groups/${groupId}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "Add", path: "members", value: [{ $ref: null, value: u1 }] }],
      });
      expect(one.status).toBe(204);
      expect(await memberIds()).toEqual([u1]);
      const several = await entra.patch(`/Groups/${groupId}`, {
        schemas: [PATCH_OP],
        Operations: [
          {
            op: "Add",
            path: "members",
            value: [
              { $ref: null, value: u2 },
              { $ref: null, value: u3 },
              { $ref: null, value: u4 },
            ],
          },
        ],
      });
      expect(several.status).toBe(204);
      expect(await memberIds()).toEqual([u1, u2, u3, u4].sort());
      const user = await entra.get(`/Users/${u2}`);
      expect(user.body.groups).toEqual([expect.objectContaining({ value: groupId, display: displayName })]);
    });

    it("Remove members with a value array removes only those members; the rest stay", async () => {
      const res = await entra.patch(`/Groups/${groupId}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "Remove", path: "members", value: [{ $ref: null, value: u2 }] }],
      });
      expect(res.status).toBe(204);
      expect(await memberIds()).toEqual([u1, u3, u4].sort());
      expect((await entra.get(`/Users/${u2}`)).body.groups).toEqual([]);
      // the known-issues form (no $ref)
      const again = await entra.patch(`/Groups/${groupId}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "Remove", path: "members", value: [{ value: u4 }] }],
      });
      expect(again.status).toBe(204);
      expect(await memberIds()).toEqual([u1, u3].sort());
    });

    it('removes a member by value filter (aadOptscim062020: remove members[value eq "..."])', async () => {
      const res = await entra.patch(`/Groups/${groupId}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "remove", path: `members[value eq "${u3}"]` }],
      });
      expect(res.status).toBe(204);
      expect(await memberIds()).toEqual([u1]);
    });

    it("replaces the displayName (tutorial: Update Group [Non-member attributes]); the members stay", async () => {
      const newName = "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName";
      const res = await entra.patch(`/Groups/${groupId}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "Replace", path: "displayName", value: newName }],
      });
      expect(res.status).toBe(204);
      const read = await entra.get(`/Groups/${groupId}`);
      expect(read.body).toMatchObject({ id: groupId, displayName: newName, externalId });
      expect(await memberIds()).toEqual([u1]);
      const found = await entra.get(`/Groups?excludedAttributes=members&${filterParam(`displayName eq "${newName}"`)}`);
      expect(found.body.totalResults).toBe(1);
    });

    it("accepts a PATCH with an empty Operations list on the group and keeps its members", async () => {
      const res = await entra.patch(`/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [] });
      expect([200, 204]).toContain(res.status);
      expect(await memberIds()).toEqual([u1]);
    });

    it("a hard-deleted user leaves the group; DELETE of the group is 204, then 404", async () => {
      expect((await entra.delete(`/Users/${u1}`)).status).toBe(204);
      expect(await memberIds()).toEqual([]);
      const res = await entra.delete(`/Groups/${groupId}`);
      expect(res.status).toBe(204);
      expectScimError(await entra.get(`/Groups/${groupId}`), 404);
      expect((await entra.get(`/Users/${u3}`)).body.groups).toEqual([]);
    });
  });

  describe("under the Genesys Cloud Tenant URL /api/v2/scim/v2", () => {
    let genesys: Entra;
    let id: string;
    const userName = "jyoung@contoso.onmicrosoft.com";

    beforeAll(() => {
      genesys = entraClient(t.app, token, GENESYS_TENANT_PATH);
    });

    it("answers Test Connection with an empty list", async () => {
      expectEmptyList(await genesys.get(`/Users?${filterParam(`userName eq "${randomUUID()}"`)}`));
    });

    it("creates and reads a user; locations name the tenant URL; /scim/v2 sees the same user", async () => {
      const res = await genesys.post(
        "/Users",
        entraNewUser({
          userName,
          externalId: "jyoung",
          email: "jyoung@Contoso.com",
          givenName: "Joy",
          familyName: "Young",
          department: "Support",
        }),
      );
      expect(res.status).toBe(201);
      expectScimJson(res);
      id = res.body.id;
      expect(res.headers.location).toMatch(new RegExp(`${GENESYS_TENANT_PATH}/Users/${id}$`));
      const read = await genesys.get(`/Users/${id}`);
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({
        id,
        userName,
        externalId: "jyoung",
        displayName: "Joy Young",
        [ENTERPRISE]: { department: "Support" },
      });
      expect(read.body.meta.location).toMatch(new RegExp(`${GENESYS_TENANT_PATH}/Users/${id}$`));
      const viaScim = await entra.get(`/Users/${id}`);
      expect(viaScim.status).toBe(200);
      expect(viaScim.body).toMatchObject({ id, userName });
      expect(viaScim.body.meta.location).toMatch(new RegExp(`${SCIM}/Users/${id}$`));
      expect(viaScim.body.meta.location).not.toContain(GENESYS_TENANT_PATH);
    });

    it("filters and disables through the tenant URL", async () => {
      const found = await genesys.get(`/Users?${filterParam(`userName eq "${userName}"`)}`);
      expect(found.body.totalResults).toBe(1);
      expect(found.body.Resources[0].id).toBe(id);
      const off = await genesys.patch(`/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: "Replace", path: "active", value: "False" }],
      });
      expect([200, 204]).toContain(off.status);
      expect((await genesys.get(`/Users/${id}`)).body.active).toBe(false);
      expect((await entra.get(`/Users/${id}`)).body.active).toBe(false);
    });

    it("refuses a request without the token in SCIM's format", async () => {
      const res = await request(t.app).get(`${GENESYS_TENANT_PATH}/Users`).set("Content-Type", "application/scim+json");
      expectScimError(res, 401);
      expect(res.headers["www-authenticate"]).toMatch(/^Bearer /);
    });
  });
});
