import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import request from "supertest";
import { openTestStore, type TestStore } from "../../helpers/store.js";
import { bootstrapAdmin, system } from "../../helpers/app.js";
import { startTestServer, type StartedServer } from "../../helpers/server.js";
import { createDivision } from "../../../src/authz/divisions.js";
import { builtinRoleId } from "../../../src/authz/roles.js";
import { createRole } from "../../../src/oauth/role-service.js";
import { createClient, type ClientWithSecret } from "../../../src/oauth/client-registry.js";
import { BRIDGE_ADMIN_PERMISSIONS } from "../../../src/authz/permissions.js";

/** "An admin grants only what it holds", applied to every action on clients and roles, and the last-admin guard. */
describe("the grant rule covers every admin action", () => {
  let ts: TestStore;
  let srv: StartedServer;
  let root: ClientWithSecret;
  let adminA: ClientWithSecret;
  let scimInA: ClientWithSecret;
  let roleEditor: ClientWithSecret;
  let editorRole: string;
  let divA: string;
  let adminRole: string;
  let scimRole: string;

  const http = () => request(srv.url);
  const tokenOf = async (c: { id: string; secret: string }) => {
    const res = await http().post("/oauth/token").auth(c.id, c.secret).type("form").send({ grant_type: "client_credentials" });
    return res.status === 200 ? (res.body.access_token as string) : null;
  };
  const as = async (c: { id: string; secret: string }) => ({ authorization: `Bearer ${(await tokenOf(c))!}` });
  const auditCount = async (targetId: string) =>
    (await ts.store.query<{ n: number }>("select count(*)::int as n from audit where target_id = $1", [targetId]))[0]!.n;
  const clientRow = async (id: string) => JSON.stringify(await ts.store.query("select * from clients where id = $1", [id]));

  beforeAll(async () => {
    ts = await openTestStore();
    srv = await startTestServer(ts.store, { LOG_LEVEL: "warn" });
    divA = (await createDivision(ts.store, system, new Date(), { name: "A" })).id;
    adminRole = (await builtinRoleId(ts.store, "bridge-admin"))!;
    scimRole = (await builtinRoleId(ts.store, "scim-integration"))!;
    root = await bootstrapAdmin(ts.store, "root");
    adminA = await createClient(ts.store, system, new Date(), {
      name: "admin of A",
      roleDivisions: [
        { roleId: adminRole, divisionId: divA },
        { roleId: scimRole, divisionId: divA },
      ],
    });
    scimInA = await createClient(ts.store, system, new Date(), {
      name: "scim in A",
      roleDivisions: [{ roleId: scimRole, divisionId: divA }],
    });
    editorRole = (
      await createRole(ts.store, system, new Date(), {
        name: "Role editor",
        permissions: ["bridge:role:edit", "bridge:role:view", "directory:user:view"],
      })
    ).id;
    roleEditor = await createClient(ts.store, system, new Date(), {
      name: "role editor",
      roleDivisions: [{ roleId: editorRole, divisionId: divA }],
    });
  });
  afterAll(async () => {
    await srv?.close();
    await ts?.close();
  });

  it("an admin limited to A cannot rotate the secret of an admin of every division; it can rotate one of A", async () => {
    const before = await clientRow(root.id);
    const res = await http()
      .post(`/admin/v1/clients/${root.id}/secret`)
      .set(await as(adminA));
    expect(res.status).toBe(403);
    expect(res.body.error).toBe("forbidden");
    expect(res.body.message).toMatch(/could not grant/);
    expect(res.body.secret).toBeUndefined();
    expect(await clientRow(root.id)).toBe(before);
    expect(await tokenOf(root)).not.toBeNull(); // the old secret still works

    const ok = await http()
      .post(`/admin/v1/clients/${scimInA.id}/secret`)
      .set(await as(adminA));
    expect(ok.status).toBe(200);
    expect(await tokenOf(scimInA)).toBeNull();
    scimInA = { ...scimInA, secret: ok.body.secret as string };
    expect(await tokenOf(scimInA)).not.toBeNull();
  });

  it("nor update, deactivate, delete it or revoke its tokens; it can do each to a client of A", async () => {
    const rootToken = (await tokenOf(root))!;
    const auditsBefore = await auditCount(root.id);
    const before = await clientRow(root.id);
    const auth = await as(adminA);
    for (const send of [
      () => http().patch(`/admin/v1/clients/${root.id}`).set(auth).send({ name: "pwned" }),
      () => http().patch(`/admin/v1/clients/${root.id}`).set(auth).send({ state: "inactive" }),
      () =>
        http()
          .put(`/admin/v1/clients/${root.id}`)
          .set(auth)
          .send({ name: "root", roleDivisions: [{ roleId: scimRole, divisionId: divA }] }),
      () => http().delete(`/admin/v1/clients/${root.id}`).set(auth),
      () => http().delete(`/admin/v1/clients/${root.id}/tokens`).set(auth),
      () => http().post(`/admin/v1/clients/${root.id}/secret`).set(auth).send({ revokeTokens: true }),
    ]) {
      const res = await send();
      expect(res.status).toBe(403);
      expect(res.body.error).toBe("forbidden");
    }
    // RFC 7009 answers 200 either way, but the token lives on
    const revoke = await http().post("/oauth/revoke").auth(adminA.id, adminA.secret).type("form").send({ token: rootToken });
    expect(revoke.status).toBe(200);
    expect(
      (
        await http()
          .get("/admin/v1/clients")
          .set({ authorization: `Bearer ${rootToken}` })
      ).status,
    ).toBe(200);
    expect(await clientRow(root.id)).toBe(before);
    expect(await auditCount(root.id)).toBe(auditsBefore);

    // legitimate: the same actions on a client of A
    const scimToken = (await tokenOf(scimInA))!;
    const renamed = await http().patch(`/admin/v1/clients/${scimInA.id}`).set(auth).send({ description: "managed by A" });
    expect(renamed.status).toBe(200);
    const revoked = await http().delete(`/admin/v1/clients/${scimInA.id}/tokens`).set(auth);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ clientId: scimInA.id, tokensRevoked: expect.any(Number) });
    expect(revoked.body.tokensRevoked).toBeGreaterThanOrEqual(1);
    expect(
      (
        await http()
          .get("/scim/v2/Users")
          .set({ authorization: `Bearer ${scimToken}` })
      ).status,
    ).toBe(401);
    const other = await createClient(ts.store, system, new Date(), {
      name: "disposable in A",
      roleDivisions: [{ roleId: scimRole, divisionId: divA }],
    });
    expect((await http().delete(`/admin/v1/clients/${other.id}`).set(auth)).status).toBe(204);
  });

  it("a client holding only role-editing rights cannot widen its own role; it may add what it holds where the role is granted", async () => {
    const auth = await as(roleEditor);
    const before = JSON.stringify(await ts.store.query("select permissions from roles where id = $1", [editorRole]));
    for (const permissions of [
      ["bridge:role:edit", "bridge:role:view", "directory:user:view", "directory:*:*"],
      ["bridge:role:edit", "bridge:role:view", "directory:user:view", "bridge:*:*"],
      ["*:*:*"],
    ]) {
      const res = await http().put(`/admin/v1/roles/${editorRole}`).set(auth).send({ permissions });
      expect(res.status).toBe(403);
      expect(res.body.message).toMatch(/lack/);
    }
    expect(JSON.stringify(await ts.store.query("select permissions from roles where id = $1", [editorRole]))).toBe(before);
    // its token still carries no more than before
    expect(
      (
        await http()
          .get("/admin/v1/clients")
          .set(await as(roleEditor))
      ).status,
    ).toBe(403);

    // legitimate: a role granted in A gains a permission the editor holds in A
    const viewer = await createRole(ts.store, system, new Date(), { name: "Viewer in A", permissions: [] });
    await createClient(ts.store, system, new Date(), { name: "viewer", roleDivisions: [{ roleId: viewer.id, divisionId: divA }] });
    const ok = await http()
      .put(`/admin/v1/roles/${viewer.id}`)
      .set(auth)
      .send({ permissions: ["directory:user:view"] });
    expect(ok.status).toBe(200);
    expect(ok.body.permissions).toEqual(["directory:user:view"]);
    // but not one it lacks there
    expect(
      (
        await http()
          .put(`/admin/v1/roles/${viewer.id}`)
          .set(auth)
          .send({ permissions: ["directory:user:view", "directory:user:delete"] })
      ).status,
    ).toBe(403);
  });

  it("an admin of A cannot narrow or delete a role granted in every division", async () => {
    const auth = await as(adminA);
    const narrowed = await http()
      .put(`/admin/v1/roles/${scimRole}`)
      .set(auth)
      .send({ permissions: ["directory:user:view"] });
    expect(narrowed.status).toBe(403);
    expect((await http().delete(`/admin/v1/roles/${scimRole}`).set(auth)).status).toBe(403);
    expect((await http().post("/admin/v1/roles/default").set(auth)).status).toBe(200); // nothing to restore: allowed
    const role = await http().get(`/admin/v1/roles/${scimRole}`).set(auth);
    expect(role.body.permissions.length).toBeGreaterThan(5);
  });

  it("the last full Bridge Admin in * can be neither stripped, deactivated nor deleted (409); with a second one it can", async () => {
    const auth = await as(root);
    const before = await clientRow(root.id);
    const attempts = [
      () =>
        http()
          .patch(`/admin/v1/clients/${root.id}`)
          .set(auth)
          .send({ roleDivisions: [{ roleId: scimRole, divisionId: "*" }] }),
      () =>
        http()
          .patch(`/admin/v1/clients/${root.id}`)
          .set(auth)
          .send({ roleDivisions: [{ roleId: adminRole, divisionId: divA }] }),
      () => http().patch(`/admin/v1/clients/${root.id}`).set(auth).send({ state: "inactive" }),
      () => http().delete(`/admin/v1/clients/${root.id}`).set(auth),
      () =>
        http()
          .put(`/admin/v1/roles/${adminRole}`)
          .set(auth)
          .send({ permissions: BRIDGE_ADMIN_PERMISSIONS.filter((p) => p !== "bridge:client:edit") }),
      () => http().delete(`/admin/v1/roles/${adminRole}`).set(auth),
    ];
    for (const send of attempts) {
      const res = await send();
      expect(res.status).toBe(409);
      expect(res.body.error).toBe("conflict");
      expect(res.body.message).toMatch(/Bridge Admin/);
    }
    expect(await clientRow(root.id)).toBe(before);
    expect((await http().get(`/admin/v1/roles/${adminRole}`).set(auth)).status).toBe(200);

    // legitimate: with a second full admin, the first may step down
    const second = await http()
      .post("/admin/v1/clients")
      .set(auth)
      .send({ name: "second admin", roleDivisions: [{ roleId: adminRole, divisionId: "*" }] });
    expect(second.status).toBe(201);
    const stepDown = await http()
      .patch(`/admin/v1/clients/${root.id}`)
      .set(auth)
      .send({ roleDivisions: [{ roleId: scimRole, divisionId: "*" }] });
    expect(stepDown.status).toBe(200);
    // and now the second is the last one
    const last = await http()
      .delete(`/admin/v1/clients/${second.body.id}`)
      .set(await as({ id: second.body.id, secret: second.body.secret }));
    expect(last.status).toBe(409);
  });
});
