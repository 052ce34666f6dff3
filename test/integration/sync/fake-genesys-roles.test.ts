import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { startFakeGenesys, type FakeGenesys } from "../../fakes/genesys/index.js";
import { fakeToken } from "../../fakes/genesys/token.js";
import { expectGenesysError, fakeApi, type FakeAnswer } from "../../helpers/fake-genesys-api.js";

/**
 * The fake Genesys Cloud's roles and a user's role grants (test/fakes/genesys/state-roles.ts, after the SDK's
 * AuthorizationApi and the Terraform provider's user_roles package), over real HTTP with plain fetch.
 */

const T0 = Date.parse("2026-01-05T09:00:00Z");

describe("fake Genesys Cloud: roles and role grants", () => {
  let fake: FakeGenesys;
  let token: string;
  let home: string;
  const api = fakeApi(
    () => fake,
    () => token,
  );

  let n = 0;
  const newUser = async (): Promise<string> => {
    n++;
    const a = await api("POST", "/api/v2/users", { name: `Agent ${n}`, email: `agent${n}@example.com` });
    expect(a.status).toBe(200);
    return a.body.id as string;
  };
  const bulkadd = (user: string, grants: unknown, query = "?subjectType=PC_USER"): Promise<FakeAnswer> =>
    api("POST", `/api/v2/authorization/subjects/${user}/bulkadd${query}`, { grants });
  const bulkremove = (user: string, grants: unknown): Promise<FakeAnswer> =>
    api("POST", `/api/v2/authorization/subjects/${user}/bulkremove`, { grants });
  const UNKNOWN = "00000000-0000-4000-8000-000000000000";

  beforeAll(async () => {
    fake = await startFakeGenesys({ searchLagMs: 0, now: () => T0 });
    token = await fakeToken(fake);
    home = fake.state.homeDivisionId;
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.faults.reset();
    fake.state.roles.grantEmployeeOnCreate = true;
  });

  describe("the role catalog", () => {
    it("has the built-in admin and employee roles, and filters by name prefix, case-insensitively", async () => {
      const all = await api("GET", "/api/v2/authorization/roles");
      expect(all.status).toBe(200);
      expect(all.body.entities.map((r: { name: string }) => r.name)).toEqual(["admin", "employee"]);
      const employee = fake.state.roles.byName("employee")!;
      expect(all.body.entities[1]).toEqual({
        id: employee.id,
        name: "employee",
        description: "",
        permissions: [],
        permissionPolicies: [],
        default: true,
        base: false,
        userCount: 0,
        selfUri: `/api/v2/authorization/roles/${employee.id}`,
      });

      const agent = fake.state.roles.add("Agent");
      fake.state.roles.add("Agent Assist");
      fake.state.roles.add("agentless reports");
      fake.state.roles.add("Supervisor");
      expect(() => fake.state.roles.add("AGENT")).toThrow(/already exists/);
      const a = await api("GET", "/api/v2/authorization/roles?name=Agent&pageSize=2");
      expect(a.body).toMatchObject({ pageSize: 2, pageNumber: 1, total: 3, pageCount: 2 });
      expect(a.body.entities.map((r: { name: string }) => r.name)).toEqual(["Agent", "Agent Assist"]);
      expect(a.body.nextUri).toContain("name=Agent");
      const page2 = await api("GET", "/api/v2/authorization/roles?name=agent&pageSize=2&pageNumber=2");
      expect(page2.body.entities.map((r: { name: string }) => r.name)).toEqual(["agentless reports"]);
      expect((await api("GET", "/api/v2/authorization/roles?name=Nobody")).body).toMatchObject({ total: 0, entities: [] });
      const byId = await api("GET", `/api/v2/authorization/roles?id=${agent.id}&userCount=false`);
      expect(byId.body.entities).toEqual([expect.not.objectContaining({ userCount: expect.anything() })]);
      expect((await api("GET", `/api/v2/authorization/roles/${agent.id}`)).body).toMatchObject({ name: "Agent", default: false });
      expectGenesysError(await api("GET", `/api/v2/authorization/roles/${UNKNOWN}`), 404, "not.found");
      expectGenesysError(await api("GET", "/api/v2/authorization/roles?pageSize=0"), 400, "bad.request");
    });
  });

  describe("a user's grants", () => {
    it("starts a new user with the employee role in the home division, and reads the grants as an AuthzSubject", async () => {
      const user = await newUser();
      const employee = fake.state.roles.byName("employee")!;
      expect(fake.state.roles.grantsOf(user)).toEqual([{ roleId: employee.id, roleName: "employee", divisionId: home }]);
      const a = await api("GET", `/api/v2/authorization/subjects/${user}`);
      expect(a.status).toBe(200);
      expect(a.body).toEqual({
        id: user,
        name: expect.stringMatching(/^Agent /),
        grants: [
          {
            subjectId: user,
            division: {
              id: home,
              name: "Home",
              description: expect.any(String),
              homeDivision: true,
              selfUri: `/api/v2/authorization/divisions/${home}`,
            },
            role: {
              id: employee.id,
              name: "employee",
              description: "",
              default: true,
              selfUri: `/api/v2/authorization/roles/${employee.id}`,
            },
            grantMadeAt: new Date(T0).toISOString(),
          },
        ],
        version: 2,
        selfUri: `/api/v2/authorization/subjects/${user}`,
      });
      expect((await api("GET", `/api/v2/authorization/roles/${employee.id}`)).body.userCount).toBeGreaterThanOrEqual(1);

      fake.state.roles.grantEmployeeOnCreate = false;
      const bare = await newUser();
      expect((await api("GET", `/api/v2/authorization/subjects/${bare}`)).body).toMatchObject({ grants: [], version: 1 });
    });

    it("grants with bulkadd (204, a held grant left as it is) and revokes with bulkremove (204, one not held ignored)", async () => {
      const user = await newUser();
      const sales = fake.addDivision("Sales");
      const agent = fake.state.roles.add("Bulk Agent");
      const quality = fake.state.roles.add("Bulk Quality");
      const add = await bulkadd(user, [
        { roleId: agent.id, divisionId: home },
        { roleId: agent.id, divisionId: sales.id },
        { roleId: quality.id, divisionId: "*" },
      ]);
      expect(add.status).toBe(204);
      expect(add.body).toBeUndefined();
      expect((await bulkadd(user, [{ roleId: agent.id, divisionId: home }], "")).status).toBe(204);
      const grants = fake.state.roles.grantsOf(user).filter((g) => g.roleName !== "employee");
      expect(grants).toEqual([
        { roleId: agent.id, roleName: "Bulk Agent", divisionId: home },
        { roleId: agent.id, roleName: "Bulk Agent", divisionId: sales.id },
        { roleId: quality.id, roleName: "Bulk Quality", divisionId: "*" },
      ]);
      const subject = await api("GET", `/api/v2/authorization/subjects/${user}`);
      expect(subject.body.grants).toHaveLength(4);
      expect(subject.body.grants[2]).toMatchObject({
        division: { id: sales.id, name: "Sales", homeDivision: false },
        role: { name: "Bulk Agent" },
      });

      const remove = await bulkremove(user, [
        { roleId: agent.id, divisionId: sales.id },
        { roleId: quality.id, divisionId: home }, // not held: ignored
      ]);
      expect(remove.status).toBe(204);
      expect(fake.state.roles.grantsOf(user).map((g) => `${g.roleName}@${g.divisionId}`)).toEqual([
        `employee@${home}`,
        `Bulk Agent@${home}`,
        "Bulk Quality@*",
      ]);
      expect((await bulkremove(user, [])).status).toBe(204);
    });

    it("shows grants made by hand, in any division", async () => {
      const user = await newUser();
      const lab = fake.addDivision("Lab");
      const admin = fake.state.roles.byName("admin")!;
      fake.state.roles.grant(user, admin.id, lab.id);
      fake.state.roles.grant(user, admin.id);
      expect(() => fake.state.roles.grant(user, UNKNOWN)).toThrow(/no role/);
      const grants = (await api("GET", `/api/v2/authorization/subjects/${user}`)).body.grants;
      expect(grants.map((g: { role: { name: string }; division: { id: string } }) => `${g.role.name}@${g.division.id}`)).toEqual([
        `employee@${home}`,
        `admin@${lab.id}`,
        `admin@${home}`,
      ]);
    });
  });

  describe("refusals", () => {
    it("refuses an unknown role or division with 404 and applies nothing of the call", async () => {
      const user = await newUser();
      const role = fake.state.roles.add("Strict Role");
      const before = fake.state.roles.grantsOf(user);
      const badRole = await bulkadd(user, [
        { roleId: role.id, divisionId: home },
        { roleId: UNKNOWN, divisionId: home },
      ]);
      expectGenesysError(badRole, 404, "not.found");
      expect(badRole.body.entityId).toBe(UNKNOWN);
      expectGenesysError(await bulkadd(user, [{ roleId: role.id, divisionId: UNKNOWN }]), 404, "not.found");
      expect(fake.state.roles.grantsOf(user)).toEqual(before);
      fake.state.roles.grant(user, role.id);
      expectGenesysError(await bulkremove(user, [{ roleId: role.id, divisionId: UNKNOWN }]), 404, "not.found");
      expectGenesysError(await bulkremove(user, [{ roleId: UNKNOWN, divisionId: home }]), 404, "not.found");
      expect(fake.state.roles.grantsOf(user)).toHaveLength(before.length + 1);
    });

    it("refuses malformed bodies and subject types with 400", async () => {
      const user = await newUser();
      const role = fake.state.roles.add("Body Role");
      const path = `/api/v2/authorization/subjects/${user}/bulkadd`;
      expectGenesysError(await api("POST", path, [{ roleId: role.id, divisionId: home }]), 400, "bad.request");
      expectGenesysError(await api("POST", path, {}), 400, "bad.request");
      expectGenesysError(await api("POST", path, { grants: { roleId: role.id, divisionId: home } }), 400, "bad.request");
      expectGenesysError(await bulkadd(user, [{ roleId: role.id }]), 400, "bad.request");
      expectGenesysError(await bulkadd(user, [{ divisionId: home }]), 400, "bad.request");
      expectGenesysError(await bulkadd(user, [{ roleId: role.id, divisionId: 7 }]), 400, "bad.request");
      expectGenesysError(await bulkadd(user, ["x"]), 400, "bad.request");
      expectGenesysError(await bulkremove(user, [{ roleId: "", divisionId: home }]), 400, "bad.request");
      expectGenesysError(await bulkadd(user, [{ roleId: role.id, divisionId: home }], "?subjectType=USER"), 400, "bad.request");
      expectGenesysError(await bulkadd(user, [{ roleId: role.id, divisionId: home }], "?subjectType=PC_GROUP"), 400, "bad.request");
      expect(fake.state.roles.grantsOf(user).map((g) => g.roleName)).toEqual(["employee"]);
    });

    it("answers 404 for an unknown or deleted user", async () => {
      const role = fake.state.roles.add("Nobody's Role");
      const gone = await newUser();
      expect((await api("DELETE", `/api/v2/users/${gone}`)).status).toBe(200);
      for (const user of [UNKNOWN, gone]) {
        expectGenesysError(await api("GET", `/api/v2/authorization/subjects/${user}`), 404, "not.found");
        expectGenesysError(await bulkadd(user, [{ roleId: role.id, divisionId: home }]), 404, "not.found");
        expectGenesysError(await bulkremove(user, [{ roleId: role.id, divisionId: home }]), 404, "not.found");
      }
      expect(fake.state.roles.grantsOf(UNKNOWN)).toEqual([]);
    });
  });

  it("logs the calls with their bodies", async () => {
    const user = await newUser();
    const role = fake.state.roles.add("Logged Role");
    fake.clearCalls();
    await bulkadd(user, [{ roleId: role.id, divisionId: home }]);
    expect(fake.calls).toEqual([
      expect.objectContaining({
        method: "POST",
        path: `/api/v2/authorization/subjects/${user}/bulkadd?subjectType=PC_USER`,
        body: { grants: [{ roleId: role.id, divisionId: home }] },
        status: 204,
      }),
    ]);
    expect(fake.countCalls("POST", /\/bulkadd/)).toBe(1);
  });
});
