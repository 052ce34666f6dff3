import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import request from "supertest";
import { openTestStore, type TestStore } from "../../helpers/store.js";
import { bootstrapAdmin, buildTestApp, LogCapture, system, tokenFor, type TestApp } from "../../helpers/app.js";
import { dropPrefix, REDIS_URL } from "../../helpers/sync.js";
import type { Store } from "../../../src/store/store.js";
import { createQueues, type SyncQueues } from "../../../src/sync/queues.js";
import { redisConnection } from "../../../src/sync/runtime.js";
import { sweep } from "../../../src/sync/sweep.js";
import { listSyncStates, resourceSyncState, syncStatus } from "../../../src/sync/sync-status.js";
import { resyncAll, retrySync } from "../../../src/sync/sync-operations.js";
import { recordedTarget, resyncIfTargetChanged, targetIdentity } from "../../../src/sync/target-change.js";
import { loadConfig } from "../../../src/config/config.js";
import { createLogger } from "../../../src/log/logger.js";
import { createClient } from "../../../src/oauth/client-registry.js";
import { builtinRoleId } from "../../../src/authz/roles.js";
import { ALL_DIVISIONS } from "../../../src/authz/permissions.js";

const NOW = new Date("2026-01-01T00:00:00Z");
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000);

async function clear(store: Store): Promise<void> {
  await store.query("delete from scim_group_members");
  await store.query("delete from scim_users");
  await store.query("delete from scim_groups");
  await store.query("delete from sync_state");
  await store.query("delete from outbox");
  await store.query("delete from dry_run_directory");
  await store.query("update sync_target set identity = null, recorded_at = null");
}

async function addUser(store: Store, id: string, version = 1): Promise<void> {
  const [home] = await store.query<{ id: string }>("select id from divisions where home");
  await store.query(
    `insert into scim_users(id, user_name, user_name_lc, division_id, version, resource, created_at, last_modified)
     values ($1, $2, lower($2), $3, $4, '{}'::jsonb, $5, $5)`,
    [id, `${id}@example.com`, home!.id, version, NOW],
  );
}

async function addGroup(store: Store, id: string, version = 1): Promise<void> {
  await store.query(
    `insert into scim_groups(id, display_name, display_name_lc, version, resource, created_at, last_modified)
     values ($1, $1, lower($1), $2, '{}'::jsonb, $3, $3)`,
    [id, version, NOW],
  );
}

interface StateRow {
  type?: "User" | "Group";
  id: string;
  state: "pending" | "synced" | "failed";
  syncedVersion?: number;
  targetId?: string | null;
  deleted?: boolean;
  lastError?: string | null;
  pendingSince?: Date | null;
  applied?: unknown;
}

async function setState(store: Store, r: StateRow): Promise<void> {
  await store.query(
    `insert into sync_state(resource_type, resource_id, synced_version, target_id, state, last_error, last_synced_at, pending_since, deleted, applied)
     values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10::jsonb)`,
    [
      r.type ?? "User",
      r.id,
      r.syncedVersion ?? 0,
      r.targetId ?? null,
      r.state,
      r.lastError ?? null,
      r.state === "synced" ? ago(3600) : null,
      r.pendingSince ?? null,
      r.deleted ?? false,
      r.applied === undefined ? null : JSON.stringify(r.applied),
    ],
  );
}

/** Every kind of resource the status must place: live ones, and deletions in each of their states. */
async function scenario(store: Store): Promise<void> {
  await clear(store);
  await addUser(store, "u-synced", 2);
  await setState(store, { id: "u-synced", state: "synced", syncedVersion: 2, targetId: "t-synced", applied: { v: 1 } });
  await addUser(store, "u-never");
  await addUser(store, "u-failed");
  await setState(store, { id: "u-failed", state: "failed", targetId: "t-failed", lastError: "400 bad title", pendingSince: ago(7200) });
  // applied, but waiting for its manager: the sweep queues it again
  await addUser(store, "u-awaiting");
  await setState(store, { id: "u-awaiting", state: "pending", syncedVersion: 1, targetId: "t-awaiting", pendingSince: ago(30) });
  // a deletion that failed for good: counted failed, not pending for ever
  await setState(store, {
    id: "d-failed",
    state: "failed",
    targetId: "t-d-failed",
    lastError: "403 not allowed",
    pendingSince: ago(86_400),
  });
  await setState(store, { id: "d-pending", state: "pending", targetId: "t-d-pending", pendingSince: ago(60) });
  await setState(store, { id: "d-done", state: "synced", syncedVersion: 3, targetId: "t-d-done", deleted: true });
  // deleted before it ever reached the target: nothing to do there
  await setState(store, { id: "d-nothing", state: "pending", pendingSince: ago(10) });
  await addGroup(store, "g-synced");
  await setState(store, { type: "Group", id: "g-synced", state: "synced", syncedVersion: 1, targetId: "t-g" });
  await addGroup(store, "g-never");
}

/** What the sweep would queue, captured instead of sent. */
async function swept(store: Store): Promise<string[]> {
  const queued: string[] = [];
  const queue = {
    add: async (_n: string, d: { type: string; id: string }) => void queued.push(`${d.type}:${d.id}`),
    addBulk: async (jobs: Array<{ data: { type: string; id: string } }>) =>
      void queued.push(...jobs.map((j) => `${j.data.type}:${j.data.id}`)),
    // nothing is queued yet: the sweep queues everything it finds
    getDeduplicationJobId: async () => null,
  };
  await sweep(store, { debounceMs: 0, user: queue, group: queue } as unknown as SyncQueues);
  return queued.sort();
}

async function listed(store: Store, state: "synced" | "pending" | "failed"): Promise<string[]> {
  const ids: string[] = [];
  for (const type of ["User", "Group"] as const)
    ids.push(...(await listSyncStates(store, type, state, { limit: 500, offset: 0 })).entities.map((e) => `${type}:${e.id}`));
  return ids.sort();
}

describe("sync operations on a real store", () => {
  let ts: TestStore;
  let queues: SyncQueues;
  const prefix = `so${process.pid}${Date.now() % 100000}`;

  beforeAll(async () => {
    ts = await openTestStore();
    queues = createQueues(redisConnection(REDIS_URL, false), prefix, 0);
  });
  afterAll(async () => {
    await queues.close();
    await dropPrefix(prefix);
    await ts.close();
  });
  beforeEach(() => scenario(ts.store));

  const queued = async () =>
    [
      ...(await queues.user.getJobs(["waiting", "delayed", "prioritized"])),
      ...(await queues.group.getJobs(["waiting", "delayed", "prioritized"])),
    ]
      .map((j) => `${j.data.type}:${j.data.id}`)
      .sort();
  const op = () => ({ store: ts.store, queues, actor: "test", now: NOW });

  it("counts every resource once, deletions included, as the sweep sees it", async () => {
    const status = await syncStatus(ts.store, NOW);
    expect(status).toEqual({
      users: { synced: 1, pending: 3, failed: 2 },
      groups: { synced: 1, pending: 1, failed: 0 },
      // d-pending's change; not d-failed's (failed), nor d-nothing's (nothing to do)
      oldestPendingSeconds: 60,
    });
    // pending is exactly what the sweep queues; failed ones wait for a retry
    expect(await listed(ts.store, "pending")).toEqual(await swept(ts.store));
    expect(await listed(ts.store, "pending")).toEqual(["Group:g-never", "User:d-pending", "User:u-awaiting", "User:u-never"]);
    expect(await listed(ts.store, "failed")).toEqual(["User:d-failed", "User:u-failed"]);
    expect(await listed(ts.store, "synced")).toEqual(["Group:g-synced", "User:u-synced"]);
  });

  it("describes one resource, a deletion included, as the lists do", async () => {
    expect(await resourceSyncState(ts.store, "User", "d-failed")).toEqual({
      id: "d-failed",
      state: "failed",
      desiredVersion: null,
      syncedVersion: 0,
      targetId: "t-d-failed",
      lastError: "403 not allowed",
      lastSyncedAt: null,
      pendingSince: ago(86_400).toISOString(),
    });
    expect(await resourceSyncState(ts.store, "User", "u-never")).toMatchObject({ state: "pending", desiredVersion: 1, syncedVersion: 0 });
    expect(await resourceSyncState(ts.store, "User", "d-done")).toMatchObject({ state: "synced", desiredVersion: null });
    expect(await resourceSyncState(ts.store, "User", "d-nothing")).toMatchObject({ state: "synced" });
    expect(await resourceSyncState(ts.store, "User", "nobody")).toBeNull();
  });

  it("pages a list and counts its total", async () => {
    const first = await listSyncStates(ts.store, "User", "pending", { limit: 2, offset: 0 });
    const second = await listSyncStates(ts.store, "User", "pending", { limit: 2, offset: 2 });
    expect(first.total).toBe(3);
    expect([...first.entities, ...second.entities].map((e) => e.id)).toEqual(["d-pending", "u-awaiting", "u-never"]);
    expect((await listSyncStates(ts.store, "User", undefined, { limit: 500, offset: 0 })).total).toBe(6);
  });

  it("retries every failed resource, deletions included: pending in the store, queued, audited", async () => {
    expect(await retrySync(op(), { all: true })).toEqual({ retried: 2 });
    expect((await syncStatus(ts.store, NOW)).users).toEqual({ synced: 1, pending: 5, failed: 0 });
    expect(await queued()).toEqual(expect.arrayContaining(["User:d-failed", "User:u-failed"]));
    expect(await swept(ts.store)).toEqual(expect.arrayContaining(["User:d-failed", "User:u-failed"]));
    const [audit] = await ts.store.query<{ action: string; target_type: string; target_id: string; after: unknown }>(
      "select action, target_type, target_id, after from audit where action = 'sync.retry' order by id desc limit 1",
    );
    expect(audit).toEqual({ action: "sync.retry", target_type: "sync", target_id: "*:*", after: { retried: 2 } });
    expect(await retrySync(op(), { all: true, type: "Group" })).toEqual({ retried: 0 });
  });

  it("retries one resource, and refuses one the bridge does not know", async () => {
    expect(await retrySync(op(), { type: "User", id: "u-failed" })).toEqual({ retried: 1 });
    expect((await resourceSyncState(ts.store, "User", "u-failed"))?.state).toBe("pending");
    expect((await resourceSyncState(ts.store, "User", "d-failed"))?.state).toBe("failed");
    await expect(retrySync(op(), { type: "Group", id: "nope" })).rejects.toMatchObject({ kind: "not_found" });
  });

  it("resyncs everything: every resource pending, snapshots forgotten, all queued", async () => {
    const { resynced } = await resyncAll(op());
    // 4 live users, 2 live groups, 2 deletions still to apply (the failed one included)
    expect(resynced).toBe(8);
    const status = await syncStatus(ts.store, NOW);
    expect(status.users).toEqual({ synced: 0, pending: 6, failed: 0 });
    expect(status.groups).toEqual({ synced: 0, pending: 2, failed: 0 });
    const [s] = await ts.store.query<{ applied: unknown; synced_version: number }>(
      "select applied, synced_version from sync_state where resource_id = 'u-synced'",
    );
    expect(s).toEqual({ applied: null, synced_version: 2 });
    expect(await queued()).toEqual(expect.arrayContaining((await swept(ts.store)).filter((r) => r !== "User:d-nothing")));
    expect((await resyncAll(op(), "Group")).resynced).toBe(2);
  });
});

describe("a change of target", () => {
  let ts: TestStore;
  const genesys = { kind: "genesys" as const, apiUrl: "https://api.mypurecloud.ie", clientId: "bridge-client" };

  beforeAll(async () => {
    ts = await openTestStore();
  });
  afterAll(() => ts.close());
  beforeEach(() => scenario(ts.store));

  it("records the first target without resetting anything when the state has no target ids", async () => {
    await ts.store.query("update sync_state set target_id = null");
    expect(await resyncIfTargetChanged(ts.store, { kind: "dry-run" }, NOW)).toEqual({ changed: false, previous: null, reset: 0 });
    expect(await recordedTarget(ts.store)).toEqual({ kind: "dry-run" });
  });

  it("from the dry run to Genesys: forgets the dry run's ids, resyncs everything, records the new target, logs once", async () => {
    await ts.store.query(`insert into dry_run_directory(kind, id, data) values ('user', 't-synced', '{}'::jsonb)`);
    await ts.store.query("update divisions set target_id = id");
    const logs = new LogCapture();
    const change = await resyncIfTargetChanged(ts.store, genesys, NOW, createLogger("info", logs));
    expect(change).toEqual({ changed: true, previous: { kind: "dry-run" }, reset: 6 });
    expect(logs.lines).toHaveLength(1);
    expect(JSON.parse(logs.lines[0]!)).toMatchObject({
      level: 40,
      from: "dry-run",
      to: "genesys https://api.mypurecloud.ie (client bridge-client)",
    });
    expect(await recordedTarget(ts.store)).toEqual(genesys);

    const rows = await ts.store.query<{
      resource_id: string;
      target_id: string | null;
      applied: unknown;
      synced_version: number;
      state: string;
    }>("select resource_id, target_id, applied, synced_version, state from sync_state where not deleted order by resource_id");
    expect(rows.every((r) => r.target_id === null && r.applied === null && r.synced_version === 0 && r.state === "pending")).toBe(true);
    expect(rows.map((r) => r.resource_id)).toEqual(["g-synced", "u-awaiting", "u-failed", "u-synced"]);
    // nothing synced with the dry run's ids; deletions have nothing to undo on the new target
    const status = await syncStatus(ts.store, NOW);
    expect(status.users).toEqual({ synced: 0, pending: 4, failed: 0 });
    expect(status.groups).toEqual({ synced: 0, pending: 2, failed: 0 });
    expect((await swept(ts.store)).length).toBe(6);
    expect((await ts.store.query("select 1 from divisions where target_id is not null")).length).toBe(0);
    const [audit] = await ts.store.query<{ target_type: string; before: unknown; after: unknown }>(
      "select target_type, before, after from audit where action = 'sync.target.change'",
    );
    expect(audit).toEqual({ target_type: "sync", before: { kind: "dry-run" }, after: genesys });

    // the same target again (however its URL is spelt): nothing happens
    const again = await resyncIfTargetChanged(
      ts.store,
      { ...genesys, apiUrl: "https://API.mypurecloud.ie/" },
      NOW,
      createLogger("info", logs),
    );
    expect(again.changed).toBe(false);
    expect(logs.lines).toHaveLength(1);
    // another client id is another target
    expect((await resyncIfTargetChanged(ts.store, { ...genesys, clientId: "other" }, NOW)).changed).toBe(true);
  });

  it("takes unrecorded ids that are not the dry run's to be the configured Genesys target's (an upgrade)", async () => {
    expect(await resyncIfTargetChanged(ts.store, genesys, NOW)).toEqual({ changed: false, previous: genesys, reset: 0 });
    expect((await syncStatus(ts.store, NOW)).users.synced).toBe(1);
    // ...but not the dry run's: unknown ids there are another target's
    await ts.store.query("update sync_target set identity = null");
    expect((await resyncIfTargetChanged(ts.store, { kind: "dry-run" }, NOW)).previous).toBe("unknown");
  });

  it("derives the identity from the configuration", () => {
    expect(targetIdentity(loadConfig({}, {}))).toEqual({ kind: "dry-run" });
    const cfg = loadConfig({}, { TARGET: "genesys", GENESYS_REGION: "mypurecloud.ie", GENESYS_CLIENT_ID: "c", GENESYS_CLIENT_SECRET: "s" });
    expect(targetIdentity(cfg)).toEqual({ kind: "genesys", apiUrl: "https://api.mypurecloud.ie", clientId: "c" });
  });
});

describe("admin API: /admin/v1/sync lists, retry and resync", () => {
  let ts: TestStore;
  let t: TestApp;
  let queues: SyncQueues;
  let admin: { authorization: string };
  let reader: { authorization: string };
  const prefix = `sr${process.pid}${Date.now() % 100000}`;

  beforeAll(async () => {
    ts = await openTestStore();
    queues = createQueues(redisConnection(REDIS_URL, false), prefix, 0);
    t = buildTestApp(ts.store, {}, { queues });
    admin = { authorization: `Bearer ${await tokenFor(t.app, await bootstrapAdmin(ts.store))}` };
    const scimOnly = await createClient(ts.store, system, new Date(), {
      name: "scim only",
      roleDivisions: [{ roleId: (await builtinRoleId(ts.store, "scim-integration"))!, divisionId: ALL_DIVISIONS }],
    });
    reader = { authorization: `Bearer ${await tokenFor(t.app, scimOnly)}` };
  });
  afterAll(async () => {
    await queues.close();
    await dropPrefix(prefix);
    await ts.close();
  });
  beforeEach(() => scenario(ts.store));

  it("lists resources by state, Genesys-style paged", async () => {
    const res = await request(t.app).get("/admin/v1/sync/users").query({ state: "failed", pageSize: 1, pageNumber: 2 }).set(admin);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      entities: [
        {
          id: "u-failed",
          state: "failed",
          desiredVersion: 1,
          syncedVersion: 0,
          targetId: "t-failed",
          lastError: "400 bad title",
          lastSyncedAt: null,
          pendingSince: ago(7200).toISOString(),
        },
      ],
      total: 2,
      pageSize: 1,
      pageNumber: 2,
    });
    const groups = await request(t.app).get("/admin/v1/sync/groups").query({ state: "pending" }).set(admin);
    expect(groups.body).toMatchObject({ total: 1, pageSize: 25, pageNumber: 1, entities: [{ id: "g-never" }] });
    expect((await request(t.app).get("/admin/v1/sync/users/u-synced").set(admin)).body).toMatchObject({ state: "synced" });
    const bad = await request(t.app).get("/admin/v1/sync/users").query({ state: "done", pageSize: "0" }).set(admin);
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(["pageSize"]);
    const badState = await request(t.app).get("/admin/v1/sync/users").query({ state: "done" }).set(admin);
    expect(badState.body.errors).toEqual([{ field: "state", message: "must be failed, pending or synced" }]);
    expect((await request(t.app).get("/admin/v1/sync/users").set(reader)).status).toBe(403);
  });

  it("retries one or all failed resources and resyncs, with bridge:job:retry", async () => {
    expect((await request(t.app).post("/admin/v1/sync/retry").set(reader).send({ all: true })).status).toBe(403);
    const one = await request(t.app).post("/admin/v1/sync/retry").set(admin).send({ type: "User", id: "u-failed" });
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ retried: 1 });
    const all = await request(t.app).post("/admin/v1/sync/retry").set(admin).send({ all: true });
    expect(all.body).toEqual({ retried: 1 });
    expect((await request(t.app).get("/admin/v1/sync/status").set(admin)).body.users.failed).toBe(0);
    const unknown = await request(t.app).post("/admin/v1/sync/retry").set(admin).send({ type: "User", id: "nobody" });
    expect(unknown.status).toBe(404);
    for (const [body, field] of [
      [{}, "id"],
      [{ id: "u-failed" }, "type"],
      [{ type: "Robot", id: "x" }, "type"],
      [{ all: true, id: "x" }, "id"],
      [{ all: false }, "all"],
      [{ all: true, extra: 1 }, "extra"],
    ] as const) {
      const res = await request(t.app).post("/admin/v1/sync/retry").set(admin).send(body);
      expect([res.status, res.body.errors?.[0]?.field]).toEqual([400, field]);
    }
    const resync = await request(t.app).post("/admin/v1/sync/resync").set(admin);
    expect(resync.status).toBe(200);
    expect(resync.body).toEqual({ resynced: 8 });
    expect((await request(t.app).post("/admin/v1/sync/resync").set(admin).send({ type: "Group" })).body).toEqual({ resynced: 2 });
    expect((await request(t.app).post("/admin/v1/sync/resync").set(admin).send({ type: "Robot" })).status).toBe(400);
    const audit = await request(t.app).get("/admin/v1/audit").query({ targetType: "sync" }).set(admin);
    expect(audit.body.entities.map((e: { action: string }) => e.action)).toEqual([
      "sync.resync",
      "sync.resync",
      "sync.retry",
      "sync.retry",
    ]);
  });

  it("answers 503 without the sync queues, changing nothing", async () => {
    const noQueues = buildTestApp(ts.store);
    const token = { authorization: `Bearer ${await tokenFor(noQueues.app, await bootstrapAdmin(ts.store, "admin2"))}` };
    const res = await request(noQueues.app).post("/admin/v1/sync/retry").set(token).send({ all: true });
    expect(res.status).toBe(503);
    expect((await request(noQueues.app).post("/admin/v1/sync/resync").set(token)).status).toBe(503);
    expect((await syncStatus(ts.store, NOW)).users.failed).toBe(2);
  });
});
