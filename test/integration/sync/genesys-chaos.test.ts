import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { RedisPacer } from "../../../src/sync/targets/pacer.js";
import { ENTERPRISE, GROUP_SCHEMA, USER_SCHEMA, patchOp } from "../../helpers/scim.js";
import { REDIS_URL, allSynced, waitUntil } from "../../helpers/sync.js";
import { startGenesysHarness, type GenesysHarness } from "../../helpers/genesys-harness.js";
import type { FakeGenesys, FakeGroupRecord, FakeUserRecord } from "../../fakes/genesys/index.js";
import { seededRandom } from "../../fakes/genesys/faults.js";
import type { Store } from "../../../src/store/store.js";

/** The search index lags writes by 20 s (fake clock). */
const SEARCH_LAG_MS = 20_000;
/** The total outage: every API and login call answers 503 for this long. */
const OUTAGE_MS = 90_000;
/** How many of the first user creates lose their answers (carried out, never answered). */
const LOST_CREATES = 4;
/**
 * The share of API calls answering 503, drawn from a seeded generator: this seed's 4th and 15th draws
 * fall under 2 %, so any run that makes 15 calls outside the outage meets at least two.
 */
const ERROR_RATE = 0.02;
const SEED = 0x5c1a_2026;

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);
const pad = (i: number) => String(i).padStart(2, "0");
const email = (name: string) => `chaos-${name}@example.com`;

/**
 * Everything at once, as the issue puts it: the first creates lose their answers, search lags 20 s,
 * 2 % of calls answer 503, a 90-second total outage, the rate limit enforced; 40 users (some with
 * managers created later, some deactivated, some deleted) and groups (one renamed, one deleted): every
 * resource converges, none failed, no duplicate Genesys user, owners untouched. Runs once, on
 * PostgreSQL (jest.config.js keeps it out of the pglite project).
 */
describe("sync to Genesys Cloud through chaos (fake)", () => {
  const prefix = `t${randomBytes(5).toString("hex")}`;
  let redis: Redis | undefined;
  let harness: GenesysHarness | undefined;
  let store: Store;
  let fake: FakeGenesys;
  let scim: GenesysHarness["scim"];
  /** A group that predates the bridge, with an owner the bridge must never touch. */
  let support: FakeGroupRecord;
  let owner: FakeUserRecord;
  let ownerVersion: number;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    // the paced target: every worker shares one budget under the fake's enforced 300 calls a minute
    const pacer = new RedisPacer(redis, { perMinute: 300, budget: `chaos-${randomBytes(4).toString("hex")}`, prefix });
    harness = await startGenesysHarness({
      fake: { searchLagMs: SEARCH_LAG_MS, enforceRateLimit: true, rateLimitPerMinute: 300 },
      target: { pacer },
      sync: { prefix, concurrency: 4 },
    });
    ({ store, fake, scim } = harness);
    // the division sync at worker start goes first: the faults are for user and group calls
    await waitUntil(
      async () => fake.countCalls("GET", /^\/api\/v2\/authorization\/divisions/, (c) => c.status === 200) > 0,
      "the division sync",
    );
    owner = fake.state.createUser({ name: "Support Owner", email: "support-owner@example.com", state: "active" });
    support = fake.state.groups.create({ name: "Chaos Support", type: "official", visibility: "public", rulesVisible: true });
    fake.addOwner(support.id, owner.id);
    ownerVersion = owner.version;
    // the group is older than the index's lag: searchable by name, as a group made long ago is
    fake.advanceTime(SEARCH_LAG_MS / 1000 + 1);
    expect(fake.state.groups.search({ query: [{ type: "EXACT", fields: ["name"], value: "Chaos Support" }] })).toHaveLength(1);
  });

  afterAll(async () => {
    await harness?.close();
    redis?.disconnect();
  });

  const fakeUsers = (address: string) => [...fake.state.users.values()].filter((u) => u.email.toLowerCase() === address.toLowerCase());
  const fakeUser = (address: string) => {
    const [u, ...more] = fakeUsers(address);
    expect(more).toEqual([]);
    expect(u).toBeDefined();
    return u!;
  };
  const syncRow = async (type: "User" | "Group", id: string) =>
    (
      await store.query<{ state: string; target_id: string | null; deleted: boolean; last_error: string | null }>(
        "select state, target_id, deleted, last_error from sync_state where resource_type = $1 and resource_id = $2",
        [type, id],
      )
    )[0];
  const synced = async (type: "User" | "Group", id: string) => {
    const r = await syncRow(type, id);
    return r?.state === "synced" && r.target_id !== null;
  };
  const push = async (name: string, extra: Record<string, unknown> = {}) => {
    const r = await scim.post("/Users", { schemas: [USER_SCHEMA], userName: email(name), displayName: name, ...extra });
    expect(r.status).toBe(201);
    return r.body.id as string;
  };
  const pushGroup = async (displayName: string, members: string[]) => {
    const r = await scim.post("/Groups", { schemas: [GROUP_SCHEMA], displayName, members: members.map((value) => ({ value })) });
    expect(r.status).toBe(201);
    return r.body.id as string;
  };
  const patch = async (path: string, ...ops: Array<Record<string, unknown>>) => {
    const r = await scim.patch(path, patchOp(...ops));
    expect([200, 204]).toContain(r.status);
  };
  const failedRows = () =>
    store.query<{ resource_type: string; resource_id: string; last_error: string | null }>(
      "select resource_type, resource_id, last_error from sync_state where state = 'failed'",
    );
  /** Converged; a resource failed for good stops the wait at once, with its error. */
  const converged = async () => {
    const failed = await failedRows();
    if (failed.length) throw new Error(`resources failed for good: ${JSON.stringify(failed)}`);
    return allSynced(store);
  };

  it(
    "every resource converges, none failed, no duplicate Genesys user, owners untouched",
    async () => {
      const started = Date.now();
      fake.clearCalls();
      fake.faults.loseUserCreateAnswers(LOST_CREATES);
      fake.faults.randomServerErrors(ERROR_RATE, seededRandom(SEED));

      // ---- before the outage: 26 users, three groups ----
      const reports = range(8).map((i) => `report-${i}`);
      const plain = range(20).map((i) => `user-${pad(i)}`);
      const inactive = range(3).map((i) => `inactive-${i}`);
      const deactivated = range(2).map((i) => `deactivated-${i}`);
      const deletedEarly = range(2).map((i) => `deleted-early-${i}`); // deleted before they sync
      const deletedLate = range(3).map((i) => `deleted-late-${i}`); // deleted once they synced
      const bosses = ["boss-a", "boss-b"];
      const ids = new Map<string, string>();
      for (const n of reports) ids.set(n, await push(n)); // their managers come later
      for (const n of plain.slice(0, 10)) ids.set(n, await push(n));
      for (const n of inactive) ids.set(n, await push(n, { active: false }));
      for (const n of [...deactivated, ...deletedLate]) ids.set(n, await push(n));
      const id = (n: string) => ids.get(n)!;

      const supportMembers = ["user-00", "user-01", "user-02", "user-03", "user-04", "report-0", "inactive-0", "deactivated-0"];
      const salesMembers = ["user-05", "user-06", "user-07", "user-08", "user-09", "report-1", "report-2"];
      const tempMembers = ["user-00", "user-05", "report-3"];
      const supportId = await pushGroup("Chaos Support", supportMembers.map(id)); // adopted by name
      const salesId = await pushGroup("Chaos Sales", salesMembers.map(id)); // renamed later
      const tempId = await pushGroup("Chaos Temp", tempMembers.map(id)); // deleted later

      // ---- a 90-second total outage, once ten users are in ----
      await waitUntil(
        async () =>
          Number(
            (
              await store.query<{ n: number }>(
                "select count(*) as n from sync_state where resource_type = 'User' and state = 'synced' and target_id is not null",
              )
            )[0]?.n,
          ) >= 10,
        "ten users synced",
      );
      fake.faults.outage(OUTAGE_MS);
      // on the fake's clock (Date.now moved on by the advance above), as the calls' times are
      const outageEnds = fake.faults.outageEndsAt!;
      const outageStart = outageEnds - OUTAGE_MS;

      // during it: the managers arrive after their reports and the reports name them; ten more users;
      // two users made and deleted; a group renamed
      for (const n of bosses) ids.set(n, await push(n));
      for (const [i, n] of reports.entries())
        await patch(`/Users/${id(n)}`, { op: "replace", path: `${ENTERPRISE}:manager`, value: { value: id(bosses[i % 2]!) } });
      for (const n of plain.slice(10)) ids.set(n, await push(n));
      for (const n of deletedEarly) {
        ids.set(n, await push(n));
        expect((await scim.delete(`/Users/${id(n)}`)).status).toBe(204);
      }
      await patch(`/Groups/${salesId}`, { op: "replace", path: "displayName", value: "Chaos Revenue" });
      // all of that while nothing reached Genesys: the users deleted early were never created
      expect(fake.faults.outageActive).toBe(true);
      expect(ids.size).toBe(40);

      // ---- later: deletions of synced users, deactivations, a member removed, a group deleted ----
      for (const n of deletedLate) {
        await waitUntil(() => synced("User", id(n)), `${n} synced`, 300_000);
        expect((await scim.delete(`/Users/${id(n)}`)).status).toBe(204);
      }
      for (const n of deactivated) {
        await waitUntil(() => synced("User", id(n)), `${n} synced`, 300_000);
        await patch(`/Users/${id(n)}`, { op: "replace", path: "active", value: false });
      }
      await patch(`/Groups/${supportId}`, { op: "remove", path: `members[value eq "${id("user-04")}"]` });
      await waitUntil(() => synced("Group", tempId), "Chaos Temp synced", 300_000);
      expect((await scim.delete(`/Groups/${tempId}`)).status).toBe(204);

      await waitUntil(converged, "every resource to converge", 8 * 60_000);
      await fake.memberChangesApplied();
      const seconds = Math.round((Date.now() - started) / 1000);

      // ---- none failed ----
      expect(await failedRows()).toEqual([]);

      // ---- one Genesys user per e-mail, linked to its SCIM user; created once ----
      const live = [...reports, ...plain, ...inactive, ...deactivated, ...bosses];
      const createdOk = (address: string) =>
        fake.countCalls("POST", "/api/v2/users", (c) => c.status === 200 && (c.body as { email?: string }).email === address);
      for (const n of [...live, ...deletedLate]) {
        const u = fakeUser(email(n));
        expect(createdOk(email(n))).toBe(1);
        if (live.includes(n)) expect((await syncRow("User", id(n)))?.target_id).toBe(u.id);
      }
      const chaosUsers = [...fake.state.users.values()].filter((u) => u.email.startsWith("chaos-"));
      expect(chaosUsers).toHaveLength(live.length + deletedLate.length);
      expect(new Set(chaosUsers.map((u) => u.email.toLowerCase())).size).toBe(chaosUsers.length);

      // ---- states: inactive, deactivated, deleted, never created ----
      for (const n of [...inactive, ...deactivated]) expect(fakeUser(email(n)).state).toBe("inactive");
      for (const n of [...reports, ...plain, ...bosses]) expect(fakeUser(email(n)).state).toBe("active");
      for (const n of deletedLate) expect(fakeUser(email(n)).state).toBe("deleted");
      for (const n of deletedEarly) {
        expect(fakeUsers(email(n))).toEqual([]);
        expect(createdOk(email(n))).toBe(0);
      }

      // ---- managers created after their reports are set on them ----
      for (const [i, n] of reports.entries()) expect(fakeUser(email(n)).managerId).toBe(fakeUser(email(bosses[i % 2]!)).id);

      // ---- groups: adopted, renamed, deleted ----
      const targetIds = (names: string[]) => names.map((n) => fakeUser(email(n)).id).sort();
      const supportAfter = fake.state.groups.get(support.id);
      expect((await syncRow("Group", supportId))?.target_id).toBe(support.id);
      expect(supportAfter.state).toBe("active");
      expect([...supportAfter.individualIds].sort()).toEqual(targetIds(supportMembers.filter((n) => n !== "user-04")));
      const revenueId = (await syncRow("Group", salesId))!.target_id!;
      const revenue = fake.state.groups.get(revenueId);
      expect(revenue).toMatchObject({ name: "Chaos Revenue", state: "active" });
      expect([...revenue.individualIds].sort()).toEqual(targetIds(salesMembers));
      const temp = [...fake.state.groups.records.values()].filter((g) => g.name === "Chaos Temp");
      expect(temp.map((g) => g.state)).toEqual(["deleted"]);
      const liveGroups = fake.state.groups.list().map((g) => g.name);
      expect(liveGroups.sort()).toEqual(["Chaos Revenue", "Chaos Support"]);

      // ---- owners untouched ----
      expect(supportAfter.ownerIds).toEqual([owner.id]);
      expect(fake.memberRemovalAttempts).toEqual([]);
      expect(fake.state.users.get(owner.id)).toMatchObject({ state: "active", version: ownerVersion });
      expect(fake.calls.filter((c) => c.path.includes(owner.id))).toEqual([]);

      // ---- the faults happened ----
      const status = (s: number) => fake.calls.filter((c) => c.status === s).length;
      const lost = fake.calls.filter((c) => c.lost).length;
      // (a call is timed as it is answered: the last milliseconds of the outage are left out)
      const inOutage = fake.calls.filter((c) => c.at >= outageStart && c.at < outageEnds - 100);
      // the busiest minute of API calls (any 60 s of the fake's clock): how close the pacer ran to the limit
      const apiTimes = fake.calls.filter((c) => c.path.startsWith("/api/v2/")).map((c) => c.at);
      let busiestMinute = 0;
      for (let i = 0, j = 0; i < apiTimes.length; i++) {
        while (apiTimes[i]! - apiTimes[j]! >= 60_000) j++;
        busiestMinute = Math.max(busiestMinute, i - j + 1);
      }
      const counts = {
        seconds,
        calls: fake.calls.length,
        lostAnswers: lost,
        createConflicts: fake.countCalls("POST", "/api/v2/users", (c) => c.status === 409),
        randomServerErrors: fake.faults.counts.randomServerErrors,
        outage503s: fake.faults.counts.outage,
        callsDuringOutage: inOutage.length,
        status503: status(503),
        status429: status(429),
        busiestMinute,
      };
      console.log(`genesys chaos: ${JSON.stringify(counts)}`);
      expect(lost).toBe(LOST_CREATES);
      // a lost create is found again once the lagging search sees it: its retry met the e-mail taken
      expect(counts.createConflicts).toBeGreaterThanOrEqual(LOST_CREATES);
      expect(counts.randomServerErrors).toBeGreaterThan(0);
      expect(counts.outage503s).toBeGreaterThan(0);
      expect(inOutage.length).toBeGreaterThan(0);
      expect(inOutage.length).toBeLessThanOrEqual(counts.outage503s);
      expect(inOutage.every((c) => c.status === 503)).toBe(true);
      expect(counts.status503).toBe(counts.randomServerErrors + counts.outage503s);
      expect(fake.faults.outageActive).toBe(false);
      // the paced target stays under the enforced limit (0 in every run so far, its busiest minute near
      // 295 calls: the retries of the outage spend the whole budget; a few are allowed for arrival jitter)
      expect(counts.status429).toBeLessThanOrEqual(3);
    },
    10 * 60_000,
  );
});
