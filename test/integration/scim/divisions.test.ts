import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import request from "supertest";
import { openTestStore, type TestStore } from "../../helpers/store.js";
import { bootstrapAdmin, buildTestApp, system, tokenFor, type TestApp } from "../../helpers/app.js";
import { ENTERPRISE, ERROR_SCHEMA, USER_SCHEMA, patchOp, scimAgent } from "../../helpers/scim.js";
import { createDivision, homeDivisionId } from "../../../src/authz/divisions.js";
import type { Store } from "../../../src/store/store.js";

type Agent = Awaited<ReturnType<typeof scimAgent>>;

/** The SCIM tables' full contents, to show that a refused request changed nothing. */
async function snapshot(store: Store): Promise<string> {
  const tables = ["scim_users", "scim_groups", "scim_group_members", "outbox", "scim_counts"];
  const out: Record<string, unknown> = {};
  for (const t of tables) out[t] = await store.query(`select * from ${t} order by 1, 2`);
  return JSON.stringify(out);
}

function user(userName: string, division?: string): Record<string, unknown> {
  const base: Record<string, unknown> = { schemas: [USER_SCHEMA], userName, displayName: `Name of ${userName}`, active: true };
  if (division === undefined) return base;
  return { ...base, schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { division } };
}

describe("SCIM division scoping (docs/architecture.md)", () => {
  let ts: TestStore;
  let t: TestApp;
  let divA: string;
  let divB: string;
  let home: string;
  let onlyA: Agent;
  let all: Agent;
  let userA: string;
  let userB: string;
  let userHome: string;

  const divisionOf = async (id: string) =>
    (await ts.store.query<{ division_id: string }>("select division_id from scim_users where id = $1", [id]))[0]?.division_id;

  type Send = () => PromiseLike<{ status: number; headers: Record<string, string>; body: Record<string, unknown> }>;
  async function refused(status: 403 | 404, send: Send): Promise<void> {
    const before = await snapshot(ts.store);
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.headers["content-type"]).toMatch(/^application\/scim\+json/);
    expect(res.body.schemas).toEqual([ERROR_SCHEMA]);
    expect(res.body.status).toBe(String(status));
    expect(typeof res.body.detail).toBe("string");
    expect(await snapshot(ts.store)).toBe(before);
  }
  /** A visible user the client may not change, or a division it may not write to. */
  const forbidden = (send: Send) => refused(403, send);
  /** A user in a division the client cannot view: absent for it, exactly like an unknown id. */
  const absent = async (send: Send) => {
    await refused(404, send);
    expect((await send()).body.detail).toMatch(/^User [\w-]+ not found$/);
  };

  beforeAll(async () => {
    ts = await openTestStore();
    t = buildTestApp(ts.store);
    // A through the store, B through the admin API: both are how divisions come to exist
    divA = (await createDivision(ts.store, system, new Date(), { name: "A", description: "division A" })).id;
    const admin = await bootstrapAdmin(ts.store);
    const created = await request(t.app)
      .post("/admin/v1/divisions")
      .set({ authorization: `Bearer ${await tokenFor(t.app, admin)}` })
      .send({ name: "B", description: "division B" });
    expect(created.status).toBe(201);
    divB = created.body.id;
    home = await homeDivisionId(ts.store);
    expect(new Set([divA, divB, home]).size).toBe(3);
    onlyA = await scimAgent(t.app, ts.store, [divA]);
    all = await scimAgent(t.app, ts.store);

    const b = await all.post("/Users", user("b.user@example.com", "B"));
    expect(b.status).toBe(201);
    userB = b.body.id;
    const h = await all.post("/Users", user("home.user@example.com"));
    expect(h.status).toBe(201);
    userHome = h.body.id;
  });
  afterAll(() => ts.close());

  it("the A-only client creates a user in A", async () => {
    const res = await onlyA.post("/Users", user("a.user@example.com", "A"));
    expect(res.status).toBe(201);
    expect(res.body[ENTERPRISE].division).toBe("A");
    userA = res.body.id;
    expect(await divisionOf(userA)).toBe(divA);
    const got = await onlyA.get(`/Users/${userA}`);
    expect(got.status).toBe(200);
    expect(got.body.userName).toBe("a.user@example.com");
  });

  it("the A-only client cannot create a user in B, nor in the home division", async () => {
    await forbidden(() => onlyA.post("/Users", user("a.made.in.b@example.com", "B")));
    await forbidden(() => onlyA.post("/Users", user("a.made.in.home@example.com")));
    expect((await ts.store.query("select 1 from scim_users where user_name_lc like 'a.made.%'")).length).toBe(0);
  });

  it("the A-only client cannot see a user of B: GET by id is 404, as for an unknown id", async () => {
    await absent(() => onlyA.get(`/Users/${userB}`));
    await absent(() => onlyA.get("/Users/00000000-0000-4000-8000-000000000000"));
  });

  it("users of B and of the home division are absent from the A-only client's lists and totals", async () => {
    const list = await onlyA.get("/Users");
    expect(list.status).toBe(200);
    expect(list.body.totalResults).toBe(1);
    expect(list.body.Resources.map((r: { id: string }) => r.id)).toEqual([userA]);

    const byName = await onlyA.get(`/Users?filter=${encodeURIComponent('userName eq "b.user@example.com"')}`);
    expect(byName.status).toBe(200);
    expect(byName.body.totalResults).toBe(0);
    expect(byName.body.Resources ?? []).toEqual([]);

    const wide = await onlyA.get(`/Users?filter=${encodeURIComponent('userName co "@example.com"')}&count=0`);
    expect(wide.status).toBe(200);
    expect(wide.body.totalResults).toBe(1);

    const search = await onlyA.post("/Users/.search", {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
      filter: "userName pr",
      startIndex: 1,
      count: 10,
    });
    expect(search.status).toBe(200);
    expect(search.body.totalResults).toBe(1);
    expect(search.body.Resources.map((r: { id: string }) => r.id)).toEqual([userA]);

    const page2 = await onlyA.get("/Users?startIndex=2&count=5");
    expect(page2.body.totalResults).toBe(1);
    expect(page2.body.Resources ?? []).toEqual([]);
  });

  it("the A-only client cannot PATCH, PUT or DELETE a user of B", async () => {
    await absent(() => onlyA.patch(`/Users/${userB}`, patchOp({ op: "replace", path: "displayName", value: "Hijacked" })));
    await absent(() => onlyA.patch(`/Users/${userB}`, patchOp({ op: "replace", path: `${ENTERPRISE}:division`, value: "A" })));
    await absent(() => onlyA.put(`/Users/${userB}`, user("b.user@example.com", "B")));
    await absent(() => onlyA.put(`/Users/${userB}`, user("b.user@example.com", "A")));
    await absent(() => onlyA.delete(`/Users/${userB}`));
    const b = await all.get(`/Users/${userB}`);
    expect(b.status).toBe(200);
    expect(b.body.displayName).toBe("Name of b.user@example.com");
    expect(b.body[ENTERPRISE].division).toBe("B");
    expect(await divisionOf(userB)).toBe(divB);
  });

  it("the A-only client cannot move its user from A to B; the user stays in A", async () => {
    await forbidden(() => onlyA.patch(`/Users/${userA}`, patchOp({ op: "replace", path: `${ENTERPRISE}:division`, value: "B" })));
    await forbidden(() => onlyA.patch(`/Users/${userA}`, patchOp({ op: "replace", path: ENTERPRISE, value: { division: "B" } })));
    await forbidden(() => onlyA.put(`/Users/${userA}`, user("a.user@example.com", "B")));
    // nor out of A into the home division by dropping the division
    await forbidden(() => onlyA.put(`/Users/${userA}`, user("a.user@example.com")));
    await forbidden(() => onlyA.patch(`/Users/${userA}`, patchOp({ op: "remove", path: `${ENTERPRISE}:division` })));
    expect(await divisionOf(userA)).toBe(divA);
    const a = await onlyA.get(`/Users/${userA}`);
    expect(a.status).toBe(200);
    expect(a.body[ENTERPRISE].division).toBe("A");
  });

  it("the A-only client may still change its own user within A", async () => {
    const res = await onlyA.patch(`/Users/${userA}`, patchOp({ op: "replace", path: "displayName", value: "Still in A" }));
    expect(res.status).toBe(204);
    const a = await onlyA.get(`/Users/${userA}`);
    expect(a.body.displayName).toBe("Still in A");
    expect(await divisionOf(userA)).toBe(divA);
  });

  it("a user with no division lands in the home division, which the A-only client cannot see", async () => {
    expect(await divisionOf(userHome)).toBe(home);
    const [h] = await ts.store.query<{ name: string }>("select name from divisions where id = $1", [home]);
    expect(h!.name).toBe("Home");
    await absent(() => onlyA.get(`/Users/${userHome}`));
    await absent(() => onlyA.delete(`/Users/${userHome}`));
    const byName = await onlyA.get(`/Users?filter=${encodeURIComponent('userName eq "home.user@example.com"')}`);
    expect(byName.body.totalResults).toBe(0);
    // the all-divisions client sees it
    const got = await all.get(`/Users/${userHome}`);
    expect(got.status).toBe(200);
  });

  it("the all-divisions client sees everything, in lists and by id", async () => {
    const list = await all.get("/Users");
    expect(list.status).toBe(200);
    expect(list.body.totalResults).toBe(3);
    expect(new Set(list.body.Resources.map((r: { id: string }) => r.id))).toEqual(new Set([userA, userB, userHome]));
    const filtered = await all.get(`/Users?filter=${encodeURIComponent('userName co "@example.com"')}`);
    expect(filtered.body.totalResults).toBe(3);
    for (const id of [userA, userB, userHome]) expect((await all.get(`/Users/${id}`)).status).toBe(200);
  });

  it("the all-divisions client moves a user from B to A, after which the A-only client sees it", async () => {
    const moved = await all.patch(`/Users/${userB}`, patchOp({ op: "replace", path: `${ENTERPRISE}:division`, value: "A" }));
    expect(moved.status).toBe(204);
    expect(await divisionOf(userB)).toBe(divA);
    const got = await onlyA.get(`/Users/${userB}`);
    expect(got.status).toBe(200);
    expect(got.body[ENTERPRISE].division).toBe("A");
    const list = await onlyA.get("/Users");
    expect(list.body.totalResults).toBe(2);
    // and back: the A-only client still may not move it to B
    await forbidden(() => onlyA.patch(`/Users/${userB}`, patchOp({ op: "replace", path: `${ENTERPRISE}:division`, value: "B" })));
    const back = await all.patch(`/Users/${userB}`, patchOp({ op: "replace", path: `${ENTERPRISE}:division`, value: "B" }));
    expect(back.status).toBe(204);
    expect(await divisionOf(userB)).toBe(divB);
    await absent(() => onlyA.get(`/Users/${userB}`));
  });

  it("a client granted in A and B sees both, and may move users between them", async () => {
    const ab = await scimAgent(t.app, ts.store, [divA, divB]);
    const list = await ab.get("/Users");
    expect(list.body.totalResults).toBe(2);
    expect(new Set(list.body.Resources.map((r: { id: string }) => r.id))).toEqual(new Set([userA, userB]));
    const moved = await ab.patch(`/Users/${userA}`, patchOp({ op: "replace", path: `${ENTERPRISE}:division`, value: "B" }));
    expect(moved.status).toBe(204);
    expect(await divisionOf(userA)).toBe(divB);
    await absent(() => onlyA.get(`/Users/${userA}`));
    expect((await onlyA.get("/Users")).body.totalResults).toBe(0);
  });
});
