import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import request from "supertest";
import type { TestStore } from "../../helpers/store.js";
import type { TestApp } from "../../helpers/app.js";
import { ENTERPRISE, patchOp, USER_SCHEMA } from "../../helpers/scim.js";
import { allSynced, waitUntil } from "../../helpers/sync.js";
import { startGenesysHarness, type GenesysHarness } from "../../helpers/genesys-harness.js";
import type { FakeGenesys } from "../../fakes/genesys/index.js";

/** The pipeline against the fake Genesys Cloud: convergence, rate limits, refusals, divisions. */
describe("sync to Genesys Cloud (fake)", () => {
  let ts: TestStore;
  let t: TestApp;
  let fake: FakeGenesys;
  let sync: GenesysHarness["sync"];
  let scim: GenesysHarness["scim"];
  let admin: GenesysHarness["admin"];
  let harness: GenesysHarness | undefined;

  beforeAll(async () => {
    harness = await startGenesysHarness({
      // the volume test makes thousands of calls: a limit scaled up (the rate limit has tests of its own)
      fake: { rateLimitPerMinute: 1_000_000 },
      // production's debounce (config/default.json SYNC_DEBOUNCE_MS), not the tests' 100 ms: it counts from
      // the first change, and on a busy machine an identity provider's burst of four writes outlasts 100 ms
      sync: { concurrency: 8, debounceMs: 500 },
    });
    ({ ts, t, fake, sync, scim, admin } = harness);
  });
  afterAll(() => harness?.close());

  const fakeUser = (email: string) => [...fake.state.users.values()].filter((u) => u.email.toLowerCase() === email.toLowerCase());

  it("converges 1,000 users created then patched 3 times each: final state, one create each, far fewer calls than writes", async () => {
    fake.clearCalls();
    for (let i = 0; i < 1000; i++) {
      const r = await scim.post("/Users", {
        schemas: [USER_SCHEMA],
        userName: `bulk${i}@example.com`,
        displayName: `Bulk ${i}`,
        title: "v0",
      });
      expect(r.status).toBe(201);
      // three quick PATCHes, as an identity provider sends them in one cycle
      for (let round = 1; round <= 3; round++) {
        const ops =
          round === 3 && i % 2 === 0
            ? [
                { op: "replace", path: "title", value: "v3" },
                { op: "replace", path: "active", value: false },
              ]
            : [{ op: "replace", path: "title", value: `v${round}` }];
        expect((await scim.patch(`/Users/${r.body.id}`, patchOp(...ops))).status).toBe(204);
      }
    }
    await waitUntil(() => allSynced(ts.store), "1,000 users to converge", 300_000);
    for (let i = 0; i < 1000; i++) {
      const [u, ...dupes] = fakeUser(`bulk${i}@example.com`);
      expect(dupes).toHaveLength(0);
      expect(u).toMatchObject({ name: `Bulk ${i}`, title: "v3", state: i % 2 === 0 ? "inactive" : "active" });
      expect(fake.countCalls("POST", "/api/v2/users", (c) => (c.body as { email?: string }).email === `bulk${i}@example.com`)).toBe(1);
    }
    const scimWrites = 4000;
    const downstream = fake.calls.filter((c) => c.path.startsWith("/api/")).length;
    expect(downstream).toBeLessThan(scimWrites / 2);
  }, 600_000);

  it("pauses on 429 with Retry-After: 2 without failing or spending attempts, then resumes", async () => {
    await waitUntil(() => allSynced(ts.store), "a quiet start");
    fake.faults.rateLimit(5, 2);
    const started = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 10; i++)
      ids.push((await scim.post("/Users", { schemas: [USER_SCHEMA], userName: `rl${i}@example.com`, displayName: `RL ${i}` })).body.id);
    await waitUntil(() => allSynced(ts.store), "the rate-limited users to sync", 180_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(fake.countCalls("POST", "/api/v2/users", (c) => c.status === 429)).toBeGreaterThan(0);
    const failed = await sync.queues.user.getFailed();
    expect(failed).toHaveLength(0);
    const completed = await sync.queues.user.getCompleted(0, 200);
    for (const job of completed.filter((j) => ids.includes(j.data.id))) expect(job.attemptsMade).toBeLessThanOrEqual(1);
    for (let i = 0; i < 10; i++) expect(fakeUser(`rl${i}@example.com`)).toHaveLength(1);
  });

  it("fails fast on a 4xx the target will always refuse, shows its message, and succeeds on retry after the fix", async () => {
    const lift = fake.faults.rejectUser("refused@example.com", 400, "The email domain is not allowed for this organization.");
    const id = (await scim.post("/Users", { schemas: [USER_SCHEMA], userName: "refused@example.com", displayName: "Refused" })).body
      .id as string;
    const state = await waitUntil(async () => {
      const s = (await request(t.app).get(`/admin/v1/sync/users/${id}`).set(admin)).body;
      return s.state === "failed" ? s : null;
    }, "the refusal to be recorded");
    expect(state.lastError).toMatch(/400 .*The email domain is not allowed/);
    const failed = (await request(t.app).get("/admin/v1/jobs/failed").set(admin)).body.entities as Array<{
      id: string;
      resourceId: string;
      attemptsMade: number;
      failedReason: string;
    }>;
    const job = failed.find((j) => j.resourceId === id)!;
    expect(job.attemptsMade).toBe(1); // failed at once, no retries spent
    expect(job.failedReason).toMatch(/not allowed/);
    expect((await request(t.app).get("/admin/v1/sync/status").set(admin)).body.users.failed).toBe(1);

    lift(); // the cause is fixed on the directory's side
    const retried = await request(t.app)
      .post(`/admin/v1/jobs/${encodeURIComponent(job.id)}/retry`)
      .set(admin);
    expect(retried.status).toBe(200);
    await waitUntil(
      async () => (await request(t.app).get(`/admin/v1/sync/users/${id}`).set(admin)).body.state === "synced",
      "the retried user to sync",
    );
    expect(fakeUser("refused@example.com")).toHaveLength(1);
    expect((await request(t.app).get(`/admin/v1/sync/users/${id}`).set(admin)).body.lastError).toBeNull();
  });

  it("reads every page of divisions and lands a user pushed with a division name in that division", async () => {
    const seeded = fake.seedDivisions(60, "Region");
    const [r42, r7] = [seeded[42]!.name, seeded[7]!.name];
    const res = await request(t.app).post("/admin/v1/divisions/sync").set(admin);
    expect({ status: res.status, body: res.body }).toMatchObject({ status: 200 });
    expect(res.body.read).toBe(fake.state.divisions.size);
    const local = (await request(t.app).get("/admin/v1/divisions").set(admin)).body.entities as Array<{
      name: string;
      homeDivision: boolean;
    }>;
    expect(local.filter((d) => d.name.startsWith("Region"))).toHaveLength(60);
    expect(local.filter((d) => d.homeDivision)).toHaveLength(1);

    const id = (
      await scim.post("/Users", {
        schemas: [USER_SCHEMA, ENTERPRISE],
        userName: "moved@example.com",
        displayName: "Moved",
        [ENTERPRISE]: { division: r42 },
      })
    ).body.id as string;
    expect(id).toBeDefined();
    await waitUntil(() => allSynced(ts.store), "the user in the division to sync");
    const region42 = fake.state.divisionByName(r42)!;
    expect(fakeUser("moved@example.com")[0]!.divisionId).toBe(region42.id);

    await scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: `${ENTERPRISE}:division`, value: r7 }));
    await waitUntil(() => allSynced(ts.store), "the division move to sync");
    expect(fakeUser("moved@example.com")[0]!.divisionId).toBe(fake.state.divisionByName(r7)!.id);
    expect(fake.countCalls("POST", new RegExp(`/api/v2/authorization/divisions/${fake.state.divisionByName(r7)!.id}/objects/USER`))).toBe(
      1,
    );
  });

  it("restores a user deleted in Genesys instead of duplicating it when it is pushed again", async () => {
    const first = (await scim.post("/Users", { schemas: [USER_SCHEMA], userName: "phoenix@example.com", displayName: "Phoenix" })).body
      .id as string;
    await waitUntil(() => allSynced(ts.store), "the first push");
    const genesysId = fakeUser("phoenix@example.com")[0]!.id;
    expect((await scim.delete(`/Users/${first}`)).status).toBe(204);
    await waitUntil(() => allSynced(ts.store), "the deletion");
    expect(fakeUser("phoenix@example.com")[0]!.state).toBe("deleted");
    const again = await scim.post("/Users", { schemas: [USER_SCHEMA], userName: "phoenix@example.com", displayName: "Phoenix Again" });
    expect(again.status).toBe(201);
    await waitUntil(() => allSynced(ts.store), "the second push");
    const all = fakeUser("phoenix@example.com");
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ id: genesysId, state: "active", name: "Phoenix Again" });
  });

  it("re-reads and retries when someone else changed the user in Genesys (version conflict)", async () => {
    const id = (await scim.post("/Users", { schemas: [USER_SCHEMA], userName: "contested@example.com", displayName: "Contested" })).body
      .id as string;
    await waitUntil(() => allSynced(ts.store), "the first push");
    const g = fakeUser("contested@example.com")[0]!;
    g.department = "changed in the Genesys UI";
    g.version += 1;
    await scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: "title", value: "Lead" }));
    await waitUntil(() => allSynced(ts.store), "the update despite the conflict");
    expect(fakeUser("contested@example.com")[0]).toMatchObject({ title: "Lead" });
    expect(fake.countCalls("PATCH", `/api/v2/users/${g.id}`, (c) => c.status === 409)).toBeGreaterThanOrEqual(1);
  });
});
