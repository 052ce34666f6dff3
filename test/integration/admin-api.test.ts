import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import request from "supertest";
import { openTestStore, type TestStore } from "../helpers/store.js";
import { bootstrapAdmin, buildTestApp, tokenFor, type TestApp } from "../helpers/app.js";
import type { ClientWithSecret } from "../../src/oauth/client-registry.js";

describe("admin API", () => {
  let ts: TestStore;
  let t: TestApp;
  let admin: ClientWithSecret;
  let auth: { authorization: string };
  let adminToken: string;

  beforeAll(async () => {
    ts = await openTestStore();
    t = buildTestApp(ts.store);
    admin = await bootstrapAdmin(ts.store);
    adminToken = await tokenFor(t.app, admin);
    auth = { authorization: `Bearer ${adminToken}` };
  });
  afterAll(() => ts.close());

  it("creates a client whose secret is shown once and stored only as a hash", async () => {
    const res = await request(t.app).post("/admin/v1/clients").set(auth).send({ name: "Okta", description: "push" });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/admin/v1/clients/${res.body.id}`);
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.body).toMatchObject({
      name: "Okta",
      authorizedGrantType: "CLIENT-CREDENTIALS",
      accessTokenValiditySeconds: 86_400,
      state: "active",
      createdBy: `client:${admin.id}`,
    });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const shown = await request(t.app).get(`/admin/v1/clients/${res.body.id}`).set(auth);
    expect(shown.body.secret).toBeUndefined();
    const listed = await request(t.app).get("/admin/v1/clients").set(auth);
    expect(JSON.stringify(listed.body)).not.toContain(res.body.secret);
    const rows = await ts.store.query<{ secret_hash: string }>("select secret_hash from clients where id = $1", [res.body.id]);
    expect(rows[0]!.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await ts.store.query("select * from clients"))).not.toContain(res.body.secret);
  });

  it("stores tokens only as hashes", async () => {
    const rows = await ts.store.query<{ token_hash: string }>("select token_hash from tokens");
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(adminToken);
  });

  it("rotates a secret: the new one works, the old one stops at once", async () => {
    const created = (await request(t.app).post("/admin/v1/clients").set(auth).send({ name: "rotating" })).body as ClientWithSecret;
    const rotated = await request(t.app).post(`/admin/v1/clients/${created.id}/secret`).set(auth);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(created.secret);
    expect(
      (await request(t.app).post("/oauth/token").auth(created.id, created.secret).type("form").send({ grant_type: "client_credentials" }))
        .status,
    ).toBe(401);
    expect(
      (
        await request(t.app)
          .post("/oauth/token")
          .auth(created.id, rotated.body.secret)
          .type("form")
          .send({ grant_type: "client_credentials" })
      ).status,
    ).toBe(200);
  });

  it("replaces a client with PUT and changes some fields with PATCH; lists page", async () => {
    const c = (
      await request(t.app).post("/admin/v1/clients").set(auth).send({ name: "editable", description: "d", accessTokenValiditySeconds: 600 })
    ).body as ClientWithSecret;
    const patched = await request(t.app).patch(`/admin/v1/clients/${c.id}`).set(auth).send({ state: "inactive" });
    expect(patched.body).toMatchObject({ name: "editable", description: "d", state: "inactive", accessTokenValiditySeconds: 600 });
    // an inactive client gets no token
    const refused = await request(t.app).post("/oauth/token").auth(c.id, c.secret).type("form").send({ grant_type: "client_credentials" });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe("unauthorized_client");
    const put = await request(t.app).put(`/admin/v1/clients/${c.id}`).set(auth).send({ name: "replaced" });
    expect(put.body).toMatchObject({ name: "replaced", description: "", state: "active", accessTokenValiditySeconds: 600 });
    const page = await request(t.app).get("/admin/v1/clients").query({ pageSize: 2, pageNumber: 1 }).set(auth);
    expect(page.body.entities).toHaveLength(2);
    expect(page.body.total).toBeGreaterThanOrEqual(3);
  });

  it("stores CODE and TOKEN clients but issues them no token", async () => {
    const code = await request(t.app)
      .post("/admin/v1/clients")
      .set(auth)
      .send({
        name: "web",
        authorizedGrantType: "CODE",
        registeredRedirectUri: ["https://app.example.com/cb", "http://localhost:3000/cb"],
        scope: ["users:readonly"],
      });
    expect(code.status).toBe(201);
    const res = await request(t.app)
      .post("/oauth/token")
      .auth(code.body.id, code.body.secret)
      .type("form")
      .send({ grant_type: "client_credentials" });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("unauthorized_client");
  });

  it("deletes a client and its tokens", async () => {
    const c = (await request(t.app).post("/admin/v1/clients").set(auth).send({ name: "doomed" })).body as ClientWithSecret;
    const token = await tokenFor(t.app, c);
    expect((await request(t.app).delete(`/admin/v1/clients/${c.id}`).set(auth)).status).toBe(204);
    expect((await request(t.app).get(`/admin/v1/clients/${c.id}`).set(auth)).status).toBe(404);
    expect((await ts.store.query("select 1 from tokens where client_id = $1", [c.id])).length).toBe(0);
    const introspect = await request(t.app).post("/oauth/introspect").auth(admin.id, admin.secret).type("form").send({ token });
    expect(introspect.body).toEqual({ active: false });
  });

  it("lists built-in roles and divisions, creates custom ones", async () => {
    const roles = await request(t.app).get("/admin/v1/roles").set(auth);
    expect(roles.body.entities.map((r: { builtin: string | null }) => r.builtin)).toEqual(
      expect.arrayContaining(["scim-integration", "bridge-admin"]),
    );
    const scim = roles.body.entities.find((r: { builtin: string }) => r.builtin === "scim-integration");
    expect(scim.name).toBe("SCIM Integration");
    expect(scim.permissions).toEqual(
      expect.arrayContaining(["directory:user:add", "directory:user:edit", "directory:user:delete", "directory:group:edit"]),
    );
    const divisions = await request(t.app).get("/admin/v1/divisions").set(auth);
    expect(divisions.body.entities[0]).toMatchObject({ name: "Home", homeDivision: true });
    const created = await request(t.app).post("/admin/v1/divisions").set(auth).send({ name: "Sales", description: "EMEA sales" });
    expect(created.status).toBe(201);
    const dup = await request(t.app).post("/admin/v1/divisions").set(auth).send({ name: "sales" });
    expect(dup.status).toBe(409);
    const role = await request(t.app)
      .post("/admin/v1/roles")
      .set(auth)
      .send({ name: "Viewer", permissions: ["directory:user:view"] });
    expect(role.status).toBe(201);
    expect((await request(t.app).post("/admin/v1/roles").set(auth).send({ name: "viewer", permissions: [] })).status).toBe(409);
    // grant it in the new division; a grant with no division lands in home
    const c = await request(t.app)
      .post("/admin/v1/clients")
      .set(auth)
      .send({ name: "scoped", roleDivisions: [{ roleId: role.body.id, divisionId: created.body.id }, { roleId: role.body.id }] });
    expect(c.status).toBe(201);
    expect(c.body.roleDivisions).toEqual(
      expect.arrayContaining([
        { roleId: role.body.id, divisionId: created.body.id },
        { roleId: role.body.id, divisionId: divisions.body.entities[0].id },
      ]),
    );
  });

  it("records who changed what in the audit log, newest first", async () => {
    const c = (await request(t.app).post("/admin/v1/clients").set(auth).send({ name: "audited" })).body as ClientWithSecret;
    await request(t.app).patch(`/admin/v1/clients/${c.id}`).set(auth).send({ name: "audited 2" });
    const audit = await request(t.app).get("/admin/v1/audit").query({ targetId: c.id }).set(auth);
    expect(audit.body.total).toBe(2);
    expect(audit.body.entities.map((e: { action: string }) => e.action)).toEqual(["client.update", "client.create"]);
    expect(audit.body.entities[0]).toMatchObject({
      actor: `client:${admin.id}`,
      before: { name: "audited" },
      after: { name: "audited 2" },
    });
    expect(JSON.stringify(audit.body)).not.toContain(c.secret);
  });

  it("never writes a secret or a token to the log", async () => {
    const c = (await request(t.app).post("/admin/v1/clients").set(auth).send({ name: "logged" })).body as ClientWithSecret;
    const token = await tokenFor(t.app, c);
    await request(t.app)
      .post("/oauth/token")
      .type("form")
      .send({ grant_type: "client_credentials", client_id: c.id, client_secret: c.secret });
    await request(t.app)
      .post("/oauth/token")
      .type("form")
      .send({ grant_type: "client_credentials", client_id: c.id, client_secret: "wrong-secret-value" });
    await request(t.app)
      .get("/admin/v1/clients")
      .set({ authorization: `Bearer ${token}` });
    expect(t.logs.lines.length).toBeGreaterThan(5);
    for (const secret of [c.secret, token, adminToken, admin.secret, "wrong-secret-value"]) expect(t.logs.text).not.toContain(secret);
    expect(t.logs.text).not.toMatch(/authorization/i);
  });

  it("sees a grant removed by another process on the very next request (rights are the client's roles now)", async () => {
    const other = buildTestApp(ts.store); // a second API replica on the same store
    const c = await request(t.app).post("/admin/v1/clients").set(auth).send({ name: "viewer", roleDivisions: admin.roleDivisions });
    const token = await tokenFor(t.app, c.body);
    expect(
      (
        await request(t.app)
          .get("/admin/v1/roles")
          .set({ authorization: `Bearer ${token}` })
      ).status,
    ).toBe(200);
    const removed = await request(other.app).patch(`/admin/v1/clients/${c.body.id}`).set(auth).send({ roleDivisions: [] });
    expect(removed.status).toBe(200);
    const after = await request(t.app)
      .get("/admin/v1/roles")
      .set({ authorization: `Bearer ${token}` });
    expect(after.status).toBe(403);
    await request(other.app)
      .patch(`/admin/v1/clients/${c.body.id}`)
      .set(auth)
      .send({ roleDivisions: admin.roleDivisions, state: "inactive" });
    expect(
      (
        await request(t.app)
          .get("/admin/v1/roles")
          .set({ authorization: `Bearer ${token}` })
      ).body,
    ).toEqual({ error: "unauthorized", message: "the token's client is inactive" });
  });

  it("serves health, readiness and metrics", async () => {
    expect((await request(t.app).get("/healthz")).body).toEqual({ status: "ok" });
    const ready = await request(t.app).get("/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body.checks.store).toBe("ok");
    const metrics = await request(t.app).get("/metrics");
    expect(metrics.text).toMatch(/scim_bridge_oauth_tokens_issued_total\{outcome="issued"\} \d+/);
    expect(metrics.text).toMatch(
      /scim_bridge_http_request_duration_seconds_count\{method="POST",route="\/admin\/v1\/clients",status="201"\}/,
    );
  });
});
