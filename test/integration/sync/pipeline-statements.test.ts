import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { randomBytes, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { openTestStore, type TestStore } from "../../helpers/store.js";
import { dropPrefix, REDIS_URL } from "../../helpers/sync.js";
import { startFakeGenesys, type FakeGenesys } from "../../fakes/genesys/index.js";
import type { Queryable, Store } from "../../../src/store/store.js";
import { GenesysTarget } from "../../../src/sync/targets/genesys-target.js";
import { reconcileUser } from "../../../src/sync/reconcile-user.js";
import { relayOnce } from "../../../src/sync/outbox-relay.js";
import { recordChange } from "../../../src/sync/outbox.js";
import { sweep } from "../../../src/sync/sweep.js";
import { createQueues, enqueueSync, type SyncQueues } from "../../../src/sync/queues.js";
import { redisConnection } from "../../../src/sync/runtime.js";
import { markSynced } from "../../../src/sync/sync-state.js";
import type { ReconcileDeps } from "../../../src/sync/reconcile-deps.js";

const NOW = new Date("2026-01-01T00:00:00Z");

/** The store, counting the statements sent through it (a Queryable of its own: its batches are its own too). */
function counting(store: Store): Queryable & { statements: string[] } {
  const statements: string[] = [];
  return {
    statements,
    query: (sql, params) => {
      statements.push(sql.replace(/\s+/g, " ").trim());
      return store.query(sql, params);
    },
  };
}

async function addUser(store: Queryable, id: string, userName: string, extra: Record<string, unknown> = {}): Promise<void> {
  const [home] = await store.query<{ id: string }>("select id from divisions where home");
  const resource = { userName, displayName: userName.split("@")[0], active: true, emails: [{ value: userName, type: "work" }], ...extra };
  await store.query(
    `insert into scim_users(id, user_name, user_name_lc, division_id, version, resource, created_at, last_modified)
     values ($1, $2, lower($2), $3, 1, $4::jsonb, $5, $5)`,
    [id, userName, home!.id, JSON.stringify(resource), NOW],
  );
}

async function stateOf(store: Queryable, id: string, type = "User") {
  const [s] = await store.query<{ state: string; synced_version: number; target_id: string | null; last_synced_at: Date | null }>(
    "select state, synced_version, target_id, last_synced_at from sync_state where resource_type = $1 and resource_id = $2",
    [type, id],
  );
  return s;
}

/** docs/architecture.md, "The path of a SCIM write", steps 8 to 13: what each part of the pipeline asks of the store and of Redis. */
describe("the sync pipeline's statements", () => {
  let ts: TestStore;
  let fake: FakeGenesys;
  let target: GenesysTarget;

  beforeAll(async () => {
    ts = await openTestStore();
    fake = await startFakeGenesys({ enforceRateLimit: false, searchLagMs: 0 });
    target = new GenesysTarget(fake.targetOptions());
  });
  afterAll(async () => {
    await fake?.close();
    await ts?.close();
  });

  const deps = (db: Queryable): ReconcileDeps => ({ db, target, clock: () => Date.now() });
  const userCalls = () => fake.calls.filter((c) => c.path.startsWith("/api/v2/users")).length;

  describe("a user job", () => {
    it("creates a new user with one read and one write: the create attempt is recorded by the read", async () => {
      const id = randomUUID();
      await addUser(ts.store, id, `one-read-${id}@example.com`);
      const db = counting(ts.store);
      const result = await reconcileUser(deps(db), id);
      expect(result).toMatchObject({ outcome: "created", repeat: false, requeue: false });
      expect(db.statements).toHaveLength(2);
      expect(db.statements[0]).toMatch(/insert into sync_state.*createAttempt/);
      expect(db.statements[1]).toMatch(/^with r as .*insert into sync_state/);
      expect(await stateOf(ts.store, id)).toMatchObject({ state: "synced", synced_version: 1 });
    });

    it("drops a job for a user already applied at its version: one read, no target call, no write", async () => {
      const id = randomUUID();
      await addUser(ts.store, id, `repeat-${id}@example.com`);
      await reconcileUser(deps(ts.store), id);
      const before = await stateOf(ts.store, id);
      const calls = userCalls();
      const db = counting(ts.store);
      const result = await reconcileUser(deps(db), id);
      expect(result).toMatchObject({ outcome: "unchanged", repeat: true, requeue: false, groups: [], reports: [] });
      expect(db.statements).toHaveLength(1);
      expect(userCalls()).toBe(calls);
      expect(await stateOf(ts.store, id)).toEqual(before);
    });

    it("still runs a user applied at its version whose manager has another target id since", async () => {
      const [bossId, reportId, otherId] = [randomUUID(), randomUUID(), randomUUID()];
      await addUser(ts.store, bossId, `boss-${bossId}@example.com`);
      await reconcileUser(deps(ts.store), bossId);
      await addUser(ts.store, reportId, `report-${reportId}@example.com`, {
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { manager: { value: bossId } },
      });
      await reconcileUser(deps(ts.store), reportId);
      expect(await stateOf(ts.store, reportId)).toMatchObject({ state: "synced", synced_version: 1 });
      await addUser(ts.store, otherId, `other-${otherId}@example.com`);
      await reconcileUser(deps(ts.store), otherId);
      // the manager is now linked to another Genesys user (as when it was made again on the target)
      const otherTarget = (await stateOf(ts.store, otherId))!.target_id!;
      await ts.store.query("update sync_state set target_id = $2 where resource_type = 'User' and resource_id = $1", [bossId, otherTarget]);
      const report = await reconcileUser(deps(ts.store), reportId);
      expect(report).toMatchObject({ outcome: "updated", repeat: false });
      const reportTarget = (await stateOf(ts.store, reportId))!.target_id!;
      expect(fake.state.users.get(reportTarget)?.managerId).toBe(otherTarget);
    });

    it("runs that overlap share their statements: twenty new users read in one statement, and written once each at most", async () => {
      const ids = Array.from({ length: 20 }, () => randomUUID());
      for (const id of ids) await addUser(ts.store, id, `shared-${id}@example.com`);
      const db = counting(ts.store);
      const results = await Promise.all(ids.map((id) => reconcileUser(deps(db), id)));
      expect(results.every((r) => r.outcome === "created")).toBe(true);
      const reads = db.statements.filter((s) => s.includes("createAttempt"));
      const writes = db.statements.filter((s) => s.startsWith("with r as"));
      expect(reads).toHaveLength(1);
      expect(writes.length).toBeGreaterThanOrEqual(1);
      expect(writes.length).toBeLessThanOrEqual(20);
      expect(db.statements).toHaveLength(reads.length + writes.length);
      for (const id of ids) expect(await stateOf(ts.store, id)).toMatchObject({ state: "synced", synced_version: 1 });
    });
  });

  describe("markSynced", () => {
    it("answers whether the resource moved on during the run, and leaves it pending then", async () => {
      const id = randomUUID();
      await addUser(ts.store, id, `moved-${id}@example.com`);
      expect(await markSynced(ts.store, "User", id, 1, "t-1", NOW, { stillPending: false })).toEqual({ moved: false });
      expect(await stateOf(ts.store, id)).toMatchObject({ state: "synced", synced_version: 1 });
      await ts.store.query("update scim_users set version = 2 where id = $1", [id]);
      expect(await markSynced(ts.store, "User", id, 1, "t-1", NOW, { stillPending: false })).toEqual({ moved: true });
      expect(await stateOf(ts.store, id)).toMatchObject({ state: "pending", synced_version: 1 });
    });
  });

  describe("the relay", () => {
    beforeEach(async () => {
      await ts.store.query("delete from outbox");
    });

    it("moves a batch in two statements and one addBulk per type, each resource once, pending since its oldest change", async () => {
      const users = Array.from({ length: 5 }, () => randomUUID());
      const group = randomUUID();
      const at = (s: number) => new Date(NOW.getTime() + s * 1000);
      for (const [i, u] of users.entries()) await recordChange(ts.store, "User", u, 1, "upsert", at(i));
      await recordChange(ts.store, "Group", group, 1, "upsert", at(10));
      await recordChange(ts.store, "User", users[0]!, 2, "upsert", at(20));
      const added: Array<{ queue: string; ids: string[] }> = [];
      const queue = (name: string) => ({
        add: async () => {
          throw new Error("one add per row: the relay should add in bulk");
        },
        addBulk: async (jobs: Array<{ data: { id: string } }>) => void added.push({ queue: name, ids: jobs.map((j) => j.data.id) }),
      });
      const queues = { debounceMs: 0, user: queue("user"), group: queue("group") } as unknown as SyncQueues;
      const db = counting(ts.store);
      expect(await relayOnce(db as unknown as Store, queues)).toBe(7);
      expect(db.statements).toHaveLength(2);
      expect(added.sort((a, b) => a.queue.localeCompare(b.queue))).toEqual([
        { queue: "group", ids: [group] },
        { queue: "user", ids: users },
      ]);
      expect(await ts.store.query("select count(*)::int as n from outbox")).toEqual([{ n: 0 }]);
      const [first] = await ts.store.query<{ state: string; pending_since: Date }>(
        "select state, pending_since from sync_state where resource_type = 'User' and resource_id = $1",
        [users[0]],
      );
      expect(first).toEqual({ state: "pending", pending_since: at(0) });
    });
  });

  describe("the sweep", () => {
    let queues: SyncQueues;
    let prefix: string;

    beforeAll(async () => {
      prefix = `t${randomBytes(5).toString("hex")}`;
      queues = createQueues(redisConnection(REDIS_URL, false), prefix, 60_000);
    });
    afterAll(async () => {
      await queues?.close();
      await dropPrefix(prefix);
    });

    it("queues what is unsynced and has no job: not what is synced, not what a job already waits for", async () => {
      await ts.store.query("delete from sync_state");
      await ts.store.query("delete from scim_group_members");
      await ts.store.query("delete from scim_users");
      const [synced, waiting, queued, never, stale] = ["synced", "waiting", "queued", "never", "stale"].map((n) => `${n}-${randomUUID()}`);
      for (const id of [synced!, waiting!, queued!, never!, stale!]) await addUser(ts.store, id, `${id}@example.com`);
      await markSynced(ts.store, "User", synced!, 1, "t-synced", NOW, { stillPending: false });
      for (const id of [waiting!, queued!, stale!])
        await ts.store.query(
          "insert into sync_state(resource_type, resource_id, state, pending_since) values ('User', $1, 'pending', $2)",
          [id, NOW],
        );
      // a job waits for `queued` (its debounce); `stale` names a job Redis no longer has
      await enqueueSync(queues, "User", queued!);
      await enqueueSync(queues, "User", stale!);
      const staleJob = (await queues.user.getDeduplicationJobId(`User:${stale}`))!;
      const redis = new Redis(REDIS_URL);
      try {
        await redis.del(queues.user.toKey(staleJob));
        await redis.zrem(queues.user.toKey("delayed"), staleJob);
      } finally {
        redis.disconnect();
      }

      expect(await sweep(ts.store, queues)).toBe(3);
      const jobs = await queues.user.getJobs(["delayed", "waiting"]);
      const byUser = new Map<string, number>();
      for (const j of jobs.filter(Boolean)) byUser.set(j.data.id, (byUser.get(j.data.id) ?? 0) + 1);
      expect(Object.fromEntries(byUser)).toEqual({ [waiting!]: 1, [queued!]: 1, [never!]: 1, [stale!]: 1 });
      // a second sweep finds everything already queued
      expect(await sweep(ts.store, queues)).toBe(0);
    });
  });
});
