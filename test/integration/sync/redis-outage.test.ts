import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { openTestStore, type TestStore } from "../../helpers/store.js";
import { buildTestApp, type TestApp } from "../../helpers/app.js";
import { patchOp, scimAgent, USER_SCHEMA } from "../../helpers/scim.js";
import { allSynced, ScratchRedis, sparePort, startTestSync, waitUntil } from "../../helpers/sync.js";
import { DryRunTarget } from "../../../src/sync/targets/dry-run-target.js";
import type { SyncRuntime } from "../../../src/sync/runtime.js";

/** docs/architecture.md (failures, retries and sweeps): a Redis outage never loses a change; SCIM writes still succeed and the relay catches up. */
describe("Redis stopped during SCIM writes", () => {
  let ts: TestStore;
  let t: TestApp;
  let redis: ScratchRedis;
  let sync: SyncRuntime;

  beforeAll(async () => {
    ts = await openTestStore();
    t = buildTestApp(ts.store);
    redis = new ScratchRedis(await sparePort());
    await redis.start();
    sync = await startTestSync(ts.store, new DryRunTarget(ts.store), { redisUrl: redis.url, sweepIntervalMs: 1000 });
  });
  afterAll(async () => {
    await sync.stop();
    await redis.stop();
    await ts.close();
  });

  it("answers every write 2xx while Redis is down and applies all of them once it is back", async () => {
    const scim = await scimAgent(t.app, ts.store);
    const before = await scim.post("/Users", { schemas: [USER_SCHEMA], userName: "before@example.com", displayName: "Before" });
    await waitUntil(() => allSynced(ts.store), "the first user to sync");

    await redis.stop();
    const statuses: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await scim.post("/Users", { schemas: [USER_SCHEMA], userName: `outage${i}@example.com`, displayName: `Outage ${i}` });
      statuses.push(r.status);
      ids.push(r.body.id);
    }
    for (const id of ids.slice(0, 10))
      statuses.push((await scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: "title", value: "During" }))).status);
    statuses.push((await scim.delete(`/Users/${before.body.id}`)).status);
    expect(statuses.every((s) => s >= 200 && s < 300)).toBe(true);
    const [pending] = await ts.store.query<{ n: number }>("select count(*)::int as n from outbox");
    expect(pending!.n).toBe(31); // nothing relayed, nothing lost

    await redis.start(); // an empty Redis: no persistence
    await waitUntil(() => allSynced(ts.store), "everything written during the outage to sync", 180_000);
    const users = await ts.store.query<{ id: string; title: string | null; target: string | null }>(
      "select u.id, u.resource->>'title' as title, s.target_id as target from scim_users u join sync_state s on s.resource_type = 'User' and s.resource_id = u.id",
    );
    expect(users).toHaveLength(20);
    expect(users.every((u) => u.target)).toBe(true);
    expect(users.filter((u) => u.title === "During")).toHaveLength(10);
    const creates = await ts.store.query<{ n: number }>(
      "select count(*)::int as n from dry_run_plan where method = 'POST' and path = '/api/v2/users'",
    );
    expect(creates[0]!.n).toBe(21);
    const deletes = await ts.store.query<{ resource_id: string }>("select resource_id from dry_run_plan where method = 'DELETE'");
    expect(deletes.map((d) => d.resource_id)).toEqual([before.body.id]);
  });
});
