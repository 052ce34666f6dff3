import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import request from "supertest";
import { openTestStore, type TestStore } from "../helpers/store.js";
import { bootstrapAdmin, buildTestApp, tokenFor, type TestApp } from "../helpers/app.js";
import { EMBEDDABLE_SCOPES } from "../../src/oauth/client-presets.js";
import { builtinRoleId } from "../../src/authz/roles.js";

describe("client presets", () => {
  let ts: TestStore;
  let t: TestApp;
  let auth: { authorization: string };
  beforeAll(async () => {
    ts = await openTestStore();
    t = buildTestApp(ts.store);
    auth = { authorization: `Bearer ${await tokenFor(t.app, await bootstrapAdmin(ts.store))}` };
  });
  afterAll(() => ts.close());

  const create = (body: Record<string, unknown>) => request(t.app).post("/admin/v1/clients").set(auth).send(body);

  for (const region of ["mypurecloud.ie", "usw2.pure.cloud", "mypurecloud.com.au"]) {
    it(`gives exactly the documented redirect URIs for ${region}, with and without the dedicated login window`, async () => {
      const plain = await create({ preset: "embeddable-framework", region, name: `EF ${region}` });
      expect(plain.status).toBe(201);
      expect(plain.body).toMatchObject({
        authorizedGrantType: "TOKEN",
        accessTokenValiditySeconds: 64_800,
        registeredRedirectUri: [`https://apps.${region}/crm/index.html`],
        roleDivisions: [],
      });
      expect(plain.body.scope).toEqual([...EMBEDDABLE_SCOPES]);
      expect(plain.body.frameworkClientIds).toEqual({ [region]: plain.body.id });
      const windowed = await create({ preset: "embeddable-framework", region, dedicatedLoginWindow: true, name: `EF window ${region}` });
      expect(windowed.body.registeredRedirectUri).toEqual([
        `https://apps.${region}/crm/index.html`,
        `https://apps.${region}/crm/authWindow.html`,
      ]);
    });
  }

  it("refuses an unknown region with the list of valid ones, and keeps the duration overridable within 300..172,800", async () => {
    const bad = await create({ preset: "embeddable-framework", region: "mypurecloud.mars", name: "x" });
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe("region");
    for (const region of ["mypurecloud.com", "mypurecloud.ie", "usw2.pure.cloud", "apne3.pure.cloud"])
      expect(bad.body.message).toContain(region);
    const custom = await create({
      preset: "embeddable-framework",
      region: "mypurecloud.de",
      name: "short",
      accessTokenValiditySeconds: 3600,
    });
    expect(custom.body.accessTokenValiditySeconds).toBe(3600);
    const tooLong = await create({
      preset: "embeddable-framework",
      region: "mypurecloud.de",
      name: "long",
      accessTokenValiditySeconds: 200_000,
    });
    expect(tooLong.status).toBe(400);
    expect((await create({ preset: "nope", name: "x" })).body.field).toBe("preset");
  });

  it("makes the SCIM client of the seed's third procedure", async () => {
    const scim = await create({ preset: "scim", name: "Okta SCIM" });
    expect(scim.status).toBe(201);
    expect(scim.body).toMatchObject({
      authorizedGrantType: "CLIENT-CREDENTIALS",
      accessTokenValiditySeconds: 86_400,
      roleDivisions: [{ roleId: await builtinRoleId(ts.store, "scim-integration"), divisionId: "*" }],
    });
    const home = (await request(t.app).get("/admin/v1/divisions").set(auth)).body.entities[0].id;
    const scoped = await create({ preset: "scim", name: "Home only", divisions: [home], accessTokenValiditySeconds: 38_880_000 });
    expect(scoped.body).toMatchObject({ accessTokenValiditySeconds: 38_880_000, roleDivisions: [{ divisionId: home }] });
  });
});
