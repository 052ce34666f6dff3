import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import request from "supertest";
import { openTestStore, type TestStore } from "../helpers/store.js";
import { bootstrapAdmin, buildTestApp, tokenFor, type TestApp } from "../helpers/app.js";
import { builtinRoleId } from "../../src/authz/roles.js";

/** The duration reset rule (docs/oauth-clients.md), through both paths that can widen a SCIM-restricted client's rights. */
describe("the duration reset rule", () => {
  let ts: TestStore;
  let t: TestApp;
  let adminClient: { id: string; secret: string };
  let scimRoleId: string;
  const DAY = 86_400;

  beforeAll(async () => {
    ts = await openTestStore();
    t = buildTestApp(ts.store);
    adminClient = await bootstrapAdmin(ts.store);
    scimRoleId = (await builtinRoleId(ts.store, "scim-integration"))!;
  });
  afterAll(() => ts.close());

  // A fresh admin token per call: these tests move the clock by days.
  const admin = async () => ({ authorization: `Bearer ${await tokenFor(t.app, adminClient)}` });

  async function scimClient(name: string, roleId = scimRoleId) {
    const res = await request(t.app)
      .post("/admin/v1/clients")
      .set(await admin())
      .send({ name, accessTokenValiditySeconds: 38_880_000, roleDivisions: [{ roleId }] });
    expect(res.status).toBe(201);
    expect(res.body.accessTokenValiditySeconds).toBe(38_880_000);
    return res.body as { id: string; secret: string; roleDivisions: Array<{ roleId: string; divisionId: string }> };
  }

  async function introspect(client: { id: string; secret: string }, token: string) {
    return (await request(t.app).post("/oauth/introspect").auth(client.id, client.secret).type("form").send({ token })).body as {
      active: boolean;
      exp?: number;
      iat?: number;
    };
  }

  /** Two tokens: one issued 2 days before the reset (older than 86,400 s by then), one 1 hour before. */
  async function tokensAroundReset(client: { id: string; secret: string }) {
    const old = await tokenFor(t.app, client);
    const oldIssued = t.clock.ms;
    t.clock.advance(2 * DAY - 3600);
    const young = await tokenFor(t.app, client);
    const youngIssued = t.clock.ms;
    t.clock.advance(3600);
    return { old, oldIssued, young, youngIssued };
  }

  async function expectCapped(client: { id: string; secret: string }, tk: Awaited<ReturnType<typeof tokensAroundReset>>) {
    const old = await request(t.app)
      .get("/admin/v1/roles")
      .set({ authorization: `Bearer ${tk.old}` });
    expect(old.status).toBe(401);
    expect(old.body).toEqual({ error: "unauthorized", message: "the token has expired" });
    expect((await introspect(client, tk.old)).active).toBe(false);
    const young = await introspect(client, tk.young);
    expect(young.active).toBe(true);
    expect(young.exp).toBe(Math.floor(tk.youngIssued / 1000) + DAY);
    // and it really stops at issued-at + 86,400
    t.clock.advance(DAY - 3600 - 1);
    expect((await introspect(client, tk.young)).active).toBe(true);
    t.clock.advance(1);
    expect((await introspect(client, tk.young)).active).toBe(false);
  }

  it("resets through a client update that adds a role beyond SCIM's, and caps earlier tokens", async () => {
    const c = await scimClient("okta");
    const wide = await request(t.app)
      .post("/admin/v1/roles")
      .set(await admin())
      .send({ name: "Auditor", permissions: ["bridge:audit:view"] });
    expect(wide.status).toBe(201);
    const tk = await tokensAroundReset(c);

    const res = await request(t.app)
      .patch(`/admin/v1/clients/${c.id}`)
      .set(await admin())
      .send({ roleDivisions: [...c.roleDivisions, { roleId: wide.body.id, divisionId: "*" }] });
    expect(res.status).toBe(200);
    expect(res.body.accessTokenValiditySeconds).toBe(DAY);
    expect(res.body.durationReset).toMatchObject({ from: 38_880_000, to: DAY });
    expect(res.body.durationReset.reason).toMatch(/beyond the SCIM Integration role/);

    const audit = await request(t.app)
      .get("/admin/v1/audit")
      .query({ targetId: c.id, action: "client.duration.reset" })
      .set(await admin());
    expect(audit.body.total).toBe(1);
    expect(audit.body.entities[0]).toMatchObject({
      before: { accessTokenValiditySeconds: 38_880_000 },
      after: { accessTokenValiditySeconds: DAY },
    });
    expect(audit.body.entities[0].note).toMatch(/reset from 38880000 to 86400/);

    await expectCapped(c, tk);
    // a token issued after the reset lives 86,400 s
    const fresh = await request(t.app).post("/oauth/token").auth(c.id, c.secret).type("form").send({ grant_type: "client_credentials" });
    expect(fresh.body.expires_in).toBe(DAY);
  });

  it("resets through a role-permission update, for every client holding the role", async () => {
    const copy = await request(t.app)
      .post("/admin/v1/roles")
      .set(await admin())
      .send({ name: "SCIM copy", permissions: ["directory:user:add", "directory:user:edit"] });
    const c = await scimClient("entra", copy.body.id);
    const tk = await tokensAroundReset(c);

    const res = await request(t.app)
      .put(`/admin/v1/roles/${copy.body.id}`)
      .set(await admin())
      .send({ permissions: ["directory:user:add", "directory:user:edit", "bridge:audit:view"] });
    expect(res.status).toBe(200);
    expect(res.body.clientsReset).toEqual([{ clientId: c.id, from: 38_880_000, to: DAY }]);
    const after = await request(t.app)
      .get(`/admin/v1/clients/${c.id}`)
      .set(await admin());
    expect(after.body.accessTokenValiditySeconds).toBe(DAY);
    const audit = await request(t.app)
      .get("/admin/v1/audit")
      .query({ targetId: c.id, action: "client.duration.reset" })
      .set(await admin());
    expect(audit.body.entities[0].note).toMatch(/SCIM copy/);
    await expectCapped(c, tk);
  });

  it("applies an explicit duration sent with the widening change, validated against the ordinary range", async () => {
    const c = await scimClient("both");
    const wide = await request(t.app)
      .post("/admin/v1/roles")
      .set(await admin())
      .send({ name: "Wide 2", permissions: ["bridge:client:view"] });
    const grants = [...c.roleDivisions, { roleId: wide.body.id, divisionId: "*" }];
    const tooLong = await request(t.app)
      .patch(`/admin/v1/clients/${c.id}`)
      .set(await admin())
      .send({ roleDivisions: grants, accessTokenValiditySeconds: 38_880_000 });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.field).toBe("accessTokenValiditySeconds");
    expect(
      (
        await request(t.app)
          .get(`/admin/v1/clients/${c.id}`)
          .set(await admin())
      ).body.roleDivisions,
    ).toEqual(c.roleDivisions);
    const ok = await request(t.app)
      .patch(`/admin/v1/clients/${c.id}`)
      .set(await admin())
      .send({ roleDivisions: grants, accessTokenValiditySeconds: 3600 });
    expect(ok.status).toBe(200);
    expect(ok.body.accessTokenValiditySeconds).toBe(3600);
    expect(ok.body.durationReset).toMatchObject({ from: 38_880_000, to: 3600 });
  });

  it("leaves the duration alone when a change keeps the client within SCIM's permissions", async () => {
    const c = await scimClient("narrow");
    const res = await request(t.app)
      .patch(`/admin/v1/clients/${c.id}`)
      .set(await admin())
      .send({ description: "still SCIM only" });
    expect(res.body.accessTokenValiditySeconds).toBe(38_880_000);
    expect(res.body.durationReset).toBeUndefined();
  });

  it("resets when deleting a role leaves the client with none", async () => {
    const only = await request(t.app)
      .post("/admin/v1/roles")
      .set(await admin())
      .send({ name: "Disposable", permissions: ["directory:user:view"] });
    const c = await scimClient("orphan", only.body.id);
    const del = await request(t.app)
      .delete(`/admin/v1/roles/${only.body.id}`)
      .set(await admin());
    expect(del.status).toBe(200);
    expect(del.body.clientsReset).toEqual([{ clientId: c.id, from: 38_880_000, to: DAY }]);
    expect(
      (
        await request(t.app)
          .get(`/admin/v1/clients/${c.id}`)
          .set(await admin())
      ).body,
    ).toMatchObject({ roleDivisions: [], accessTokenValiditySeconds: DAY });
  });
});
