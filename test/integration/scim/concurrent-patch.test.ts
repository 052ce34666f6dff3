import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { openTestStore, type TestStore } from "../../helpers/store.js";
import { buildTestApp, type TestApp } from "../../helpers/app.js";
import { ENTERPRISE, patchOp, scimAgent, USER_SCHEMA } from "../../helpers/scim.js";

/** SCIMMY patches a user by read, apply, write: concurrent PATCHes must not overwrite each other. */
describe("concurrent PATCHes of one user", () => {
  let ts: TestStore;
  let t: TestApp;
  let a: Awaited<ReturnType<typeof scimAgent>>;
  beforeAll(async () => {
    ts = await openTestStore();
    t = buildTestApp(ts.store);
    a = await scimAgent(t.app, ts.store);
  });
  afterAll(() => ts.close());

  it("applies every one of 8 simultaneous PATCHes to different attributes", async () => {
    const created = await a.post("/Users", { schemas: [USER_SCHEMA], userName: "race@example.com", displayName: "Race" });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const changes: Array<[string, string]> = [
      ["title", "Engineer"],
      ["nickName", "Racer"],
      ["locale", "en-GB"],
      ["preferredLanguage", "en"],
      ["timezone", "Europe/London"],
      ["userType", "Employee"],
      [`${ENTERPRISE}:department`, "R&D"],
      [`${ENTERPRISE}:costCenter`, "42"],
    ];
    const results = await Promise.all(changes.map(([path, value]) => a.patch(`/Users/${id}`, patchOp({ op: "replace", path, value }))));
    expect(results.map((r) => r.status)).toEqual(changes.map(() => 204));
    const user = (await a.get(`/Users/${id}`)).body;
    expect(user).toMatchObject({
      title: "Engineer",
      nickName: "Racer",
      locale: "en-GB",
      preferredLanguage: "en",
      timezone: "Europe/London",
      userType: "Employee",
    });
    expect(user[ENTERPRISE]).toMatchObject({ department: "R&D", costCenter: "42" });
    expect(user.meta.version).toBe('W/"9"');
    const outbox = await ts.store.query<{ version: number }>("select version from outbox where resource_id = $1 order by id", [id]);
    expect(outbox.map((o) => o.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
