import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import request from "supertest";
import { openTestStore, type TestStore } from "../helpers/store.js";
import { bootstrapAdmin, buildTestApp, tokenFor, type TestApp } from "../helpers/app.js";
import { scimClient } from "../helpers/scim.js";
import type { ClientWithSecret } from "../../src/oauth/client-registry.js";
import { hashSecret } from "../../src/oauth/secrets.js";

/** Genesys Cloud's HIPAA inactivity timeout on tokens: 15 minutes unused, refused. */
describe("HIPAA idle timeout", () => {
  let ts: TestStore;
  let t: TestApp;
  let admin: ClientWithSecret;
  let scim: ClientWithSecret;

  beforeAll(async () => {
    ts = await openTestStore();
    t = buildTestApp(ts.store, { HIPAA_COMPLIANCE: true });
    admin = await bootstrapAdmin(ts.store);
    scim = await scimClient(ts.store);
  });
  afterAll(() => ts.close());

  const adminAuth = async () => ({ authorization: `Bearer ${await tokenFor(t.app, admin)}` });
  const use = (token: string) =>
    request(t.app)
      .get("/scim/v2/ServiceProviderConfig")
      .set({ authorization: `Bearer ${token}` });
  const introspect = async (token: string) =>
    (await request(t.app).post("/oauth/introspect").auth(scim.id, scim.secret).type("form").send({ token })).body as { active: boolean };

  it("keeps a token used every 10 minutes working for an hour", async () => {
    const token = await tokenFor(t.app, scim);
    for (let i = 0; i < 6; i++) {
      t.clock.advance(600);
      expect((await use(token)).status).toBe(200);
    }
    expect((await introspect(token)).active).toBe(true);
  });

  it("refuses a token idle for 16 minutes (401 invalid_token, idled out) and introspects it inactive; with HIPAA off it works", async () => {
    const token = await tokenFor(t.app, scim);
    t.clock.advance(16 * 60);
    const res = await use(token);
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toMatch(/error="invalid_token", error_description="the token idled out/);
    expect(res.body.detail).toMatch(/idled out/);
    expect((await introspect(token)).active).toBe(false);

    const off = await request(t.app)
      .put("/admin/v1/settings")
      .set(await adminAuth())
      .send({ hipaaCompliance: false });
    expect(off.body).toMatchObject({ hipaaCompliance: false, source: "settings", idleTimeoutSeconds: null });
    expect((await use(token)).status).toBe(200);
    expect((await introspect(token)).active).toBe(true);
    await request(t.app)
      .put("/admin/v1/settings")
      .set(await adminAuth())
      .send({ hipaaCompliance: true });
  });

  it("records use at most once a minute, not a store write per request", async () => {
    const token = await tokenFor(t.app, scim);
    for (let i = 0; i < 20; i++) {
      t.clock.advance(2);
      expect((await use(token)).status).toBe(200);
    }
    const row = async () =>
      (
        await ts.store.query<{ uses: number; idle: boolean }>(
          "select uses, last_used_at = issued_at as idle from tokens where token_hash = $1",
          [hashSecret(token)],
        )
      )[0]!;
    expect(await row()).toEqual({ uses: 0, idle: true }); // 40 s of use: nothing written yet
    t.clock.advance(30);
    await use(token);
    expect(await row()).toEqual({ uses: 1, idle: false });
  });

  it("warns in GET /admin/v1/settings about a SCIM client whose token is used 40 minutes apart", async () => {
    await request(t.app)
      .put("/admin/v1/settings")
      .set(await adminAuth())
      .send({ hipaaCompliance: false });
    const entra = await scimClient(ts.store);
    const token = await tokenFor(t.app, entra);
    for (let i = 0; i < 3; i++) {
      t.clock.advance(40 * 60);
      expect((await use(token)).status).toBe(200);
    }
    const settings = await request(t.app)
      .put("/admin/v1/settings")
      .set(await adminAuth())
      .send({ hipaaCompliance: true });
    expect(settings.body.hipaaCompliance).toBe(true);
    expect(settings.body.warnings.join("\n")).toMatch(new RegExp(`${entra.id}.*about every 40 minutes`));
    expect(settings.body.warnings.join("\n")).toMatch(/fetch tokens with client credentials/);
    const invalid = await request(t.app)
      .put("/admin/v1/settings")
      .set(await adminAuth())
      .send({ hipaaCompliance: "yes" });
    expect(invalid.status).toBe(400);
    expect(invalid.body.field).toBe("hipaaCompliance");
  });
});
