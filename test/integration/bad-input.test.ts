import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import request from "supertest";
import { openTestStore, type TestStore } from "../helpers/store.js";
import { bootstrapAdmin, buildTestApp, system, tokenFor, type TestApp } from "../helpers/app.js";
import { builtinRoleId } from "../../src/authz/roles.js";
import { createClient, type ClientWithSecret } from "../../src/oauth/client-registry.js";
import type { Store } from "../../src/store/store.js";

/** Every table's full contents, to show a refused request changed nothing. */
async function snapshot(store: Store): Promise<string> {
  const tables = ["clients", "client_role_divisions", "roles", "divisions", "tokens", "audit"];
  const out: Record<string, unknown> = {};
  for (const t of tables) out[t] = await store.query(`select * from ${t} order by 1, 2`);
  return JSON.stringify(out);
}

describe("bad input is refused with the protocol's error, naming the field or rule, and changes nothing", () => {
  let ts: TestStore;
  let t: TestApp;
  let admin: ClientWithSecret;
  let auth: { authorization: string };
  let scim: ClientWithSecret;
  let scimRoleId: string;
  let before: string;

  beforeAll(async () => {
    ts = await openTestStore();
    t = buildTestApp(ts.store, { BODY_LIMIT_BYTES: 64 * 1024 });
    admin = await bootstrapAdmin(ts.store);
    auth = { authorization: `Bearer ${await tokenFor(t.app, admin)}` };
    scimRoleId = (await builtinRoleId(ts.store, "scim-integration"))!;
    scim = await createClient(ts.store, system, new Date(), { name: "scim", roleDivisions: [{ roleId: scimRoleId, divisionId: "*" }] });
  });
  beforeEach(async () => {
    before = await snapshot(ts.store);
  });
  afterEach(async () => {
    expect(await snapshot(ts.store)).toBe(before);
  });
  afterAll(() => ts.close());

  describe("token endpoint (RFC 6749 §5.2)", () => {
    const token = () => request(t.app).post("/oauth/token").type("form");

    it("wrong secret: 401 invalid_client with a Basic challenge", async () => {
      const res = await token().auth(scim.id, "not-the-secret").send({ grant_type: "client_credentials" });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: "invalid_client", error_description: "client authentication failed" });
      expect(res.headers["www-authenticate"]).toMatch(/^Basic /);
      expect(res.headers["cache-control"]).toBe("no-store");
    });
    it("unknown client: the same 401 invalid_client", async () => {
      const res = await token().send({ grant_type: "client_credentials", client_id: "nobody", client_secret: "x" });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe("invalid_client");
    });
    it("unsupported grant type", async () => {
      const res = await token().auth(scim.id, scim.secret).send({ grant_type: "password", username: "u", password: "p" });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe("unsupported_grant_type");
      expect(res.body.error_description).toMatch(/client_credentials/);
    });
    it("missing grant_type", async () => {
      const res = await token().auth(scim.id, scim.secret).send({});
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: "invalid_request", error_description: "grant_type is required" });
    });
    it("missing client authentication", async () => {
      const res = await token().send({ grant_type: "client_credentials" });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe("invalid_client");
    });
    it("missing client_secret in the body", async () => {
      const res = await token().send({ grant_type: "client_credentials", client_id: scim.id });
      expect(res.status).toBe(401);
      expect(res.body.error_description).toMatch(/client_secret/);
    });
    it("two authentication methods at once", async () => {
      const res = await token()
        .auth(scim.id, scim.secret)
        .send({ grant_type: "client_credentials", client_id: scim.id, client_secret: scim.secret });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe("invalid_request");
    });
    it("a repeated parameter", async () => {
      const res = await token().auth(scim.id, scim.secret).send("grant_type=client_credentials&grant_type=client_credentials");
      expect(res.status).toBe(400);
      expect(res.body.error_description).toMatch(/grant_type is repeated/);
    });
    it("a JSON body", async () => {
      const res = await request(t.app).post("/oauth/token").auth(scim.id, scim.secret).send({ grant_type: "client_credentials" });
      expect(res.status).toBe(400);
      expect(res.body.error_description).toMatch(/x-www-form-urlencoded/);
    });
    it("a scope", async () => {
      const res = await token().auth(scim.id, scim.secret).send({ grant_type: "client_credentials", scope: "admin" });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe("invalid_scope");
    });
    it("an oversized body", async () => {
      const res = await token()
        .auth(scim.id, scim.secret)
        .send(`grant_type=client_credentials&pad=${"x".repeat(20_000)}`);
      expect(res.status).toBe(413);
      expect(res.body.error).toBe("invalid_request");
    });
  });

  describe("admin API", () => {
    const post = (body: unknown) =>
      request(t.app)
        .post("/admin/v1/clients")
        .set(auth)
        .send(body as object);
    const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
      ["no name", { authorizedGrantType: "CLIENT-CREDENTIALS" }, "name", /required/],
      ["duration below 300", { name: "a", accessTokenValiditySeconds: 299 }, "accessTokenValiditySeconds", /300\.\.172800/],
      [
        "duration above 172,800 for an ordinary client",
        { name: "a", accessTokenValiditySeconds: 172_801 },
        "accessTokenValiditySeconds",
        /300\.\.172800/,
      ],
      [
        "450 days for a client without roles",
        { name: "a", accessTokenValiditySeconds: 38_880_000 },
        "accessTokenValiditySeconds",
        /300\.\.172800/,
      ],
      ["a fractional duration", { name: "a", accessTokenValiditySeconds: 3600.5 }, "accessTokenValiditySeconds", /whole number/],
      [
        "an unknown grant type",
        { name: "a", authorizedGrantType: "PASSWORD" },
        "authorizedGrantType",
        /CLIENT-CREDENTIALS, CODE, TOKEN, SAML2-BEARER/,
      ],
      [
        "126 redirect URIs",
        {
          name: "a",
          authorizedGrantType: "CODE",
          registeredRedirectUri: Array.from({ length: 126 }, (_, i) => `https://app.example.com/cb${i}`),
        },
        "registeredRedirectUri",
        /1\.\.125/,
      ],
      ["no redirect URI on a CODE client", { name: "a", authorizedGrantType: "CODE" }, "registeredRedirectUri", /1\.\.125/],
      [
        "a relative redirect URI",
        { name: "a", authorizedGrantType: "TOKEN", registeredRedirectUri: ["/callback"] },
        "registeredRedirectUri[0]",
        /absolute/,
      ],
      [
        "an http non-loopback redirect URI",
        { name: "a", authorizedGrantType: "CODE", registeredRedirectUri: ["http://app.example.com/cb"] },
        "registeredRedirectUri[0]",
        /https/,
      ],
      ["an unknown field", { name: "a", color: "red" }, "color", /unknown field/],
      ["roleDivisions that is not an array", { name: "a", roleDivisions: "admin" }, "roleDivisions", /array/],
    ];
    for (const [what, body, field, message] of cases) {
      it(`refuses ${what}`, async () => {
        const res = await post(body);
        expect(res.status).toBe(400);
        expect(res.body.error).toBe("invalid_request");
        expect(res.body.errors).toEqual(
          expect.arrayContaining([expect.objectContaining({ field, message: expect.stringMatching(message) })]),
        );
      });
    }

    it("refuses more than 38,880,000 s even for a SCIM-restricted client", async () => {
      const res = await post({ name: "a", accessTokenValiditySeconds: 38_880_001, roleDivisions: [{ roleId: scimRoleId }] });
      expect(res.status).toBe(400);
      expect(res.body.errors[0]).toEqual({ field: "accessTokenValiditySeconds", message: expect.stringMatching(/300\.\.38880000/) });
    });
    it("refuses roles on a CODE client", async () => {
      const res = await post({
        name: "a",
        authorizedGrantType: "CODE",
        registeredRedirectUri: ["https://app.example.com/cb"],
        roleDivisions: [{ roleId: scimRoleId }],
      });
      expect(res.status).toBe(400);
      expect(res.body.field).toBe("roleDivisions");
      expect(res.body.message).toMatch(/only for CLIENT-CREDENTIALS/);
    });
    it("refuses an unknown role", async () => {
      const res = await post({ name: "a", roleDivisions: [{ roleId: "no-such-role" }] });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ field: "roleDivisions[0].roleId", message: 'unknown role "no-such-role"' }]);
    });
    it("refuses an unknown division", async () => {
      const res = await post({ name: "a", roleDivisions: [{ roleId: scimRoleId, divisionId: "atlantis" }] });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ field: "roleDivisions[0].divisionId", message: 'unknown division "atlantis"' }]);
    });
    it("refuses an admin granting a role it does not hold", async () => {
      // a second admin holding only Bridge Admin, in the home division
      const limited = await createClient(ts.store, system, new Date(), {
        name: "limited",
        roleDivisions: [{ roleId: (await builtinRoleId(ts.store, "bridge-admin"))!, divisionId: "" }],
      });
      before = await snapshot(ts.store);
      const limitedAuth = { authorization: `Bearer ${await tokenFor(t.app, limited)}` };
      before = await snapshot(ts.store); // the token row is expected; nothing after it
      const res = await request(t.app)
        .post("/admin/v1/clients")
        .set(limitedAuth)
        .send({ name: "escalate", roleDivisions: [{ roleId: scimRoleId }] });
      expect(res.status).toBe(403);
      expect(res.body.error).toBe("forbidden");
      expect(res.body.errors[0].field).toBe("roleDivisions[0]");
      expect(res.body.message).toMatch(/grants only roles it holds/);
      // nor may it grant even its own role in all divisions, which it holds only in home
      const star = await request(t.app)
        .post("/admin/v1/clients")
        .set(limitedAuth)
        .send({ name: "star", roleDivisions: [{ roleId: (await builtinRoleId(ts.store, "bridge-admin"))!, divisionId: "*" }] });
      expect(star.status).toBe(403);
    });
    it("refuses malformed JSON", async () => {
      const res = await request(t.app).post("/admin/v1/clients").set(auth).set("content-type", "application/json").send('{"name": "a",');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: "invalid_json", message: "request body is not valid JSON" });
    });
    it("refuses an oversized body", async () => {
      const res = await post({ name: "a", description: "x".repeat(70 * 1024) });
      expect(res.status).toBe(413);
      expect(res.body.error).toBe("payload_too_large");
    });
    it("refuses an update that breaks a rule, keeping the client as it was", async () => {
      const res = await request(t.app).patch(`/admin/v1/clients/${scim.id}`).set(auth).send({ accessTokenValiditySeconds: 10 });
      expect(res.status).toBe(400);
      expect(res.body.field).toBe("accessTokenValiditySeconds");
    });
    it("answers 404 for an unknown client", async () => {
      const res = await request(t.app).patch("/admin/v1/clients/nope").set(auth).send({ name: "x" });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: "not_found", message: 'client "nope" not found' });
    });
    it("answers 401 without a token and 403 for a client without admin rights", async () => {
      const none = await request(t.app).get("/admin/v1/clients");
      expect(none.status).toBe(401);
      expect(none.headers["www-authenticate"]).toBe('Bearer realm="scim-bridge"');
      const scimToken = await tokenFor(t.app, scim);
      before = await snapshot(ts.store);
      const res = await request(t.app)
        .get("/admin/v1/clients")
        .set({ authorization: `Bearer ${scimToken}` });
      expect(res.status).toBe(403);
      expect(res.headers["www-authenticate"]).toMatch(/error="insufficient_scope"/);
      expect(res.body.message).toMatch(/bridge:client:view/);
    });
    it("refuses a role with a malformed permission", async () => {
      const res = await request(t.app)
        .post("/admin/v1/roles")
        .set(auth)
        .send({ name: "bad", permissions: ["directory:user"] });
      expect(res.status).toBe(400);
      expect(res.body.field).toBe("permissions[0]");
    });
  });
});
