import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { startFakeGenesys, type FakeGenesys } from "../../fakes/genesys/index.js";
import { fakeToken } from "../../fakes/genesys/token.js";
import { expectGenesysError, fakeApi } from "../../helpers/fake-genesys-api.js";

/**
 * The fake Genesys Cloud's routing skills, routing languages and user external ids
 * (docs/genesys-platform-api.md, "Routing skills and languages" and "External ids"), over real HTTP with plain fetch.
 */

const T0 = Date.parse("2026-01-05T09:00:00Z");

describe("fake Genesys Cloud: routing skills, languages and external ids", () => {
  let fake: FakeGenesys;
  let token: string;
  const api = fakeApi(
    () => fake,
    () => token,
  );

  let n = 0;
  const newUser = async (): Promise<string> => {
    n++;
    const a = await api("POST", "/api/v2/users", { name: `Agent ${n}`, email: `agent${n}@example.com` });
    expect(a.status).toBe(200);
    return a.body.id as string;
  };
  const UNKNOWN = "00000000-0000-4000-8000-000000000000";

  beforeAll(async () => {
    fake = await startFakeGenesys({ searchLagMs: 0, now: () => T0 });
    token = await fakeToken(fake);
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.faults.reset());

  describe("skill and language catalogs", () => {
    it("filters skills by name prefix, case-insensitively, so callers pick the exact name themselves", async () => {
      const sales = fake.state.addSkill("Sales");
      fake.state.addSkill("Sales EMEA");
      fake.state.addSkill("salesforce admin");
      fake.state.addSkill("Support");
      const a = await api("GET", "/api/v2/routing/skills?name=Sales&pageSize=2");
      expect(a.status).toBe(200);
      expect(a.body).toMatchObject({ pageSize: 2, pageNumber: 1, total: 3, pageCount: 2 });
      expect(a.body.entities.map((e: { name: string }) => e.name)).toEqual(["Sales", "Sales EMEA"]);
      expect(a.body.entities[0]).toEqual({
        id: sales.id,
        name: "Sales",
        dateModified: new Date(T0).toISOString(),
        state: "active",
        version: "1",
        selfUri: `/api/v2/routing/skills/${sales.id}`,
      });
      expect(a.body.nextUri).toContain("name=Sales");
      const page2 = await api("GET", "/api/v2/routing/skills?name=Sales&pageSize=2&pageNumber=2");
      expect(page2.body.entities.map((e: { name: string }) => e.name)).toEqual(["salesforce admin"]);
      const byId = await api("GET", `/api/v2/routing/skills?id=${sales.id}`);
      expect(byId.body.entities).toHaveLength(1);
      expect((await api("GET", `/api/v2/routing/skills/${sales.id}`)).body.name).toBe("Sales");
      expectGenesysError(await api("GET", `/api/v2/routing/skills/${UNKNOWN}`), 404, "not.found");
      expectGenesysError(await api("GET", "/api/v2/routing/skills?pageSize=0"), 400, "bad.request");
    });

    it("lists languages the same way and leaves deleted catalog entries out", async () => {
      const fr = fake.state.addLanguage("French");
      fake.state.addLanguage("French (Canada)");
      const gone = fake.state.addLanguage("Frisian");
      fake.state.routing.remove("language", gone.id);
      const a = await api("GET", "/api/v2/routing/languages?name=fr");
      expect(a.status).toBe(200);
      expect(a.body.entities.map((e: { name: string }) => e.name)).toEqual(["French", "French (Canada)"]);
      expect(a.body.entities[0].selfUri).toBe(`/api/v2/routing/languages/${fr.id}`);
      expectGenesysError(await api("GET", `/api/v2/routing/languages/${gone.id}`), 404, "not.found");
    });
  });

  describe("a user's routing skills", () => {
    it("adds and updates with PATCH .../bulk, answers the user's whole list, and lists them paged", async () => {
      const user = await newUser();
      const a = fake.state.addSkill("Alpha");
      const b = fake.state.addSkill("Bravo");
      const c = fake.state.addSkill("Charlie");
      const first = await api("PATCH", `/api/v2/users/${user}/routingskills/bulk`, [
        { id: b.id, proficiency: 2.5 },
        { id: a.id, proficiency: 0 },
      ]);
      expect(first.status).toBe(200);
      expect(first.body.entities).toEqual([
        {
          id: a.id,
          name: "Alpha",
          proficiency: 0,
          state: "active",
          skillUri: `/api/v2/routing/skills/${a.id}`,
          selfUri: `/api/v2/users/${user}/routingskills/${a.id}`,
        },
        expect.objectContaining({ id: b.id, name: "Bravo", proficiency: 2.5 }),
      ]);
      const second = await api("PATCH", `/api/v2/users/${user}/routingskills/bulk`, [
        { id: c.id, proficiency: 5 },
        { id: a.id, proficiency: 4 },
      ]);
      expect(second.body.total).toBe(3);
      expect(fake.state.userSkills(user)).toEqual([
        { id: a.id, name: "Alpha", proficiency: 4 },
        { id: b.id, name: "Bravo", proficiency: 2.5 },
        { id: c.id, name: "Charlie", proficiency: 5 },
      ]);

      const page = await api("GET", `/api/v2/users/${user}/routingskills?pageSize=2&pageNumber=2`);
      expect(page.body).toMatchObject({ pageSize: 2, pageNumber: 2, total: 3, pageCount: 2 });
      expect(page.body.entities.map((e: { name: string }) => e.name)).toEqual(["Charlie"]);
      const empty = await api("GET", `/api/v2/users/${user}/routingskills?pageSize=2&pageNumber=3`);
      expect(empty.body.entities).toEqual([]); // how the provider knows it has read them all
      const desc = await api("GET", `/api/v2/users/${user}/routingskills?sortOrder=descending`);
      expect(desc.body.entities.map((e: { name: string }) => e.name)).toEqual(["Charlie", "Bravo", "Alpha"]);
      const expanded = await api("GET", `/api/v2/users/${user}?expand=skills,languages`);
      expect(expanded.body.skills).toHaveLength(3);
      expect(expanded.body.languages).toEqual([]);
      expect((await api("GET", `/api/v2/users/${user}`)).body.skills).toBeUndefined();
    });

    it("replaces them all with PUT .../bulk and removes one with DELETE", async () => {
      const user = await newUser();
      const a = fake.state.addSkill("Put A");
      const b = fake.state.addSkill("Put B");
      await api("PATCH", `/api/v2/users/${user}/routingskills/bulk`, [{ id: a.id, proficiency: 1 }]);
      const put = await api("PUT", `/api/v2/users/${user}/routingskills/bulk`, [{ id: b.id, proficiency: 3 }]);
      expect(put.status).toBe(200);
      expect(put.body.entities.map((e: { id: string }) => e.id)).toEqual([b.id]);
      const del = await api("DELETE", `/api/v2/users/${user}/routingskills/${b.id}`);
      expect(del.status).toBe(204);
      expect(fake.state.userSkills(user)).toEqual([]);
      expectGenesysError(await api("DELETE", `/api/v2/users/${user}/routingskills/${b.id}`), 404, "not.found");
      const cleared = await api("PUT", `/api/v2/users/${user}/routingskills/bulk`, []);
      expect(cleared.body.total).toBe(0);
    });

    it("adds one with POST and changes one proficiency with PUT .../{skillId}", async () => {
      const user = await newUser();
      const s = fake.state.addSkill("Single");
      const post = await api("POST", `/api/v2/users/${user}/routingskills`, { id: s.id, proficiency: 1.5 });
      expect(post.status).toBe(200);
      expect(post.body).toMatchObject({ id: s.id, name: "Single", proficiency: 1.5 });
      const put = await api("PUT", `/api/v2/users/${user}/routingskills/${s.id}`, { proficiency: 3.5 });
      expect(put.body.proficiency).toBe(3.5);
      expectGenesysError(await api("PUT", `/api/v2/users/${user}/routingskills/${UNKNOWN}`, { proficiency: 1 }), 404, "not.found");
    });

    it("refuses more than 50 entries, unknown or deleted skills, repeats, and proficiencies outside 0..5", async () => {
      const user = await newUser();
      const s = fake.state.addSkill("Strict");
      const many = Array.from({ length: 51 }, (_, i) => ({ id: fake.state.addSkill(`Bulk ${i}`).id, proficiency: 1 }));
      const bulk = `/api/v2/users/${user}/routingskills/bulk`;
      expectGenesysError(await api("PATCH", bulk, many), 400, "bad.request");
      expect((await api("PATCH", bulk, many.slice(0, 50))).status).toBe(200);
      expectGenesysError(await api("PUT", bulk, many), 400, "bad.request");
      expectGenesysError(await api("PATCH", bulk, [{ id: UNKNOWN, proficiency: 1 }]), 400, "bad.request");
      const gone = fake.state.addSkill("Gone");
      fake.state.routing.remove("skill", gone.id);
      expectGenesysError(await api("PATCH", bulk, [{ id: gone.id, proficiency: 1 }]), 400, "bad.request");
      expectGenesysError(await api("PATCH", bulk, [{ id: s.id, proficiency: 5.5 }]), 400, "bad.request");
      expectGenesysError(await api("PATCH", bulk, [{ id: s.id, proficiency: -1 }]), 400, "bad.request");
      expectGenesysError(await api("PATCH", bulk, [{ id: s.id, proficiency: "3" }]), 400, "bad.request");
      expectGenesysError(await api("PATCH", bulk, [{ id: s.id }]), 400, "bad.request");
      expectGenesysError(await api("PATCH", bulk, [{ proficiency: 1 }]), 400, "bad.request");
      const twice = await api("PATCH", bulk, [
        { id: s.id, proficiency: 1 },
        { id: s.id, proficiency: 2 },
      ]);
      expectGenesysError(twice, 400, "bad.request");
      expectGenesysError(await api("PATCH", bulk, { id: s.id, proficiency: 1 }), 400, "bad.request");
      expect(fake.state.userSkills(user)).toHaveLength(50); // nothing of the refused calls landed
      expectGenesysError(await api("GET", `/api/v2/users/${user}/routingskills?sortOrder=sideways`), 400, "bad.request");
    });

    it("answers 404 for an unknown or deleted user", async () => {
      const s = fake.state.addSkill("Nobody's");
      const gone = await newUser();
      expect((await api("DELETE", `/api/v2/users/${gone}`)).status).toBe(200);
      for (const user of [UNKNOWN, gone]) {
        expectGenesysError(await api("GET", `/api/v2/users/${user}/routingskills`), 404, "not.found");
        expectGenesysError(
          await api("PATCH", `/api/v2/users/${user}/routingskills/bulk`, [{ id: s.id, proficiency: 1 }]),
          404,
          "not.found",
        );
        expectGenesysError(await api("PUT", `/api/v2/users/${user}/routingskills/bulk`, []), 404, "not.found");
        expectGenesysError(await api("DELETE", `/api/v2/users/${user}/routingskills/${s.id}`), 404, "not.found");
      }
    });
  });

  describe("a user's routing languages", () => {
    it("adds with PATCH .../bulk, rounds proficiency to an integer, and removes with DELETE", async () => {
      const user = await newUser();
      const de = fake.state.addLanguage("German");
      const it2 = fake.state.addLanguage("Italian");
      const a = await api("PATCH", `/api/v2/users/${user}/routinglanguages/bulk`, [
        { id: de.id, proficiency: 3.6 },
        { id: it2.id, proficiency: 1 },
      ]);
      expect(a.status).toBe(200);
      expect(a.body.entities[0]).toEqual({
        id: de.id,
        name: "German",
        proficiency: 4,
        state: "active",
        languageUri: `/api/v2/routing/languages/${de.id}`,
        selfUri: `/api/v2/users/${user}/routinglanguages/${de.id}`,
      });
      const list = await api("GET", `/api/v2/users/${user}/routinglanguages`);
      expect(list.body.total).toBe(2);
      const patchOne = await api("PATCH", `/api/v2/users/${user}/routinglanguages/${it2.id}`, { id: it2.id, proficiency: 2 });
      expect(patchOne.body.proficiency).toBe(2);
      expect((await api("DELETE", `/api/v2/users/${user}/routinglanguages/${de.id}`)).status).toBe(204);
      expect(fake.state.userLanguages(user)).toEqual([{ id: it2.id, name: "Italian", proficiency: 2 }]);
      const post = await api("POST", `/api/v2/users/${user}/routinglanguages`, { id: de.id, proficiency: 5 });
      expect(post.body).toMatchObject({ id: de.id, proficiency: 5 });
    });

    it("has no PUT .../bulk, and refuses what the skill calls refuse", async () => {
      const user = await newUser();
      const l = fake.state.addLanguage("Dutch");
      const bulk = `/api/v2/users/${user}/routinglanguages/bulk`;
      expectGenesysError(await api("PUT", bulk, [{ id: l.id, proficiency: 1 }]), 405, "method.not.allowed");
      const many = Array.from({ length: 51 }, (_, i) => ({ id: fake.state.addLanguage(`Lang ${i}`).id, proficiency: 1 }));
      expectGenesysError(await api("PATCH", bulk, many), 400, "bad.request");
      expectGenesysError(await api("PATCH", bulk, [{ id: UNKNOWN, proficiency: 1 }]), 400, "bad.request");
      expectGenesysError(await api("PATCH", bulk, [{ id: l.id, proficiency: 6 }]), 400, "bad.request");
      expectGenesysError(
        await api("PATCH", `/api/v2/users/${UNKNOWN}/routinglanguages/bulk`, [{ id: l.id, proficiency: 1 }]),
        404,
        "not.found",
      );
      expect(fake.state.userLanguages(user)).toEqual([]);
    });
  });

  describe("user external ids", () => {
    it("adds, lists, finds the user by one, and deletes (case-sensitive)", async () => {
      const user = await newUser();
      const post = await api("POST", `/api/v2/users/${user}/externalid`, { authorityName: "okta", externalKey: "00u1ABC" });
      expect(post.status).toBe(200);
      expect(post.body).toEqual([{ authorityName: "okta", externalKey: "00u1ABC" }]);
      await api("POST", `/api/v2/users/${user}/externalid`, { authorityName: "hr:system", externalKey: "E-42" });
      const list = await api("GET", `/api/v2/users/${user}/externalid`);
      expect(list.body).toEqual([
        { authorityName: "okta", externalKey: "00u1ABC" },
        { authorityName: "hr:system", externalKey: "E-42" },
      ]);
      const one = await api("GET", `/api/v2/users/${user}/externalid/${encodeURIComponent("hr:system")}`);
      expect(one.body).toEqual({ authorityName: "hr:system", externalKey: "E-42" });
      expectGenesysError(await api("GET", `/api/v2/users/${user}/externalid/OKTA`), 404, "not.found");
      const found = await api("GET", "/api/v2/users/externalid/okta/00u1ABC");
      expect(found.status).toBe(200);
      expect(found.body.id).toBe(user);
      expectGenesysError(await api("GET", "/api/v2/users/externalid/okta/00u1abc"), 404, "not.found");

      expect((await api("DELETE", `/api/v2/users/${user}/externalid/okta/00u1ABC`)).status).toBe(204);
      expect(fake.state.userExternalIds(user)).toEqual([{ authorityName: "hr:system", externalKey: "E-42" }]);
      expectGenesysError(await api("DELETE", `/api/v2/users/${user}/externalid/okta/00u1ABC`), 404, "not.found");
      expectGenesysError(await api("GET", "/api/v2/users/externalid/okta/00u1ABC"), 404, "not.found");
    });

    it("refuses a missing field, a pair already held, a second key for an authority, and more than 100", async () => {
      const user = await newUser();
      const other = await newUser();
      const path = `/api/v2/users/${user}/externalid`;
      expectGenesysError(await api("POST", path, { authorityName: "okta" }), 400, "bad.request");
      expectGenesysError(await api("POST", path, { authorityName: "", externalKey: "x" }), 400, "bad.request");
      expectGenesysError(await api("POST", path, [{ authorityName: "okta", externalKey: "x" }]), 400, "bad.request");
      expect((await api("POST", path, { authorityName: "okta", externalKey: "k1" })).status).toBe(200);
      expectGenesysError(await api("POST", path, { authorityName: "okta", externalKey: "k1" }), 409, "general.conflict");
      expectGenesysError(await api("POST", path, { authorityName: "okta", externalKey: "k2" }), 409, "general.conflict");
      const taken = await api("POST", `/api/v2/users/${other}/externalid`, { authorityName: "okta", externalKey: "k1" });
      expectGenesysError(taken, 409, "general.conflict");
      expect(taken.body.entityId).toBe(user);
      for (let i = 1; i < 100; i++) {
        fake.state.externalIds.add(user, { authorityName: `auth-${i}`, externalKey: `key-${i}` });
      }
      expect(fake.state.userExternalIds(user)).toHaveLength(100);
      expectGenesysError(await api("POST", path, { authorityName: "auth-100", externalKey: "key-100" }), 400, "bad.request");
      expectGenesysError(await api("GET", `/api/v2/users/${UNKNOWN}/externalid`), 404, "not.found");
      expectGenesysError(
        await api("POST", `/api/v2/users/${UNKNOWN}/externalid`, { authorityName: "a", externalKey: "b" }),
        404,
        "not.found",
      );
      expectGenesysError(await api("DELETE", `/api/v2/users/${UNKNOWN}/externalid/a/b`), 404, "not.found");
    });
  });

  it("logs every call, and sends no inin-ratelimit-* headers unless told to (Genesys dropped them in 2021)", async () => {
    const user = await newUser();
    fake.clearCalls();
    await api("PATCH", `/api/v2/users/${user}/routingskills/bulk`, []);
    expect(fake.calls).toEqual([
      expect.objectContaining({ method: "PATCH", path: `/api/v2/users/${user}/routingskills/bulk`, body: [], status: 200 }),
    ]);
    const quiet = await api("GET", "/api/v2/routing/skills");
    expect(quiet.status).toBe(200);
    expect(quiet.headers.get("inin-ratelimit-allowed")).toBeNull();
    expect(quiet.headers.get("inin-ratelimit-count")).toBeNull();
    expect(quiet.headers.get("inin-ratelimit-reset")).toBeNull();

    const older = await startFakeGenesys({ rateLimitHeaders: true });
    try {
      const t = await fakeToken(older);
      const res = await fetch(`${older.apiUrl}/api/v2/routing/skills`, { headers: { authorization: `Bearer ${t}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get("inin-ratelimit-allowed")).toBe("300");
    } finally {
      await older.close();
    }
  });
});
