import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { openTestStore, type TestStore } from "../../helpers/store.js";
import { buildTestApp } from "../../helpers/app.js";
import { GROUP_SCHEMA, USER_SCHEMA, patchOp, scimAgent } from "../../helpers/scim.js";

/**
 * A user's `groups` is kept on the user's row by the store (migrations/009_user_groups.sql) so that a
 * GET is one read; every way a membership or a group's name changes must show on the user at once,
 * without moving the user's version.
 */
describe("a user's groups, kept with the user", () => {
  let t: TestStore;
  let s: Awaited<ReturnType<typeof scimAgent>>;
  let ann: string;
  beforeAll(async () => {
    t = await openTestStore();
    s = await scimAgent(buildTestApp(t.store).app, t.store);
    const r = await s.post("/Users", { schemas: [USER_SCHEMA], userName: "ann@example.com", displayName: "Ann" });
    ann = r.body.id as string;
  });
  afterAll(() => t?.close());

  const groupsOfAnn = async () => {
    const r = await s.get(`/Users/${ann}`);
    expect(r.status).toBe(200);
    expect(r.headers.etag).toBe('W/"1"');
    return (r.body.groups as Array<{ value: string; display: string }>).map((g) => `${g.display}:${g.value}`);
  };

  it("follows POST, PATCH add and remove, PUT, rename and DELETE of groups, and SQL by hand", async () => {
    expect(await groupsOfAnn()).toEqual([]);
    const night = (await s.post("/Groups", { schemas: [GROUP_SCHEMA], displayName: "Night", members: [{ value: ann }] })).body.id as string;
    expect(await groupsOfAnn()).toEqual([`Night:${night}`]);
    const day = (await s.post("/Groups", { schemas: [GROUP_SCHEMA], displayName: "day" })).body.id as string;
    expect((await s.patch(`/Groups/${day}`, patchOp({ op: "add", path: "members", value: [{ value: ann }] }))).status).toBe(204);
    // ordered by name, case-insensitively
    expect(await groupsOfAnn()).toEqual([`day:${day}`, `Night:${night}`]);
    expect((await s.patch(`/Groups/${night}`, patchOp({ op: "replace", path: "displayName", value: "Abend" }))).status).toBe(204);
    expect(await groupsOfAnn()).toEqual([`Abend:${night}`, `day:${day}`]);
    expect((await s.put(`/Groups/${day}`, { schemas: [GROUP_SCHEMA], displayName: "Day", members: [] })).status).toBe(200);
    expect(await groupsOfAnn()).toEqual([`Abend:${night}`]);
    expect((await s.patch(`/Groups/${day}`, patchOp({ op: "add", path: "members", value: [{ value: ann }] }))).status).toBe(204);
    expect((await s.patch(`/Groups/${night}`, patchOp({ op: "remove", path: `members[value eq "${ann}"]` }))).status).toBe(204);
    expect(await groupsOfAnn()).toEqual([`Day:${day}`]);
    expect((await s.delete(`/Groups/${day}`)).status).toBe(204);
    expect(await groupsOfAnn()).toEqual([]);
    await t.store.query("insert into scim_group_members(group_id, member_id, member_type) values ($1, $2, 'User')", [night, ann]);
    expect(await groupsOfAnn()).toEqual([`Abend:${night}`]);
    // and a page of users shows the same
    const page = await s.get(`/Users?filter=${encodeURIComponent('userName eq "ann@example.com"')}`);
    expect(page.body.Resources[0].groups).toEqual([
      { value: night, display: "Abend", type: "direct", $ref: expect.stringContaining(`/Groups/${night}`) },
    ]);
  });
});
