import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import SCIMMY from "scimmy";
import { openTestStore, type TestStore } from "../../helpers/store.js";
import { buildTestApp } from "../../helpers/app.js";
import { ENTERPRISE, GROUP_SCHEMA, USER_SCHEMA, scimAgent } from "../../helpers/scim.js";
import { renderStored } from "../../../src/scim/render.js";
import { scimServices } from "../../../src/scim/resources.js";
import type { ScimContext } from "../../../src/scim/context.js";
import { GENESYS_USER } from "../../../src/scim/schemas.js";
import { ALL_DIVISIONS, SCIM_INTEGRATION_PERMISSIONS } from "../../../src/authz/permissions.js";

/**
 * The bridge renders stored resources itself (src/scim/render.ts) where SCIMMY's "out" coercion used to;
 * the answers must not change by a byte. Users and groups of every attribute the schemas declare, in
 * random subsets and random letter case, are written through the real endpoint (so the store's JSON
 * key order is what is read back), then rendered both ways.
 */
describe("rendering a stored resource: the bridge's own equals SCIMMY's", () => {
  let t: TestStore;
  let s: Awaited<ReturnType<typeof scimAgent>>;
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const maybe = (p = 0.5) => rnd() < p;
  const cased = (name: string) => (maybe(0.2) ? name.toUpperCase() : maybe(0.2) ? name.toLowerCase() : name);

  beforeAll(async () => {
    t = await openTestStore();
    s = await scimAgent(buildTestApp(t.store).app, t.store);
  });
  afterAll(() => t?.close());

  function randomUser(n: number): Record<string, unknown> {
    const u: Record<string, unknown> = {
      schemas: [USER_SCHEMA],
      userName: `user${n}.${Math.floor(rnd() * 1e9)}@example.com`,
      displayName: `User ${n}`,
    };
    const set = (k: string, v: unknown) => {
      if (maybe()) u[cased(k)] = v;
    };
    set("externalId", `ext-${n}`);
    set("name", {
      formatted: "Ms. Ann B. Smith",
      familyName: "Smith",
      givenName: "Ann",
      middleName: maybe() ? "B" : undefined,
      honorificPrefix: "Ms.",
      honorificSuffix: maybe() ? "III" : undefined,
    });
    for (const k of ["nickName", "title", "userType", "preferredLanguage", "locale", "timezone"])
      set(k, pick(["a", "Some text", "en-US", "America/Chicago"]));
    set("profileUrl", "https://example.com/p/1");
    set("active", maybe());
    set("emails", [
      { value: `w${n}@example.com`, type: "work", primary: true },
      ...(maybe() ? [{ value: `h${n}@example.com`, type: "home", display: "Home" }] : []),
    ]);
    set("phoneNumbers", [
      { value: "+1 555 0100", type: pick(["work", "mobile", "microsoftteams", "work2"]), primary: maybe() },
      ...(maybe() ? [{ value: "tel:+15550101;ext=12", type: "home" }] : []),
    ]);
    set("ims", [{ value: "ann", type: "xmpp" }]);
    set("photos", [{ value: "https://example.com/a.jpg", type: "photo" }]);
    set("addresses", [
      {
        type: "work",
        streetAddress: "1 Main St",
        locality: "Town",
        region: "ST",
        postalCode: "12345",
        country: "US",
        formatted: "1 Main St\nTown",
        primary: maybe(),
      },
    ]);
    set("entitlements", [{ value: "e1", display: "E 1" }]);
    set("roles", [{ value: "agent", type: "genesys", primary: maybe() }]);
    set("x509Certificates", [{ value: "TUlJQ2lUQ0NBZktnQXdJQkFnSUJBREFOQmdrcWhraUc5dzBCQVFVRkFEQT0=" }]);
    if (maybe()) {
      (u.schemas as string[]).push(ENTERPRISE);
      const e: Record<string, unknown> = {};
      for (const k of ["employeeNumber", "costCenter", "organization", "department"]) if (maybe()) e[cased(k)] = `${k} ${n}`;
      if (maybe()) e.manager = { value: `m-${n}`, displayName: maybe() ? "Boss" : undefined };
      if (maybe()) e.dateHire = "2024-02-03";
      u[ENTERPRISE] = e;
    }
    if (maybe(0.4)) {
      (u.schemas as string[]).push(GENESYS_USER);
      u[GENESYS_USER] = {
        ...(maybe() ? { routingSkills: [{ name: "Billing", proficiency: pick([0, 2.5, 5]) }] } : {}),
        ...(maybe() ? { routingLanguages: [{ name: "French", proficiency: 4 }] } : {}),
        ...(maybe() ? { externalIds: [{ authority: "hr", value: `hr-${n}` }] } : {}),
      };
    }
    return JSON.parse(JSON.stringify(u)) as Record<string, unknown>;
  }

  const ctx = (): ScimContext => ({
    store: t.store,
    principal: {
      kind: "client",
      clientId: "test",
      tokenHash: "x",
      grants: [{ roleId: "r", divisionId: ALL_DIVISIONS, permissions: [...SCIM_INTEGRATION_PERMISSIONS] }],
    },
    now: new Date(),
    list: { descending: false, startIndex: 1, count: 100 },
    projection: {},
    excludeMembers: false,
    outcome: {},
  });
  const scimmy = (kind: "User" | "Group", r: Record<string, unknown>) =>
    JSON.stringify(new (kind === "User" ? SCIMMY.Schemas.User : SCIMMY.Schemas.Group)(r, "out", `/${kind}s`));

  it("users of every attribute, random subsets and letter case", async () => {
    const ids: string[] = [];
    for (let n = 0; n < 120; n++) {
      const r = await s.post("/Users", randomUser(n));
      expect(r.status).toBe(201);
      ids.push(r.body.id as string);
    }
    const g = await s.post("/Groups", {
      schemas: [GROUP_SCHEMA],
      displayName: "Team",
      members: ids.slice(0, 3).map((value) => ({ value })),
    });
    expect(g.status).toBe(201);
    const { users } = scimServices();
    let compared = 0;
    for (const id of ids) {
      const stored = await users.get(ctx(), id);
      expect(JSON.stringify(renderStored("User", stored))).toBe(scimmy("User", stored));
      compared++;
    }
    const page = await users.list(ctx());
    for (const stored of page.resources) expect(JSON.stringify(renderStored("User", stored))).toBe(scimmy("User", stored));
    expect(compared).toBe(120);
    expect(page.resources.length).toBe(100);
  });

  it("groups with members and without", async () => {
    const a = await s.post("/Users", randomUser(1000));
    const b = await s.post("/Users", randomUser(1001));
    const made = [
      await s.post("/Groups", { schemas: [GROUP_SCHEMA], displayName: "Empty" }),
      await s.post("/Groups", {
        schemas: [GROUP_SCHEMA],
        displayName: "Both",
        externalId: "g-ext",
        members: [{ value: a.body.id }, { value: b.body.id, display: "B" }],
      }),
    ];
    const { groups } = scimServices();
    for (const g of made) {
      expect(g.status).toBe(201);
      const stored = await groups.get(ctx(), g.body.id as string);
      expect(JSON.stringify(renderStored("Group", stored))).toBe(scimmy("Group", stored));
    }
  });
});
