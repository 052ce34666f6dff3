import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as oidc from "openid-client";
import { openTestStore, type TestStore } from "../helpers/store.js";
import { bootstrapAdmin, buildTestApp, system, type TestApp } from "../helpers/app.js";
import { createClient, type ClientWithSecret } from "../../src/oauth/client-registry.js";
import { builtinRoleId } from "../../src/authz/roles.js";

/** A real client library against a listening server: discovery (RFC 8414), both auth methods, RFC 7662, RFC 7009. */
describe("token service through openid-client v6", () => {
  let ts: TestStore;
  let t: TestApp;
  let server: Server;
  let issuer: string;
  let scim: ClientWithSecret;
  let admin: ClientWithSecret;

  beforeAll(async () => {
    ts = await openTestStore();
    t = buildTestApp(ts.store);
    // openid-client checks `exp` and `iat` against the real clock: keep the app's clock real here.
    t.clock.ms = Date.now();
    server = await new Promise<Server>((resolve) => {
      const s = t.app.listen(0, "127.0.0.1", () => resolve(s));
    });
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    admin = await bootstrapAdmin(ts.store);
    scim = await createClient(ts.store, system, new Date(), {
      name: "Entra ID",
      accessTokenValiditySeconds: 38_880_000,
      roleDivisions: [{ roleId: (await builtinRoleId(ts.store, "scim-integration"))!, divisionId: "*" }],
    });
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await ts.close();
  });

  async function discover(client: ClientWithSecret, method: "basic" | "post"): Promise<oidc.Configuration> {
    const auth = method === "basic" ? oidc.ClientSecretBasic(client.secret) : oidc.ClientSecretPost(client.secret);
    return oidc.discovery(new URL(issuer), client.id, undefined, auth, { algorithm: "oauth2", execute: [oidc.allowInsecureRequests] });
  }

  it("publishes RFC 8414 metadata that discovery accepts", async () => {
    const cfg = await discover(scim, "basic");
    const meta = cfg.serverMetadata();
    expect(meta.issuer).toBe(issuer);
    expect(meta.token_endpoint).toBe(`${issuer}/oauth/token`);
    expect(meta.token_endpoint_auth_methods_supported).toEqual(["client_secret_basic", "client_secret_post"]);
  });

  for (const method of ["basic", "post"] as const) {
    it(`issues a token with client_secret_${method} that introspects active, then inactive after revocation`, async () => {
      const cfg = await discover(scim, method);
      const token = await oidc.clientCredentialsGrant(cfg);
      expect(token.token_type).toBe("bearer");
      expect(token.expires_in).toBe(38_880_000);

      const info = await oidc.tokenIntrospection(cfg, token.access_token);
      expect(info.active).toBe(true);
      expect(info.client_id).toBe(scim.id);
      // the app's clock is fixed in this file: the token was issued at exactly t.clock.ms
      expect(info.exp).toBe(Math.floor(t.clock.ms / 1000) + 38_880_000);
      expect(info.iat).toBe(Math.floor(t.clock.ms / 1000));

      const adminCfg = await discover(admin, "basic");
      const adminToken = await oidc.clientCredentialsGrant(adminCfg);
      const ok = await fetch(`${issuer}/admin/v1/roles`, { headers: { authorization: `Bearer ${adminToken.access_token}` } });
      expect(ok.status).toBe(200);

      await oidc.tokenRevocation(adminCfg, adminToken.access_token);
      expect((await oidc.tokenIntrospection(adminCfg, adminToken.access_token)).active).toBe(false);
      const refused = await fetch(`${issuer}/admin/v1/roles`, { headers: { authorization: `Bearer ${adminToken.access_token}` } });
      expect(refused.status).toBe(401);
      expect(refused.headers.get("www-authenticate")).toMatch(/^Bearer .*error="invalid_token"/);

      await oidc.tokenRevocation(cfg, token.access_token);
      expect((await oidc.tokenIntrospection(cfg, token.access_token)).active).toBe(false);
    });
  }

  it("refuses a wrong secret with invalid_client through the library", async () => {
    const cfg = await discover({ ...scim, secret: "wrong" }, "basic");
    const err = await oidc.clientCredentialsGrant(cfg).then(
      () => null,
      (e: unknown) => e,
    );
    // RFC 6749 §5.2: a failed HTTP Basic authentication answers 401 with a Basic challenge, which the library surfaces.
    expect(err).toMatchObject({ status: 401, code: "OAUTH_WWW_AUTHENTICATE_CHALLENGE", cause: [{ scheme: "basic" }] });
  });

  it("does not let a client revoke another client's token (RFC 7009 §2.1)", async () => {
    const scimCfg = await discover(scim, "post");
    const token = await oidc.clientCredentialsGrant(scimCfg);
    const other = await createClient(ts.store, system, new Date(), { name: "other" });
    const otherCfg = await discover(other, "basic");
    await oidc.tokenRevocation(otherCfg, token.access_token);
    expect((await oidc.tokenIntrospection(scimCfg, token.access_token)).active).toBe(true);
    // and introspection by a client without admin rights does not reveal someone else's token
    expect((await oidc.tokenIntrospection(otherCfg, token.access_token)).active).toBe(false);
  });
});
