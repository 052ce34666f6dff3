import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import request from "supertest";
import { openTestStore, type TestStore } from "../../helpers/store.js";
import { buildTestApp, system, tokenFor, type TestApp } from "../../helpers/app.js";
import { ENTERPRISE, ERROR_SCHEMA, GROUP_SCHEMA, SCIM, USER_SCHEMA, patchOp, scimAgent } from "../../helpers/scim.js";
import { builtinRoleId } from "../../../src/authz/roles.js";
import { createClient } from "../../../src/oauth/client-registry.js";
import type { Store } from "../../../src/store/store.js";

const GENESYS = "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User";
const SCIM_JSON = /^application\/scim\+json/;

/** The SCIM tables' full contents, to show that a refused request changed nothing. */
async function snapshot(store: Store): Promise<string> {
  const tables = ["scim_users", "scim_groups", "scim_group_members", "outbox", "scim_counts"];
  const out: Record<string, unknown> = {};
  for (const t of tables) out[t] = await store.query(`select * from ${t} order by 1, 2`);
  return JSON.stringify(out);
}

interface Res {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** RFC 7644 §3.12: status, the Error schema, `status` as a string, a detail, and `scimType` only where one applies. */
function expectScimError(res: Res, status: number, scimType: string | null): void {
  expect({ status: res.status, scimType: res.body.scimType ?? null }).toEqual({ status, scimType });
  expect(res.headers["content-type"]).toMatch(SCIM_JSON);
  expect(res.body.schemas).toEqual([ERROR_SCHEMA]);
  expect(res.body.status).toBe(String(status));
  expect(typeof res.body.detail).toBe("string");
  expect((res.body.detail as string).length).toBeGreaterThan(0);
}

function user(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schemas: [USER_SCHEMA], userName, displayName: `Name of ${userName}`, active: true, ...extra };
}

function group(displayName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schemas: [GROUP_SCHEMA], displayName, ...extra };
}

describe("SCIM errors: every class answers a SCIM error body and changes nothing", () => {
  let ts: TestStore;
  let t: TestApp;
  let scim: Awaited<ReturnType<typeof scimAgent>>;
  let userId: string;
  let groupId: string;

  /** Runs a refused request and checks it against the store, before and after. */
  async function refused(send: () => PromiseLike<Res>, status: number, scimType: string | null): Promise<Res> {
    const before = await snapshot(ts.store);
    const res = await send();
    expectScimError(res, status, scimType);
    expect(await snapshot(ts.store)).toBe(before);
    return res;
  }

  beforeAll(async () => {
    ts = await openTestStore();
    t = buildTestApp(ts.store, { BODY_LIMIT_BYTES: 64 * 1024 });
    scim = await scimAgent(t.app, ts.store);
    const u = await scim.post(
      "/Users",
      user("existing.user@example.com", { emails: [{ value: "existing.user@example.com", type: "work", primary: true }] }),
    );
    expect(u.status).toBe(201);
    userId = u.body.id;
    const g = await scim.post("/Groups", group("Existing Group", { members: [{ value: userId }] }));
    expect(g.status).toBe(201);
    groupId = g.body.id;
  });
  afterAll(() => ts.close());

  describe("request syntax", () => {
    it("malformed JSON: 400 invalidSyntax on POST, PUT and PATCH", async () => {
      const auth = { authorization: `Bearer ${scim.token}` };
      await refused(
        () => request(t.app).post(`${SCIM}/Users`).set(auth).set("content-type", "application/scim+json").send('{"userName": "a",'),
        400,
        "invalidSyntax",
      );
      await refused(
        () => request(t.app).put(`${SCIM}/Users/${userId}`).set(auth).set("content-type", "application/scim+json").send("{userName: a}"),
        400,
        "invalidSyntax",
      );
      await refused(
        () => request(t.app).patch(`${SCIM}/Groups/${groupId}`).set(auth).set("content-type", "application/json").send('{"schemas": ['),
        400,
        "invalidSyntax",
      );
    });

    it("a body over the limit: 413", async () => {
      const res = await refused(() => scim.post("/Users", user("big@example.com", { nickName: "x".repeat(70 * 1024) })), 413, null);
      expect(res.body.detail).toMatch(/65536/);
      await refused(
        () =>
          scim.post(
            "/Groups",
            group("Big", { members: Array.from({ length: 2000 }, (_, i) => ({ value: `member-${i}-${"y".repeat(30)}` })) }),
          ),
        413,
        null,
      );
    });

    it("a wrong content type: 415", async () => {
      const auth = { authorization: `Bearer ${scim.token}` };
      const body = JSON.stringify(user("plain@example.com"));
      await refused(() => request(t.app).post(`${SCIM}/Users`).set(auth).set("content-type", "text/plain").send(body), 415, null);
      await refused(
        () => request(t.app).put(`${SCIM}/Users/${userId}`).set(auth).set("content-type", "application/xml").send("<user/>"),
        415,
        null,
      );
      await refused(
        () =>
          request(t.app)
            .patch(`${SCIM}/Groups/${groupId}`)
            .set(auth)
            .set("content-type", "application/x-www-form-urlencoded")
            .send("op=remove"),
        415,
        null,
      );
    });

    it("plain application/json is accepted (docs/architecture.md), so the 415 is about the type and not the header's presence", async () => {
      const res = await request(t.app)
        .get(`${SCIM}/Users/${userId}`)
        .set({ authorization: `Bearer ${scim.token}` })
        .set("accept", "application/json");
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toMatch(SCIM_JSON);
    });

    for (const filter of [
      "userName eq",
      'userName zz "x"',
      '(userName eq "a"',
      'userName eq "a" and',
      'emails[type eq "work"',
      '"a" eq userName',
      'userName eq "unterminated',
    ]) {
      it(`an invalid filter: 400 invalidFilter (${filter})`, async () => {
        await refused(() => scim.get(`/Users?filter=${encodeURIComponent(filter)}`), 400, "invalidFilter");
        await refused(
          () => scim.get(`/Groups?filter=${encodeURIComponent(filter.replace("userName", "displayName"))}`),
          400,
          "invalidFilter",
        );
      });
    }
    it("an invalid filter in a POST .search: 400 invalidFilter", async () => {
      await refused(
        () => scim.post("/Users/.search", { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter: "userName eq" }),
        400,
        "invalidFilter",
      );
    });
  });

  describe("PATCH messages", () => {
    it("an unknown attribute path on a user: 400 invalidPath", async () => {
      await refused(
        () => scim.patch(`/Users/${userId}`, patchOp({ op: "replace", path: "favoriteColor", value: "blue" })),
        400,
        "invalidPath",
      );
      await refused(
        () => scim.patch(`/Users/${userId}`, patchOp({ op: "add", path: "name.middleInitialz", value: "Q" })),
        400,
        "invalidPath",
      );
      await refused(() => scim.patch(`/Users/${userId}`, patchOp({ op: "remove", path: "shoeSize" })), 400, "invalidPath");
    });

    it("an unknown attribute path on a group: 400 invalidPath", async () => {
      await refused(
        () => scim.patch(`/Groups/${groupId}`, patchOp({ op: "replace", path: "favoriteColor", value: "blue" })),
        400,
        "invalidPath",
      );
      await refused(
        () => scim.patch(`/Groups/${groupId}`, patchOp({ op: "add", path: "members.nickname", value: "x" })),
        400,
        "invalidPath",
      );
      await refused(() => scim.patch(`/Groups/${groupId}`, patchOp({ op: "remove", path: "owners" })), 400, "invalidPath");
      // and in the path-less form, an unknown key
      await refused(
        () => scim.patch(`/Groups/${groupId}`, patchOp({ op: "replace", value: { favoriteColor: "blue" } })),
        400,
        "invalidPath",
      );
    });

    for (const type of ["Users", "Groups"]) {
      const target = () => (type === "Users" ? `/Users/${userId}` : `/Groups/${groupId}`);
      for (const [what, Operations] of [
        ["an object", { op: "replace", path: "displayName", value: "X" }],
        ["a string", "replace displayName"],
        ["null", null],
      ] as const) {
        it(`${type}: Operations that is ${what}: 400 invalidSyntax`, async () => {
          await refused(
            () => scim.patch(target(), { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations }),
            400,
            "invalidSyntax",
          );
        });
      }

      for (const op of ["move", "copy", "test", "", 42]) {
        it(`${type}: an op that is not add/replace/remove (${JSON.stringify(op)}): 400 invalidSyntax`, async () => {
          await refused(() => scim.patch(target(), patchOp({ op, path: "displayName", value: "X" })), 400, "invalidSyntax");
        });
      }

      it(`${type}: an operation without an op: 400 invalidSyntax`, async () => {
        await refused(() => scim.patch(target(), patchOp({ path: "displayName", value: "X" })), 400, "invalidSyntax");
      });
    }

    it("a PATCH body without the PatchOp schema: 400 invalidSyntax", async () => {
      const body = { Operations: [{ op: "replace", path: "displayName", value: "X" }] };
      await refused(() => scim.patch(`/Users/${userId}`, body), 400, "invalidSyntax");
      await refused(() => scim.patch(`/Groups/${groupId}`, body), 400, "invalidSyntax");
    });
  });

  describe("values", () => {
    it("active of the wrong type: 400 invalidValue (POST, PUT and PATCH)", async () => {
      await refused(() => scim.post("/Users", user("wrongtype@example.com", { active: "maybe" })), 400, "invalidValue");
      await refused(() => scim.post("/Users", user("wrongtype2@example.com", { active: 1 })), 400, "invalidValue");
      await refused(() => scim.put(`/Users/${userId}`, user("existing.user@example.com", { active: { yes: true } })), 400, "invalidValue");
      await refused(() => scim.patch(`/Users/${userId}`, patchOp({ op: "replace", path: "active", value: "maybe" })), 400, "invalidValue");
    });

    it("a non-canonical phone type: 400 invalidValue", async () => {
      const res = await refused(
        () => scim.post("/Users", user("phone@example.com", { phoneNumbers: [{ value: "+1 555 0100", type: "cellular" }] })),
        400,
        "invalidValue",
      );
      expect(res.body.detail).toMatch(/cellular|type/);
      await refused(
        () =>
          scim.patch(`/Users/${userId}`, patchOp({ op: "add", path: "phoneNumbers", value: [{ value: "+1 555 0101", type: "work5" }] })),
        400,
        "invalidValue",
      );
    });

    it("proficiency 7 in the Genesys extension's routingSkills: 400 invalidValue", async () => {
      const ext = { [GENESYS]: { routingSkills: [{ name: "Billing", proficiency: 7 }] } };
      const res = await refused(
        () => scim.post("/Users", { ...user("skills@example.com"), schemas: [USER_SCHEMA, GENESYS], ...ext }),
        400,
        "invalidValue",
      );
      // refused for its range (0..5), not for being a whole number
      expect(res.body.detail).toMatch(/proficiency must be 0\.\.5/);
      await refused(
        () => scim.put(`/Users/${userId}`, { ...user("existing.user@example.com"), schemas: [USER_SCHEMA, GENESYS], ...ext }),
        400,
        "invalidValue",
      );
      await refused(
        () =>
          scim.patch(
            `/Users/${userId}`,
            patchOp({ op: "add", path: `${GENESYS}:routingSkills`, value: [{ name: "Billing", proficiency: 7 }] }),
          ),
        400,
        "invalidValue",
      );
      await refused(
        () =>
          scim.post("/Users", {
            ...user("languages@example.com"),
            schemas: [USER_SCHEMA, GENESYS],
            [GENESYS]: { routingLanguages: [{ name: "French", proficiency: -1 }] },
          }),
        400,
        "invalidValue",
      );
    });

    it("a fractional proficiency out of range (5.5): 400 invalidValue naming the range", async () => {
      const ext = { [GENESYS]: { routingSkills: [{ name: "Billing", proficiency: 5.5 }] } };
      const res = await refused(
        () => scim.post("/Users", { ...user("skills.frac@example.com"), schemas: [USER_SCHEMA, GENESYS], ...ext }),
        400,
        "invalidValue",
      );
      expect(res.body.detail).toMatch(/proficiency must be 0\.\.5/);
    });

    it("proficiency 0..5 is accepted, whole (Genesys's usual 0..5 stars) or fractional, so the 400 is about the range", async () => {
      const frac = await scim.post("/Users", {
        ...user("skills.half@example.com"),
        schemas: [USER_SCHEMA, GENESYS],
        [GENESYS]: { routingSkills: [{ name: "Billing", proficiency: 2.5 }] },
      });
      expect(frac.status).toBe(201);
      expect(frac.body[GENESYS].routingSkills).toEqual([{ name: "Billing", proficiency: 2.5 }]);
      const skills = [0, 1, 5].map((proficiency, i) => ({ name: `Skill ${i}`, proficiency }));
      const res = await scim.post("/Users", {
        ...user("skills.ok@example.com"),
        schemas: [USER_SCHEMA, GENESYS],
        [GENESYS]: { routingSkills: skills },
      });
      expect({ status: res.status, detail: res.body.detail }).toEqual({ status: 201, detail: undefined });
      expect((await scim.get(`/Users/${res.body.id}`)).body[GENESYS].routingSkills).toEqual(skills);
    });

    it("a missing userName: 400 (POST and PUT)", async () => {
      const { userName: _u, ...noName } = user("x@example.com");
      const post = await refused(() => scim.post("/Users", noName), 400, "invalidValue");
      expect(post.body.detail).toMatch(/userName/);
      await refused(() => scim.post("/Users", user("   ")), 400, "invalidValue");
      await refused(() => scim.put(`/Users/${userId}`, noName), 400, "invalidValue");
    });

    it("a missing displayName on a user and on a group: 400", async () => {
      const { displayName: _d, ...noDisplay } = user("nodisplay@example.com");
      const u = await refused(() => scim.post("/Users", noDisplay), 400, "invalidValue");
      expect(u.body.detail).toMatch(/displayName/);
      const g = await refused(() => scim.post("/Groups", { schemas: [GROUP_SCHEMA], members: [] }), 400, "invalidValue");
      expect(g.body.detail).toMatch(/displayName/);
      await refused(() => scim.post("/Groups", group("  ")), 400, "invalidValue");
      await refused(() => scim.put(`/Groups/${groupId}`, { schemas: [GROUP_SCHEMA] }), 400, "invalidValue");
      await refused(() => scim.patch(`/Groups/${groupId}`, patchOp({ op: "remove", path: "displayName" })), 400, "mutability");
    });

    it("an unknown division name in the enterprise extension: 400 invalidValue", async () => {
      const ext = { schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { division: "Atlantis" } };
      const res = await refused(() => scim.post("/Users", { ...user("atlantis@example.com"), ...ext }), 400, "invalidValue");
      expect(res.body.detail).toMatch(/Atlantis/);
      await refused(() => scim.put(`/Users/${userId}`, { ...user("existing.user@example.com"), ...ext }), 400, "invalidValue");
      await refused(
        () => scim.patch(`/Users/${userId}`, patchOp({ op: "replace", path: `${ENTERPRISE}:division`, value: "Atlantis" })),
        400,
        "invalidValue",
      );
    });

    it("the Genesys phone types work2, work3, work4 and microsoftteams are accepted", async () => {
      const phones = ["work2", "work3", "work4", "microsoftteams"].map((type, i) => ({ value: `+1 555 010${i}`, type }));
      const res = await scim.post("/Users", user("phones@example.com", { phoneNumbers: phones }));
      expect(res.status).toBe(201);
      const got = await scim.get(`/Users/${res.body.id}`);
      expect(got.status).toBe(200);
      expect(got.body.phoneNumbers.map((p: { type: string }) => p.type)).toEqual(["work2", "work3", "work4", "microsoftteams"]);
      const patched = await scim.patch(
        `/Users/${userId}`,
        patchOp({ op: "add", path: "phoneNumbers", value: [{ value: "+1 555 0199", type: "microsoftteams" }] }),
      );
      expect(patched.status).toBe(204);
      expect((await scim.get(`/Users/${userId}`)).body.phoneNumbers).toEqual([{ value: "+1 555 0199", type: "microsoftteams" }]);
    });
  });

  describe("uniqueness", () => {
    it("a userName differing only in case: 409 uniqueness (POST, PUT, PATCH)", async () => {
      const res = await refused(() => scim.post("/Users", user("EXISTING.User@Example.COM")), 409, "uniqueness");
      expect(res.body.detail).toMatch(/userName/);
      const other = await scim.post("/Users", user("other.user@example.com"));
      expect(other.status).toBe(201);
      await refused(() => scim.put(`/Users/${other.body.id}`, user("Existing.User@example.com")), 409, "uniqueness");
      await refused(
        () => scim.patch(`/Users/${other.body.id}`, patchOp({ op: "replace", path: "userName", value: "existing.USER@example.com" })),
        409,
        "uniqueness",
      );
    });

    it("a duplicate group displayName: 409 uniqueness (POST, PUT, PATCH; also in another case)", async () => {
      await refused(() => scim.post("/Groups", group("Existing Group")), 409, "uniqueness");
      await refused(() => scim.post("/Groups", group("existing GROUP")), 409, "uniqueness");
      const other = await scim.post("/Groups", group("Other Group"));
      expect(other.status).toBe(201);
      await refused(() => scim.put(`/Groups/${other.body.id}`, group("Existing Group")), 409, "uniqueness");
      await refused(
        () => scim.patch(`/Groups/${other.body.id}`, patchOp({ op: "replace", path: "displayName", value: "EXISTING group" })),
        409,
        "uniqueness",
      );
    });
  });

  describe("unknown resources: 404", () => {
    for (const type of ["Users", "Groups"]) {
      const body = () => (type === "Users" ? user("ghost@example.com") : group("Ghost"));
      it(`${type}: GET, PUT, PATCH and DELETE of an unknown id`, async () => {
        const id = "00000000-0000-4000-8000-000000000000";
        for (const send of [
          () => scim.get(`/${type}/${id}`),
          () => scim.put(`/${type}/${id}`, body()),
          () => scim.patch(`/${type}/${id}`, patchOp({ op: "replace", path: "displayName", value: "Ghost" })),
          () => scim.delete(`/${type}/${id}`),
        ]) {
          const res = await refused(send, 404, null);
          expect(res.body.detail).toMatch(id);
        }
      });
    }
  });

  describe("authentication and rights", () => {
    it("no token: 401 with WWW-Authenticate: Bearer", async () => {
      for (const send of [
        () => request(t.app).get(`${SCIM}/Users`),
        () => request(t.app).get(`${SCIM}/Users/${userId}`),
        () =>
          request(t.app)
            .post(`${SCIM}/Users`)
            .set("content-type", "application/scim+json")
            .send(JSON.stringify(user("anon@example.com"))),
        () => request(t.app).delete(`${SCIM}/Groups/${groupId}`),
      ]) {
        const res = await refused(send, 401, null);
        expect(res.headers["www-authenticate"]).toMatch(/^Bearer\b/);
      }
    });

    it("a bad token: 401 with WWW-Authenticate: Bearer error=invalid_token", async () => {
      for (const authorization of ["Bearer not-a-token-this-bridge-issued", `Bearer ${scim.token}x`]) {
        const res = await refused(() => request(t.app).delete(`${SCIM}/Users/${userId}`).set({ authorization }), 401, null);
        expect(res.headers["www-authenticate"]).toMatch(/^Bearer\b.*error="invalid_token"/);
      }
      const basic = await refused(() => request(t.app).get(`${SCIM}/Users`).set({ authorization: "Basic dXNlcjpwYXNz" }), 401, null);
      expect(basic.headers["www-authenticate"]).toMatch(/^Bearer\b/);
    });

    it("a valid token of a client without SCIM rights (Bridge Admin only): 403", async () => {
      const adminOnly = await createClient(ts.store, system, new Date(), {
        name: "admin only",
        roleDivisions: [{ roleId: (await builtinRoleId(ts.store, "bridge-admin"))!, divisionId: "*" }],
      });
      const auth = { authorization: `Bearer ${await tokenFor(t.app, adminOnly)}` };
      const json = (r: request.Test) => r.set(auth).set("content-type", "application/scim+json");
      for (const send of [
        () => request(t.app).get(`${SCIM}/Users/${userId}`).set(auth),
        () => json(request(t.app).post(`${SCIM}/Users`)).send(JSON.stringify(user("admin.made@example.com"))),
        () =>
          json(request(t.app).put(`${SCIM}/Users/${userId}`)).send(
            JSON.stringify(user("existing.user@example.com", { displayName: "Changed" })),
          ),
        () =>
          json(request(t.app).patch(`${SCIM}/Users/${userId}`)).send(
            JSON.stringify(patchOp({ op: "replace", path: "displayName", value: "Changed" })),
          ),
        () => request(t.app).delete(`${SCIM}/Users/${userId}`).set(auth),
        () => request(t.app).get(`${SCIM}/Groups/${groupId}`).set(auth),
        () => request(t.app).get(`${SCIM}/Groups`).set(auth),
        () => json(request(t.app).post(`${SCIM}/Groups`)).send(JSON.stringify(group("Admin Made"))),
        () =>
          json(request(t.app).patch(`${SCIM}/Groups/${groupId}`)).send(
            JSON.stringify(patchOp({ op: "replace", path: "displayName", value: "Changed" })),
          ),
        () => request(t.app).delete(`${SCIM}/Groups/${groupId}`).set(auth),
      ]) {
        await refused(send, 403, null);
      }
    });

    it("a client without SCIM rights listing users: 403, not an empty list", async () => {
      const adminOnly = await createClient(ts.store, system, new Date(), {
        name: "admin only 2",
        roleDivisions: [{ roleId: (await builtinRoleId(ts.store, "bridge-admin"))!, divisionId: "*" }],
      });
      const auth = { authorization: `Bearer ${await tokenFor(t.app, adminOnly)}` };
      await refused(() => request(t.app).get(`${SCIM}/Users`).set(auth), 403, null);
      await refused(
        () =>
          request(t.app)
            .get(`${SCIM}/Users?filter=${encodeURIComponent('userName eq "existing.user@example.com"')}`)
            .set(auth),
        403,
        null,
      );
    });
  });

  describe("versions: If-Match", () => {
    it("users: a stale If-Match on PUT, PATCH and DELETE is 412; the current one succeeds; the PATCH answers 204; the ETag changes after each write", async () => {
      const created = await scim.post("/Users", user("versioned@example.com"));
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      const etags = [created.headers.etag];
      expect(created.body.meta.version).toBe(created.headers.etag);

      const current = async () => {
        const res = await scim.get(`/Users/${id}`);
        expect(res.status).toBe(200);
        expect(res.headers.etag).toBe(res.body.meta.version);
        return res.headers.etag as string;
      };
      expect(await current()).toBe(etags[0]);

      // PUT: stale refused, current accepted
      const stale = etags[0]!;
      const put = await scim.put(`/Users/${id}`, user("versioned@example.com", { displayName: "Put Once" })).set("if-match", stale);
      expect(put.status).toBe(200);
      expect(put.headers.etag).toBe(put.body.meta.version);
      etags.push(put.headers.etag);
      expect(await current()).toBe(etags[1]);
      await refused(
        () => scim.put(`/Users/${id}`, user("versioned@example.com", { displayName: "Stale" })).set("if-match", stale),
        412,
        null,
      );

      // PATCH
      await refused(
        () => scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: "displayName", value: "Stale" })).set("if-match", stale),
        412,
        null,
      );
      const patch = await scim
        .patch(`/Users/${id}`, patchOp({ op: "replace", path: "displayName", value: "Patched" }))
        .set("if-match", etags[1]!);
      expect(patch.status).toBe(204);
      expect(patch.text).toBe("");
      etags.push(await current());
      expect((await scim.get(`/Users/${id}`)).body.displayName).toBe("Patched");
      await refused(
        () => scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: "displayName", value: "Stale" })).set("if-match", etags[1]!),
        412,
        null,
      );

      // a PATCH without If-Match is a write too
      const patch2 = await scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: "active", value: false }));
      expect(patch2.status).toBe(204);
      etags.push(await current());
      expect(new Set(etags).size).toBe(etags.length);

      // DELETE
      await refused(() => scim.delete(`/Users/${id}`).set("if-match", etags[2]!), 412, null);
      const del = await scim.delete(`/Users/${id}`).set("if-match", etags[3]!);
      expect(del.status).toBe(204);
      expect((await scim.get(`/Users/${id}`)).status).toBe(404);
    });

    it("groups: a stale If-Match on PUT, PATCH and DELETE is 412; the current one succeeds; the ETag changes after each write", async () => {
      const created = await scim.post("/Groups", group("Versioned Group"));
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      const current = async () => {
        const res = await scim.get(`/Groups/${id}`);
        expect(res.status).toBe(200);
        expect(res.headers.etag).toBe(res.body.meta.version);
        return res.headers.etag as string;
      };
      const v1 = created.headers.etag as string;
      expect(v1).toBe(created.body.meta.version);
      expect(await current()).toBe(v1);

      const put = await scim.put(`/Groups/${id}`, group("Versioned Group", { members: [{ value: userId }] })).set("if-match", v1);
      expect(put.status).toBe(200);
      const v2 = put.headers.etag as string;
      expect(v2).not.toBe(v1);
      expect(await current()).toBe(v2);
      await refused(() => scim.put(`/Groups/${id}`, group("Stale")).set("if-match", v1), 412, null);

      await refused(
        () => scim.patch(`/Groups/${id}`, patchOp({ op: "replace", path: "displayName", value: "Stale" })).set("if-match", v1),
        412,
        null,
      );
      const patch = await scim
        .patch(`/Groups/${id}`, patchOp({ op: "replace", path: "displayName", value: "Versioned Group 2" }))
        .set("if-match", v2);
      expect(patch.status).toBe(204);
      const v3 = await current();
      expect([v1, v2]).not.toContain(v3);

      await refused(() => scim.delete(`/Groups/${id}`).set("if-match", v2), 412, null);
      const del = await scim.delete(`/Groups/${id}`).set("if-match", v3);
      expect(del.status).toBe(204);
      expect((await scim.get(`/Groups/${id}`)).status).toBe(404);
    });
  });
});
