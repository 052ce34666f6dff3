import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import request from "supertest";
import { patchOp, USER_SCHEMA } from "../../helpers/scim.js";
import { waitUntil } from "../../helpers/sync.js";
import { startGenesysHarness, type GenesysHarness } from "../../helpers/genesys-harness.js";

/**
 * SCIM `roles` granted as Genesys's own SCIM grants them (by role name), but only roles an admin
 * listed in GENESYS_GRANTABLE_ROLES: in the home division, the bridge's own grants revoked when SCIM
 * drops them, grants made any other way never touched.
 */
describe("SCIM roles granted in Genesys Cloud (fake), behind GENESYS_GRANTABLE_ROLES", () => {
  let h: GenesysHarness;
  let home: string;

  beforeAll(async () => {
    h = await startGenesysHarness({
      fake: { searchLagMs: 0, rateLimitPerMinute: 1_000_000 },
      sync: { grantableRoles: new Set(["Agent", "Supervisor", "Quality Evaluator"]) },
    });
    for (const name of ["Agent", "Agent Lead", "Supervisor", "Master Admin"]) h.fake.state.roles.add(name);
    // the home division's Genesys id comes from the division sync at worker start
    home = await waitUntil(
      async () => (await h.store.query<{ target_id: string | null }>("select target_id from divisions where home"))[0]?.target_id,
      "the home division matched",
    );
  });
  afterAll(() => h?.close());

  const state = async (id: string) =>
    (await request(h.app).get(`/admin/v1/sync/users/${id}`).set(h.admin)).body as {
      state: string;
      lastError: string | null;
      targetId: string;
    };
  const settled = (id: string, want: "synced" | "failed") =>
    waitUntil(async () => {
      const s = await state(id);
      return s.state === want && s;
    }, `user ${id} ${want}`);
  const push = async (userName: string, roles?: string[]) => {
    const r = await h.scim.post("/Users", {
      schemas: [USER_SCHEMA],
      userName,
      displayName: userName.split("@")[0],
      ...(roles ? { roles: roles.map((value) => ({ value })) } : {}),
    });
    expect(r.status).toBe(201);
    return r.body.id as string;
  };
  const rolesOf = (genesysId: string) =>
    h.fake.state.roles
      .grantsOf(genesysId)
      .map((g) => `${g.roleName}@${g.divisionId === home ? "home" : g.divisionId}`)
      .sort();

  it("grants the listed roles by exact name in the home division, beside the employee role every user gets", async () => {
    const id = await push("roles-a@example.com", ["Agent"]);
    const { targetId } = await settled(id, "synced");
    // "Agent Lead" also matches the name filter: the exact name is the one granted
    expect(rolesOf(targetId)).toEqual(["Agent@home", "employee@home"]);
    expect(
      h.fake.countCalls("POST", `/api/v2/authorization/subjects/${targetId}/bulkadd`, (c) => c.path.endsWith("?subjectType=PC_USER")),
    ).toBe(1);
  });

  it("revokes a role SCIM drops only if the bridge granted it; grants made by hand stay", async () => {
    const id = await push("roles-b@example.com", ["Agent", "Supervisor"]);
    const { targetId } = await settled(id, "synced");
    const byHand = h.fake.state.roles.byName("Agent Lead")!;
    h.fake.state.roles.grant(targetId, byHand.id);
    const r = await h.scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: "roles", value: [{ value: "Agent" }] }));
    expect(r.status).toBe(204);
    await waitUntil(
      async () => !rolesOf(targetId).includes("Supervisor@home") && (await state(id)).state === "synced",
      "Supervisor revoked",
    );
    expect(rolesOf(targetId)).toEqual(["Agent Lead@home", "Agent@home", "employee@home"]);
  });

  it("a role not in GENESYS_GRANTABLE_ROLES fails the user with its name, and nothing is granted", async () => {
    const id = await push("roles-c@example.com", ["Agent", "Master Admin"]);
    const s = await settled(id, "failed");
    expect(s.lastError).toMatch(/"Master Admin" may not be granted by the sync: list it in GENESYS_GRANTABLE_ROLES/);
    expect(rolesOf(s.targetId)).toEqual(["employee@home"]);
  });

  it("a listed role Genesys does not have fails the user with its name; once Genesys has it, a retry grants it", async () => {
    const id = await push("roles-d@example.com", ["Quality Evaluator"]);
    const s = await settled(id, "failed");
    expect(s.lastError).toMatch(/role "Quality Evaluator" not found in Genesys Cloud/);
    h.fake.state.roles.add("Quality Evaluator");
    const retried = await request(h.app).post("/admin/v1/sync/retry").set(h.admin).send({ type: "User", id });
    expect(retried.body).toEqual({ retried: 1 });
    await settled(id, "synced");
    expect(rolesOf(s.targetId)).toEqual(["Quality Evaluator@home", "employee@home"]);
  });

  it("a user without SCIM roles keeps whatever roles Genesys gives it", async () => {
    const id = await push("roles-e@example.com");
    const { targetId } = await settled(id, "synced");
    h.fake.state.roles.grant(targetId, h.fake.state.roles.byName("Supervisor")!.id);
    const r = await h.scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: "title", value: "Lead" }));
    expect(r.status).toBe(204);
    await waitUntil(async () => h.fake.state.users.get(targetId)?.title === "Lead" && (await state(id)).state === "synced", "title sent");
    expect(rolesOf(targetId)).toEqual(["Supervisor@home", "employee@home"]);
    expect(h.fake.countCalls("POST", new RegExp(`/api/v2/authorization/subjects/${targetId}/bulk`))).toBe(0);
  });
});
