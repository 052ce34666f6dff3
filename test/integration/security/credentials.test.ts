import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import request from "supertest";
import { openTestStore, type TestStore } from "../../helpers/store.js";
import { bootstrapAdmin, system } from "../../helpers/app.js";
import { startTestServer, type StartedServer } from "../../helpers/server.js";
import { scimClient } from "../../helpers/scim.js";
import { createRole } from "../../../src/oauth/role-service.js";
import { createClient, type ClientWithSecret } from "../../../src/oauth/client-registry.js";

/** Credentials never reach a log, tokens in URLs are refused, and a leaked secret or token can be cut off in one step. */
describe("credentials never leak and can be cut off", () => {
  let ts: TestStore;
  let srv: StartedServer;
  let admin: ClientWithSecret;
  let scim: ClientWithSecret;
  /** Every secret and token this test handles: none may appear in a log line. */
  const secrets = new Set<string>();

  const http = () => request(srv.url);
  const tokenOf = async (c: { id: string; secret: string }) => {
    const res = await http().post("/oauth/token").auth(c.id, c.secret).type("form").send({ grant_type: "client_credentials" });
    if (res.status !== 200) return null;
    secrets.add(res.body.access_token as string);
    return res.body.access_token as string;
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    ts = await openTestStore();
    srv = await startTestServer(ts.store, { LOG_LEVEL: "trace" });
    admin = await bootstrapAdmin(ts.store);
    scim = await scimClient(ts.store);
    secrets.add(admin.secret).add(scim.secret);
  });
  afterAll(async () => {
    await srv?.close();
    await ts?.close();
  });

  it("a token sent as ?access_token= is refused (401), valid or not; the header form works", async () => {
    const token = (await tokenOf(scim))!;
    for (const path of [
      `/scim/v2/Users?access_token=${token}`,
      `/scim/v2/Users?count=1&access_token=${token}`,
      `/admin/v1/clients?access_token=${(await tokenOf(admin))!}`,
      "/scim/v2/Users?ACCESS_TOKEN=nonsense",
    ]) {
      const res = await http().get(path);
      expect(res.status).toBe(401);
      expect(res.headers["www-authenticate"]).toMatch(/error="invalid_request"/);
      // refused even with a valid header beside it: the URL has already spread the token
      expect((await http().get(path).set(bearer(token))).status).toBe(401);
    }
    expect((await http().get("/scim/v2/Users").set(bearer(token))).status).toBe(200);
  });

  it("rotating a secret can revoke every live token of the client at once", async () => {
    const a = (await tokenOf(scim))!;
    const b = (await tokenOf(scim))!;
    const adminToken = (await tokenOf(admin))!;
    // without the flag, tokens live on (the default: rotation must not break a running integration)
    const plain = await http().post(`/admin/v1/clients/${scim.id}/secret`).set(bearer(adminToken));
    expect(plain.status).toBe(200);
    secrets.add(plain.body.secret as string);
    expect(plain.body.tokensRevoked).toBeUndefined();
    expect((await http().get("/scim/v2/Users").set(bearer(a))).status).toBe(200);

    const rotated = await http().post(`/admin/v1/clients/${scim.id}/secret`).set(bearer(adminToken)).send({ revokeTokens: true });
    expect(rotated.status).toBe(200);
    expect(rotated.headers["cache-control"]).toBe("no-store");
    secrets.add(rotated.body.secret as string);
    expect(rotated.body.tokensRevoked).toBeGreaterThanOrEqual(2);
    for (const t of [a, b]) expect((await http().get("/scim/v2/Users").set(bearer(t))).status).toBe(401);
    expect(await tokenOf({ id: scim.id, secret: plain.body.secret as string })).toBeNull();
    scim = { ...scim, secret: rotated.body.secret as string };
    expect(
      (
        await http()
          .get("/scim/v2/Users")
          .set(bearer((await tokenOf(scim))!))
      ).status,
    ).toBe(200);

    const bad = await http().post(`/admin/v1/clients/${scim.id}/secret`).set(bearer(adminToken)).send({ revokeTokens: "yes", extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe("invalid_request");
  });

  it("DELETE /admin/v1/clients/{id}/tokens cuts off a leaked 450-day token without rotating; it needs bridge:token:revoke", async () => {
    const made = await http()
      .post("/admin/v1/clients")
      .set(bearer((await tokenOf(admin))!))
      .send({
        name: "entra",
        accessTokenValiditySeconds: 38_880_000,
        roleDivisions: [{ roleId: scim.roleDivisions[0]!.roleId, divisionId: "*" }],
      });
    expect(made.status).toBe(201);
    secrets.add(made.body.secret as string);
    const leaked = (await tokenOf({ id: made.body.id, secret: made.body.secret }))!;
    expect((await http().get("/scim/v2/Users").set(bearer(leaked))).status).toBe(200);

    // a client that may edit clients but not revoke tokens is refused, and so is its revokeTokens flag
    const editorRole = await createRole(ts.store, system, new Date(), {
      name: "client editor",
      permissions: ["bridge:client:view", "bridge:client:edit", ...(scim.roleDivisions.length ? ["directory:user:view"] : [])],
    });
    const editor = await createClient(ts.store, system, new Date(), {
      name: "editor",
      roleDivisions: [{ roleId: editorRole.id, divisionId: "*" }],
    });
    secrets.add(editor.secret);
    const editorToken = (await tokenOf(editor))!;
    expect((await http().delete(`/admin/v1/clients/${made.body.id}/tokens`).set(bearer(editorToken))).status).toBe(403);
    expect(
      (await http().post(`/admin/v1/clients/${made.body.id}/secret`).set(bearer(editorToken)).send({ revokeTokens: true })).status,
    ).toBe(403);
    expect((await http().get("/scim/v2/Users").set(bearer(leaked))).status).toBe(200);

    const cut = await http()
      .delete(`/admin/v1/clients/${made.body.id}/tokens`)
      .set(bearer((await tokenOf(admin))!));
    expect(cut.status).toBe(200);
    expect(cut.body).toEqual({ clientId: made.body.id, tokensRevoked: 1 });
    expect((await http().get("/scim/v2/Users").set(bearer(leaked))).status).toBe(401);
    // the secret still works: the identity provider can fetch a new token at once
    expect(await tokenOf({ id: made.body.id, secret: made.body.secret })).not.toBeNull();
    const audit = await http()
      .get(`/admin/v1/audit?targetId=${made.body.id}&action=client.tokens.revoke`)
      .set(bearer((await tokenOf(admin))!));
    expect(audit.body.entities).toHaveLength(1);
    expect(audit.body.entities[0].note).toBe("1 token(s) revoked");
  });

  it("no secret or token ever reaches a log line, even at trace level and in URLs and bodies", async () => {
    const token = (await tokenOf(scim))!;
    // credentials where clients put them by mistake: query strings, form bodies, JSON bodies
    await http().get(`/scim/v2/Users?access_token=${token}&client_secret=${scim.secret}`);
    await http().get(`/healthz?token=${token}&code=${scim.secret}`);
    await http().get(`/nowhere?Access_Token=${encodeURIComponent(token)}`);
    await http()
      .post("/oauth/token")
      .type("form")
      .send({ grant_type: "client_credentials", client_id: scim.id, client_secret: scim.secret });
    await http()
      .post("/oauth/token")
      .type("form")
      .send({ grant_type: "client_credentials", client_id: scim.id, client_secret: `${scim.secret}x` });
    await http().post("/oauth/introspect").auth(scim.id, scim.secret).type("form").send({ token });
    await http()
      .post("/oauth/revoke")
      .auth(scim.id, scim.secret)
      .type("form")
      .send({ token: `${token}y` });
    await http().post("/admin/v1/clients").set(bearer(token)).send({ name: "x", secret: scim.secret });
    await http()
      .get("/scim/v2/Users")
      .set("authorization", `Basic ${Buffer.from(`${scim.id}:${scim.secret}`).toString("base64")}`);
    const logs = srv.logs.text;
    expect(srv.logs.lines.length).toBeGreaterThan(30);
    expect(srv.deps.logger.level).toBe("trace");
    expect(logs).toMatch(/access_token=\[redacted\]/);
    for (const s of secrets) expect(logs).not.toContain(s);
    expect(logs).not.toContain(token.slice(0, 20));
    expect(logs).not.toMatch(/authorization/i);
  });
});
