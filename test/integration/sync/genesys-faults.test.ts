import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import request from "supertest";
import { createServer } from "node:net";
import type { TestStore } from "../../helpers/store.js";
import type { TestApp } from "../../helpers/app.js";
import { ENTERPRISE, USER_SCHEMA } from "../../helpers/scim.js";
import { allSynced, waitUntil } from "../../helpers/sync.js";
import { startGenesysHarness, type GenesysHarness } from "../../helpers/genesys-harness.js";
import { startFakeGenesys, type FakeGenesys } from "../../fakes/genesys/index.js";
import { GenesysTarget } from "../../../src/sync/targets/genesys-target.js";
import { TargetError } from "../../../src/sync/target-error.js";

/**
 * The sync against the faults the real Genesys Cloud has: lost create answers while the search index
 * lags, managers that arrive after their reports, outages longer than any fixed number of attempts,
 * rate-limited and unreachable logins. Each test names what broke before.
 */
describe("sync to Genesys Cloud under its real faults (fake)", () => {
  let ts: TestStore;
  let t: TestApp;
  let fake: FakeGenesys;
  let scim: GenesysHarness["scim"];
  let admin: GenesysHarness["admin"];
  let harness: GenesysHarness | undefined;

  beforeAll(async () => {
    harness = await startGenesysHarness({ fake: { searchLagMs: 3_000 }, sync: { concurrency: 4 } });
    ({ ts, t, fake, scim, admin } = harness);
    // the division sync at worker start goes first: faults armed by the tests are for user calls
    await waitUntil(
      async () => fake.countCalls("GET", /^\/api\/v2\/authorization\/divisions/, (c) => c.status === 200) > 0,
      "the division sync",
    );
  });
  afterAll(() => harness?.close());

  const fakeUsers = (email: string) => [...fake.state.users.values()].filter((u) => u.email.toLowerCase() === email.toLowerCase());
  const syncState = async (id: string) =>
    (await request(t.app).get(`/admin/v1/sync/users/${id}`).set(admin)).body as Record<string, unknown>;
  const push = async (userName: string, extra: Record<string, unknown> = {}) => {
    const r = await scim.post("/Users", { schemas: [USER_SCHEMA], userName, displayName: userName.split("@")[0], ...extra });
    expect(r.status).toBe(201);
    return r.body.id as string;
  };

  it("a create whose answer is lost is recovered once the lagging search finds it: one Genesys user, never failed", async () => {
    // Before: the retry created again, got 409, the search (lagging 3 s) found nothing, and the user failed for good.
    fake.faults.loseUserCreateAnswers(1);
    const id = await push("lost-answer@example.com");
    await waitUntil(() => allSynced(ts.store), "the user to converge", 120_000);
    expect(fakeUsers("lost-answer@example.com")).toHaveLength(1);
    const s = await syncState(id);
    expect(s).toMatchObject({ state: "synced", targetId: fakeUsers("lost-answer@example.com")[0]!.id });
    expect(fake.countCalls("POST", "/api/v2/users", (c) => c.status === 409)).toBeGreaterThanOrEqual(1);
  });

  it("a user deleted in SCIM before a lost create answer was recovered is found by e-mail and deleted in Genesys", async () => {
    // Before: with no Genesys id recorded the deletion touched nothing, and the user the lost create
    // made stayed active in Genesys, its e-mail reserved.
    fake.faults.loseUserCreateAnswers(1);
    const id = await push("lost-then-deleted@example.com");
    await waitUntil(async () => fakeUsers("lost-then-deleted@example.com")[0], "the create that lost its answer");
    expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    await waitUntil(() => allSynced(ts.store), "the deletion to converge", 120_000);
    expect(fakeUsers("lost-then-deleted@example.com").map((u) => u.state)).toEqual(["deleted"]);
    expect(fake.countCalls("POST", "/api/v2/users")).toBeGreaterThanOrEqual(1);
  });

  it("a group create whose answer is lost is adopted once the lagging search finds it, never failed", async () => {
    // Before: the retry searched (lagging), created again, got 409 and the group failed for good.
    fake.faults.loseGroupCreateAnswers(1);
    const r = await scim.post("/Groups", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "Lost Answer Group" });
    expect(r.status).toBe(201);
    await waitUntil(() => allSynced(ts.store), "the group to converge", 120_000);
    const groups = [...fake.state.groups.records.values()].filter((g) => g.name === "Lost Answer Group");
    expect(groups).toHaveLength(1);
    const s = (
      await request(t.app)
        .get(`/admin/v1/sync/groups/${r.body.id as string}`)
        .set(admin)
    ).body as Record<string, unknown>;
    expect(s).toMatchObject({ state: "synced", targetId: groups[0]!.id });
    expect(fake.countCalls("POST", "/api/v2/groups", (c) => c.status === 409)).toBeGreaterThanOrEqual(1);
  });

  it("keeps the Genesys id the moment the create answers, while the follow-up call keeps failing", async () => {
    // Before: the id was saved only at the end of a run, so every retry created again.
    const lift = fake.faults.rejectUser(
      (w) => w.method === "PATCH" && String(w.user?.email ?? "").startsWith("kept-id@"),
      503,
      "unavailable",
    );
    const id = await push("kept-id@example.com", { [ENTERPRISE]: { employeeNumber: "E-7" } });
    const created = await waitUntil(async () => fakeUsers("kept-id@example.com")[0], "the create");
    await waitUntil(
      async () => (await syncState(id)).targetId === created.id && fake.countCalls("PATCH", `/api/v2/users/${created.id}`) >= 2,
      "the id kept through failing PATCHes",
    );
    expect((await syncState(id)).state).toBe("pending");
    lift();
    await waitUntil(() => allSynced(ts.store), "the user to converge");
    expect(fakeUsers("kept-id@example.com")).toHaveLength(1);
    expect(fake.countCalls("POST", "/api/v2/users", (c) => (c.body as { email?: string }).email === "kept-id@example.com")).toBe(1);
  });

  it("creates a user whose manager is unknown, and sets the manager once it names one that exists", async () => {
    // Before: a user whose manager was not in Genesys waited for it for 8 attempts, then failed.
    const reportId = await push("report@example.com", { [ENTERPRISE]: { manager: { value: "no-such-user" } } });
    await waitUntil(async () => (await syncState(reportId)).state === "synced", "the report synced without a manager");
    expect(fakeUsers("report@example.com")[0]!.managerId).toBeUndefined();
    const bossId = await push("boss@example.com");
    const patched = await scim.patch(`/Users/${reportId}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", path: `${ENTERPRISE}:manager`, value: { value: bossId } }],
    });
    expect(patched.status).toBe(204);
    await waitUntil(() => allSynced(ts.store), "report and manager to converge");
    expect(fakeUsers("report@example.com")[0]!.managerId).toBe(fakeUsers("boss@example.com")[0]!.id);
  });

  it("re-queues a manager's reports when the manager gets its Genesys id", async () => {
    const lift = fake.faults.rejectUser("late-boss@example.com", 503, "unavailable");
    const bossId = await push("late-boss@example.com");
    const reportId = await push("late-report@example.com", { [ENTERPRISE]: { manager: { value: bossId } } });
    await waitUntil(async () => fakeUsers("late-report@example.com")[0], "the report created while its manager cannot be");
    // created, and pending: what was asked (a manager) is not there yet
    await waitUntil(async () => (await syncState(reportId)).targetId === fakeUsers("late-report@example.com")[0]?.id, "the report linked");
    expect((await syncState(reportId)).state).toBe("pending");
    expect(fakeUsers("late-report@example.com")[0]!.managerId).toBeUndefined();
    lift();
    await waitUntil(
      async () => fakeUsers("late-report@example.com")[0]?.managerId === fakeUsers("late-boss@example.com")[0]?.id,
      "the manager set",
    );
    await waitUntil(() => allSynced(ts.store), "all converged");
  });

  it("clears the manager when the manager is deleted: a deleted manager never blocks the report", async () => {
    const bossId = await push("gone-boss@example.com");
    const reportId = await push("orphan@example.com", { [ENTERPRISE]: { manager: { value: bossId } } });
    await waitUntil(async () => {
      const r = fakeUsers("orphan@example.com")[0];
      return r?.managerId !== undefined && r.managerId === fakeUsers("gone-boss@example.com")[0]?.id;
    }, "the manager set");
    expect((await scim.delete(`/Users/${bossId}`)).status).toBe(204);
    await scim.patch(`/Users/${reportId}`, {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
      Operations: [{ op: "replace", path: "title", value: "Still here" }],
    });
    await waitUntil(() => allSynced(ts.store), "all converged");
    expect(fakeUsers("orphan@example.com")[0]).toMatchObject({ title: "Still here" });
    expect(fakeUsers("orphan@example.com")[0]!.managerId ?? null).toBeNull();
  });

  it("keeps retrying through an outage longer than the old eight attempts, and converges when it ends", async () => {
    // Before: after eight attempts (about two minutes) the user was failed for good and the sweep skipped it.
    const lift = fake.faults.rejectUser("outage@example.com", 503, "The service is currently unavailable.");
    const id = await push("outage@example.com");
    await waitUntil(
      async () => fake.countCalls("POST", "/api/v2/users", (c) => (c.body as { email?: string }).email === "outage@example.com") >= 10,
      "ten failed attempts",
      180_000,
    );
    expect((await syncState(id)).state).toBe("pending");
    expect((await request(t.app).get("/admin/v1/sync/status").set(admin)).body.users.failed).toBe(0);
    lift();
    await waitUntil(() => allSynced(ts.store), "the user to converge after the outage");
    expect(fakeUsers("outage@example.com")).toHaveLength(1);
  });

  it("treats 408 and a rate-limited login as transient", async () => {
    // Before: a 408 failed the user at once, and a 429 from the login was "refused credentials", permanent.
    fake.faults.requestTimeouts(2);
    const a = await push("timeout@example.com");
    await waitUntil(() => allSynced(ts.store), "the 408s to pass");
    // Genesys's own form of a rate-limited login: 400 invalid_request "rate limit exceeded"
    fake.faults.loginRateLimit(2);
    fake.revokeTokens();
    const b = await push("login-limited@example.com");
    await waitUntil(() => allSynced(ts.store), "the rate-limited logins to pass");
    fake.faults.loginRateLimit(1, { status: 429, retryAfterSeconds: 1 });
    fake.revokeTokens();
    const c = await push("login-429@example.com");
    await waitUntil(() => allSynced(ts.store), "the 429 login to pass");
    for (const id of [a, b, c]) expect((await syncState(id)).state).toBe("synced");
  });
});

describe("Genesys login failures say where and why", () => {
  it("names the login URL and the connection error when the login is unreachable (transient)", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const target = new GenesysTarget({
      loginUrl: `http://127.0.0.1:${port}`,
      apiUrl: `http://127.0.0.1:${port}`,
      clientId: "c",
      clientSecret: "s",
    });
    const err = (await target.getUser({ resourceType: "User", resourceId: "x" }, "x").catch((e: unknown) => e)) as TargetError;
    expect(err).toBeInstanceOf(TargetError);
    expect(err.kind).toBe("transient");
    expect(err.message).toContain(`http://127.0.0.1:${port}/oauth/token`);
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it("names the login URL and Genesys's answer when the credentials are refused (permanent), never the secret", async () => {
    const fake = await startFakeGenesys();
    try {
      const opts = fake.targetOptions();
      const target = new GenesysTarget({ ...opts, clientSecret: "wrong-secret-value" });
      const err = (await target.getUser({ resourceType: "User", resourceId: "x" }, "x").catch((e: unknown) => e)) as TargetError;
      expect(err.kind).toBe("permanent");
      expect(err.message).toContain(`${opts.loginUrl}/oauth/token`);
      expect(err.message).toMatch(/refused the bridge's client credentials: 40[01]/);
      expect(err.message).not.toContain("wrong-secret-value");
    } finally {
      await fake.close();
    }
  });
});
