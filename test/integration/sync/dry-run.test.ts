import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import request from "supertest";
import { openTestStore, type TestStore } from "../../helpers/store.js";
import { bootstrapAdmin, buildTestApp, tokenFor, type TestApp } from "../../helpers/app.js";
import { ENTERPRISE, GROUP_SCHEMA, patchOp, scimAgent, USER_SCHEMA } from "../../helpers/scim.js";
import { allSynced, dropPrefix, startTestSync, waitUntil } from "../../helpers/sync.js";
import { DryRunTarget } from "../../../src/sync/targets/dry-run-target.js";
import type { SyncRuntime } from "../../../src/sync/runtime.js";

/** The default target end to end: SCIM write → outbox → BullMQ → worker → the plan of Platform API calls. */
describe("sync pipeline on the dry-run target", () => {
  let ts: TestStore;
  let t: TestApp;
  let sync: SyncRuntime & { prefix: string };
  let scim: Awaited<ReturnType<typeof scimAgent>>;
  let admin: { authorization: string };

  beforeAll(async () => {
    ts = await openTestStore();
    sync = await startTestSync(ts.store, new DryRunTarget(ts.store));
    t = buildTestApp(ts.store);
    t.deps.queues = sync.queues;
    t.app = (await import("../../../src/app.js")).buildApp(t.deps);
    scim = await scimAgent(t.app, ts.store);
    admin = { authorization: `Bearer ${await tokenFor(t.app, await bootstrapAdmin(ts.store))}` };
  });
  afterAll(async () => {
    await sync.stop();
    await dropPrefix(sync.prefix);
    await ts.close();
  });

  const plan = async (id: string) =>
    (await request(t.app).get("/admin/v1/sync/plan").query({ resourceId: id }).set(admin)).body.entries as Array<{
      method: string;
      path: string;
      body: Record<string, unknown>;
    }>;

  it("plans exactly the Platform API calls for a user's life: create, update, deactivate, delete", async () => {
    await request(t.app).post("/admin/v1/divisions").set(admin).send({ name: "Sales" });
    const created = await scim.post("/Users", {
      schemas: [USER_SCHEMA, ENTERPRISE],
      userName: "dana@example.com",
      displayName: "Dana Scully",
      title: "Agent",
      phoneNumbers: [
        { value: "+15550001", type: "work" },
        { value: "+15550002", type: "mobile" },
      ],
      [ENTERPRISE]: { department: "X-Files", division: "Sales", employeeNumber: "E7" },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await waitUntil(() => allSynced(ts.store), "the user to sync");
    const state = (await request(t.app).get(`/admin/v1/sync/users/${id}`).set(admin)).body;
    expect(state).toMatchObject({ id, state: "synced", desiredVersion: 1, syncedVersion: 1, lastError: null });
    const divisions = (await request(t.app).get("/admin/v1/divisions").set(admin)).body.entities as Array<{ id: string; name: string }>;
    const sales = divisions.find((d) => d.name === "Sales")!.id;
    let calls = await plan(id);
    expect(calls[0]).toMatchObject({
      method: "POST",
      path: "/api/v2/users",
      body: { name: "Dana Scully", email: "dana@example.com", divisionId: sales, title: "Agent", department: "X-Files" },
    });
    expect((calls[0]!.body.addresses as unknown[]).length).toBe(2);
    // employeeNumber is not taken on create: a PATCH with the version the create returned follows
    expect(calls[1]).toMatchObject({
      method: "PATCH",
      path: `/api/v2/users/${state.targetId}`,
      body: { version: 1, employerInfo: { employeeId: "E7" } },
    });
    expect(calls).toHaveLength(2);

    await scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: "title", value: "Senior Agent" }));
    await scim.patch(`/Users/${id}`, patchOp({ op: "replace", value: { active: false } }));
    await waitUntil(() => allSynced(ts.store), "the changes to sync");
    calls = await plan(id);
    const later = calls.slice(2);
    expect(later).toContainEqual(expect.objectContaining({ method: "PATCH", body: expect.objectContaining({ title: "Senior Agent" }) }));
    // state goes in a PATCH of its own
    expect(later).toContainEqual({
      method: "PATCH",
      path: `/api/v2/users/${state.targetId}`,
      body: { state: "inactive", version: expect.any(Number) },
      at: expect.any(String),
      resourceId: id,
      resourceType: "User",
    });

    expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    await waitUntil(() => allSynced(ts.store), "the deletion to sync");
    expect((await plan(id)).at(-1)).toMatchObject({ method: "DELETE", path: `/api/v2/users/${state.targetId}` });
  });

  it("serves the queue dashboard at /admin/queues behind admin authentication", async () => {
    expect((await request(t.app).get("/admin/queues")).status).toBe(401);
    expect(
      (
        await request(t.app)
          .get("/admin/queues")
          .set({ authorization: `Bearer ${scim.token}` })
      ).status,
    ).toBe(403);
    const page = await request(t.app).get("/admin/queues").set(admin);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<html/i);
    const api = await request(t.app).get("/admin/queues/api/queues").set(admin);
    expect(api.status).toBe(200);
    expect(JSON.stringify(api.body)).toContain("sync-user");
  });

  it("plans a group by name and its members, after the members exist downstream", async () => {
    const a = (await scim.post("/Users", { schemas: [USER_SCHEMA], userName: "g1@example.com", displayName: "G One" })).body.id as string;
    const b = (await scim.post("/Users", { schemas: [USER_SCHEMA], userName: "g2@example.com", displayName: "G Two" })).body.id as string;
    const g = await scim.post("/Groups", { schemas: [GROUP_SCHEMA], displayName: "Night shift", members: [{ value: a }, { value: b }] });
    expect(g.status).toBe(201);
    await waitUntil(() => allSynced(ts.store), "the group to sync");
    const calls = await plan(g.body.id);
    expect(calls[0]).toMatchObject({ method: "POST", path: "/api/v2/groups", body: { name: "Night shift", type: "official" } });
    const added = calls.filter((c) => c.method === "POST" && c.path.endsWith("/members")).flatMap((c) => c.body.memberIds as string[]);
    const ta = (await request(t.app).get(`/admin/v1/sync/users/${a}`).set(admin)).body.targetId;
    const tb = (await request(t.app).get(`/admin/v1/sync/users/${b}`).set(admin)).body.targetId;
    expect(added.sort()).toEqual([ta, tb].sort());
    await scim.patch(`/Groups/${g.body.id}`, patchOp({ op: "remove", path: `members[value eq "${a}"]` }));
    await waitUntil(() => allSynced(ts.store), "the member removal to sync");
    expect((await plan(g.body.id)).at(-1)).toMatchObject({
      method: "DELETE",
      path: `/api/v2/groups/${calls[0] && (await request(t.app).get(`/admin/v1/sync/groups/${g.body.id}`).set(admin)).body.targetId}/members?ids=${ta}`,
    });
    const status = (await request(t.app).get("/admin/v1/sync/status").set(admin)).body;
    expect(status).toEqual({
      users: { synced: 2, pending: 0, failed: 0 },
      groups: { synced: 1, pending: 0, failed: 0 },
      oldestPendingSeconds: null,
    });
  });
});
