import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import request from "supertest";
import { openTestStore, type TestStore } from "../helpers/store.js";
import { buildTestApp, system, tokenFor, type TestApp } from "../helpers/app.js";
import { builtinRoleId, getRole } from "../../src/authz/roles.js";
import { createRole } from "../../src/oauth/role-service.js";
import { createClient } from "../../src/oauth/client-registry.js";
import { BRIDGE_ADMIN_PERMISSIONS, SCIM_INTEGRATION_PERMISSIONS } from "../../src/authz/permissions.js";

/** Genesys's "restore default roles", with the duration reset rule (docs/oauth-clients.md) for the clients holding them. */
describe("restoring the default roles", () => {
  let ts: TestStore;
  let t: TestApp;
  let auth: { authorization: string };

  beforeAll(async () => {
    ts = await openTestStore();
    t = buildTestApp(ts.store);
    // The admin holds its rights through a custom role, so that editing the built-ins cannot lock it out.
    const ops = await createRole(ts.store, system, new Date(), {
      name: "Ops",
      permissions: [...BRIDGE_ADMIN_PERMISSIONS, ...SCIM_INTEGRATION_PERMISSIONS],
    });
    const admin = await createClient(ts.store, system, new Date(), {
      name: "ops admin",
      roleDivisions: [{ roleId: ops.id, divisionId: "*" }],
    });
    auth = { authorization: `Bearer ${await tokenFor(t.app, admin)}` };
  });
  afterAll(() => ts.close());

  it("brings back a deleted SCIM Integration role with its permissions", async () => {
    const id = (await builtinRoleId(ts.store, "scim-integration"))!;
    expect((await request(t.app).delete(`/admin/v1/roles/${id}`).set(auth)).status).toBe(200);
    expect(await builtinRoleId(ts.store, "scim-integration")).toBeNull();
    const res = await request(t.app).post("/admin/v1/roles/default").set(auth);
    expect(res.status).toBe(200);
    const restored = res.body.roles.find((r: { builtin: string }) => r.builtin === "scim-integration");
    expect(restored).toMatchObject({ name: "SCIM Integration", action: "recreated" });
    const role = (await getRole(ts.store, restored.id))!;
    expect([...role.permissions].sort()).toEqual([...SCIM_INTEGRATION_PERMISSIONS].sort());
    expect(res.body.roles.find((r: { builtin: string }) => r.builtin === "bridge-admin").action).toBe("unchanged");
    const audit = await request(t.app).get("/admin/v1/audit").query({ targetId: restored.id, action: "role.restore" }).set(auth);
    expect(audit.body.total).toBe(1);
  });

  it("resets the duration of a client whose role gained permissions, and leaves one whose role lost them", async () => {
    const scimRole = (await builtinRoleId(ts.store, "scim-integration"))!;
    const adminRole = (await builtinRoleId(ts.store, "bridge-admin"))!;
    // Bridge Admin narrowed to a SCIM permission: a client holding only it becomes SCIM-restricted
    await request(t.app)
      .put(`/admin/v1/roles/${adminRole}`)
      .set(auth)
      .send({ permissions: ["directory:user:view"] });
    const gains = (
      await request(t.app)
        .post("/admin/v1/clients")
        .set(auth)
        .send({ name: "gains", accessTokenValiditySeconds: 38_880_000, roleDivisions: [{ roleId: adminRole, divisionId: "*" }] })
    ).body;
    expect(gains.accessTokenValiditySeconds).toBe(38_880_000);
    // SCIM Integration narrowed: its holder stays SCIM-restricted, with its 450 days
    await request(t.app)
      .put(`/admin/v1/roles/${scimRole}`)
      .set(auth)
      .send({ permissions: ["directory:user:add"] });
    const loses = (
      await request(t.app)
        .post("/admin/v1/clients")
        .set(auth)
        .send({ name: "loses", accessTokenValiditySeconds: 38_880_000, roleDivisions: [{ roleId: scimRole, divisionId: "*" }] })
    ).body;
    await request(t.app)
      .put(`/admin/v1/roles/${scimRole}`)
      .set(auth)
      .send({ permissions: ["directory:user:add", "directory:user:edit"] });

    const res = await request(t.app).post("/admin/v1/roles/default").set(auth);
    expect(res.status).toBe(200);
    expect(res.body.clientsReset).toEqual([{ clientId: gains.id, from: 38_880_000, to: 86_400 }]);
    expect((await request(t.app).get(`/admin/v1/clients/${gains.id}`).set(auth)).body.accessTokenValiditySeconds).toBe(86_400);
    expect((await request(t.app).get(`/admin/v1/clients/${loses.id}`).set(auth)).body.accessTokenValiditySeconds).toBe(38_880_000);
    expect([...(await getRole(ts.store, adminRole))!.permissions].sort()).toEqual([...BRIDGE_ADMIN_PERMISSIONS].sort());
    const audit = await request(t.app).get("/admin/v1/audit").query({ targetId: gains.id, action: "client.duration.reset" }).set(auth);
    expect(audit.body.entities[0].note).toMatch(/restored to its shipped permissions/);
  });

  it("leaves custom roles alone and keeps built-in ids that still exist", async () => {
    const custom = await createRole(ts.store, system, new Date(), { name: "Custom", permissions: ["directory:user:view"] });
    const before = await builtinRoleId(ts.store, "bridge-admin");
    const res = await request(t.app).post("/admin/v1/roles/default").set(auth);
    expect(res.body.roles.map((r: { id: string }) => r.id)).toContain(before);
    expect((await getRole(ts.store, custom.id))!.permissions).toEqual(["directory:user:view"]);
  });
});
