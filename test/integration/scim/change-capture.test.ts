import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { openTestStore, type TestStore } from "../../helpers/store.js";
import { buildTestApp, system, type TestApp } from "../../helpers/app.js";
import { ENTERPRISE, GROUP_SCHEMA, USER_SCHEMA, patchOp, scimAgent } from "../../helpers/scim.js";
import { createDivision, homeDivisionId } from "../../../src/authz/divisions.js";
import type { Queryable, Store } from "../../../src/store/store.js";

type Agent = Awaited<ReturnType<typeof scimAgent>>;

interface OutboxRow {
  resource_type: string;
  resource_id: string;
  version: number;
  op: string;
}

function user(userName: string, division?: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = { schemas: [USER_SCHEMA], userName, displayName: `Name of ${userName}`, active: true, ...extra };
  if (division === undefined) return base;
  return { ...base, schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { division } };
}

function group(displayName: string, members: string[] = []): Record<string, unknown> {
  return { schemas: [GROUP_SCHEMA], displayName, members: members.map((value) => ({ value })) };
}

/** The SCIM tables' full contents. */
async function snapshot(store: Store): Promise<string> {
  const tables = ["scim_users", "scim_groups", "scim_group_members", "outbox", "scim_counts"];
  const out: Record<string, unknown> = {};
  for (const t of tables) out[t] = await store.query(`select * from ${t} order by 1, 2`);
  return JSON.stringify(out);
}

/** scim_counts, without zero rows, against count(*) per resource type and division. */
async function countsAgainstTables(store: Store): Promise<{ kept: unknown[]; actual: unknown[] }> {
  const kept = await store.query("select resource_type, division_id, n from scim_counts where n <> 0 order by 1, 2");
  const actual = await store.query(
    `select * from (
       select 'User' as resource_type, division_id, count(*)::int as n from scim_users group by division_id
       union all
       select 'Group' as resource_type, '' as division_id, count(*)::int as n from scim_groups having count(*) > 0
     ) x order by 1, 2`,
  );
  return { kept, actual };
}

/**
 * The same store, except that inserting into the outbox fails while `failOutbox` is set: a write whose
 * outbox row cannot be written must leave no trace, which holds only if both are in one transaction.
 */
function outboxFailingStore(store: Store): Store & { failOutbox: boolean } {
  const failing = (q: Queryable, self: { failOutbox: boolean }): Queryable => ({
    query: <T extends object>(sql: string, params?: readonly unknown[]) => {
      if (self.failOutbox && /insert\s+into\s+outbox/i.test(sql)) return Promise.reject(new Error("injected outbox failure"));
      return q.query<T>(sql, params);
    },
  });
  const proxy: Store & { failOutbox: boolean } = {
    failOutbox: false,
    kind: store.kind,
    query: <T extends object>(sql: string, params?: readonly unknown[]) => failing(store, proxy).query<T>(sql, params),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) => store.transaction((tx) => fn(failing(tx, proxy))),
    exec: (sql: string) => store.exec(sql),
    ping: () => store.ping(),
    close: () => store.close(),
  };
  return proxy;
}

describe("change capture: one outbox row per accepted write, in the write's transaction; counts kept exact", () => {
  let ts: TestStore;
  let t: TestApp;
  let scim: Agent;
  let onlyA: Agent;
  let mark = 0;

  /** The outbox rows written since the last call. */
  async function newOutboxRows(): Promise<OutboxRow[]> {
    const rows = await ts.store.query<OutboxRow & { id: string | number }>(
      "select id, resource_type, resource_id, version, op from outbox where id > $1 order by id",
      [mark],
    );
    if (rows.length) mark = Number(rows[rows.length - 1]!.id);
    return rows.map(({ resource_type, resource_id, version, op }) => ({ resource_type, resource_id, version, op }));
  }

  async function expectCountsExact(): Promise<void> {
    const { kept, actual } = await countsAgainstTables(ts.store);
    expect(kept).toEqual(actual);
    expect(await ts.store.query("select * from scim_counts where n < 0")).toEqual([]);
  }

  beforeAll(async () => {
    ts = await openTestStore();
    t = buildTestApp(ts.store);
    await createDivision(ts.store, system, new Date(), { name: "A" });
    await createDivision(ts.store, system, new Date(), { name: "B" });
    const divA = (await ts.store.query<{ id: string }>("select id from divisions where name = 'A'"))[0]!.id;
    scim = await scimAgent(t.app, ts.store);
    onlyA = await scimAgent(t.app, ts.store, [divA]);
    await newOutboxRows();
  });
  afterAll(() => ts.close());

  describe("outbox", () => {
    let userId: string;
    let groupId: string;

    it("POST /Users adds one upsert row at version 1", async () => {
      const res = await scim.post("/Users", user("capture@example.com", "A"));
      expect(res.status).toBe(201);
      userId = res.body.id;
      expect(res.body.meta.version).toBe('W/"1"');
      expect(await newOutboxRows()).toEqual([{ resource_type: "User", resource_id: userId, version: 1, op: "upsert" }]);
    });

    it("PUT /Users adds one upsert row at the new version", async () => {
      const res = await scim.put(`/Users/${userId}`, user("capture@example.com", "A", { nickName: "put" }));
      expect(res.status).toBe(200);
      expect(res.body.meta.version).toBe('W/"2"');
      expect(await newOutboxRows()).toEqual([{ resource_type: "User", resource_id: userId, version: 2, op: "upsert" }]);
    });

    it("PATCH /Users adds one upsert row at the new version", async () => {
      const res = await scim.patch(
        `/Users/${userId}`,
        patchOp({ op: "replace", path: "displayName", value: "Patched" }, { op: "add", path: "title", value: "Agent" }),
      );
      expect(res.status).toBe(204);
      expect(await newOutboxRows()).toEqual([{ resource_type: "User", resource_id: userId, version: 3, op: "upsert" }]);
      expect((await scim.get(`/Users/${userId}`)).body.meta.version).toBe('W/"3"');
    });

    it("POST /Groups adds one upsert row at version 1 (whatever its members)", async () => {
      const res = await scim.post("/Groups", group("Capture Group", [userId]));
      expect(res.status).toBe(201);
      groupId = res.body.id;
      expect(await newOutboxRows()).toEqual([{ resource_type: "Group", resource_id: groupId, version: 1, op: "upsert" }]);
    });

    it("PATCH /Groups adds one upsert row at the new version, even with several operations", async () => {
      const other = await scim.post("/Users", user("capture.other@example.com"));
      expect(other.status).toBe(201);
      expect(await newOutboxRows()).toEqual([{ resource_type: "User", resource_id: other.body.id, version: 1, op: "upsert" }]);
      const res = await scim.patch(
        `/Groups/${groupId}`,
        patchOp(
          { op: "add", path: "members", value: [{ value: other.body.id }] },
          { op: "replace", path: "displayName", value: "Capture Group 2" },
          { op: "remove", path: `members[value eq "${userId}"]` },
        ),
      );
      expect(res.status).toBe(204);
      expect(await newOutboxRows()).toEqual([{ resource_type: "Group", resource_id: groupId, version: 2, op: "upsert" }]);
      const got = await scim.get(`/Groups/${groupId}`);
      expect(got.body.meta.version).toBe('W/"2"');
      expect(got.body.members.map((m: { value: string }) => m.value)).toEqual([other.body.id]);
    });

    it("PUT /Groups adds one upsert row at the new version", async () => {
      const res = await scim.put(`/Groups/${groupId}`, group("Capture Group 3", [userId]));
      expect(res.status).toBe(200);
      expect(res.body.meta.version).toBe('W/"3"');
      expect(await newOutboxRows()).toEqual([{ resource_type: "Group", resource_id: groupId, version: 3, op: "upsert" }]);
    });

    it("refused writes add no row", async () => {
      const before = await snapshot(ts.store);
      const refusals: Array<[number, () => PromiseLike<{ status: number }>]> = [
        [409, () => scim.post("/Users", user("CAPTURE@example.com"))],
        [409, () => scim.post("/Groups", group("capture group 3"))],
        [412, () => scim.put(`/Users/${userId}`, user("capture@example.com", "A")).set("if-match", 'W/"1"')],
        [412, () => scim.patch(`/Groups/${groupId}`, patchOp({ op: "replace", path: "displayName", value: "X" })).set("if-match", 'W/"1"')],
        [412, () => scim.delete(`/Users/${userId}`).set("if-match", 'W/"2"')],
        [400, () => scim.post("/Users", user("atlantis@example.com", "Atlantis"))],
        [400, () => scim.patch(`/Users/${userId}`, patchOp({ op: "replace", path: "favoriteColor", value: "blue" }))],
        [
          400,
          () =>
            scim.patch(
              `/Groups/${groupId}`,
              patchOp({ op: "add", path: "members", value: [{ value: userId }] }, { op: "replace", path: "owner", value: "x" }),
            ),
        ],
        [403, () => onlyA.post("/Users", user("in.b@example.com", "B"))],
        [403, () => onlyA.patch(`/Users/${userId}`, patchOp({ op: "replace", path: `${ENTERPRISE}:division`, value: "B" }))],
        [404, () => scim.delete("/Users/no-such-user")],
        [404, () => scim.patch("/Groups/no-such-group", patchOp({ op: "replace", path: "displayName", value: "X" }))],
      ];
      for (const [status, send] of refusals) expect((await send()).status).toBe(status);
      expect(await newOutboxRows()).toEqual([]);
      expect(await snapshot(ts.store)).toBe(before);
    });

    it("DELETE adds one delete row at the version after the last (group, then user)", async () => {
      const g = await scim.delete(`/Groups/${groupId}`);
      expect(g.status).toBe(204);
      expect(await newOutboxRows()).toEqual([{ resource_type: "Group", resource_id: groupId, version: 4, op: "delete" }]);
      const u = await scim.delete(`/Users/${userId}`);
      expect(u.status).toBe(204);
      expect(await newOutboxRows()).toEqual([{ resource_type: "User", resource_id: userId, version: 4, op: "delete" }]);
      expect((await scim.get(`/Users/${userId}`)).status).toBe(404);
    });

    it("a write whose outbox row fails leaves nothing behind: resource and outbox share one transaction", async () => {
      const proxy = outboxFailingStore(ts.store);
      const pt = buildTestApp(proxy);
      const agent = await scimAgent(pt.app, proxy);
      const u = await agent.post("/Users", user("tx.user@example.com"));
      expect(u.status).toBe(201);
      const g = await agent.post("/Groups", group("Tx Group", [u.body.id]));
      expect(g.status).toBe(201);
      await newOutboxRows();
      const before = await snapshot(ts.store);
      proxy.failOutbox = true;
      const writes: Array<[string, () => PromiseLike<{ status: number }>]> = [
        ["POST user", () => agent.post("/Users", user("tx.new@example.com", "B"))],
        ["PUT user", () => agent.put(`/Users/${u.body.id}`, user("tx.user@example.com", "A"))],
        ["PATCH user", () => agent.patch(`/Users/${u.body.id}`, patchOp({ op: "replace", path: "displayName", value: "Lost" }))],
        ["DELETE user", () => agent.delete(`/Users/${u.body.id}`)],
        ["POST group", () => agent.post("/Groups", group("Tx Group 2", [u.body.id]))],
        [
          "PATCH group",
          () =>
            agent.patch(
              `/Groups/${g.body.id}`,
              patchOp({ op: "remove", path: "members" }, { op: "replace", path: "displayName", value: "Lost" }),
            ),
        ],
        ["PUT group", () => agent.put(`/Groups/${g.body.id}`, group("Lost"))],
        ["DELETE group", () => agent.delete(`/Groups/${g.body.id}`)],
      ];
      try {
        for (const [what, send] of writes) {
          const res = await send();
          expect({ what, status: res.status }).toEqual({ what, status: 500 });
          expect(await snapshot(ts.store)).toBe(before);
        }
      } finally {
        proxy.failOutbox = false;
      }
      // and with the outbox working again, the same write goes through
      expect((await agent.patch(`/Users/${u.body.id}`, patchOp({ op: "replace", path: "displayName", value: "Kept" }))).status).toBe(204);
      expect(await newOutboxRows()).toEqual([{ resource_type: "User", resource_id: u.body.id, version: 2, op: "upsert" }]);
    });
  });

  describe("scim_counts", () => {
    it("equals count(*) per division after creates, moves and deletes; unfiltered totals agree", async () => {
      await expectCountsExact();
      const ids: Record<string, string> = {};
      for (const [name, division] of [
        ["count.a1", "A"],
        ["count.a2", "A"],
        ["count.b1", "B"],
        ["count.h1", undefined],
        ["count.h2", undefined],
      ] as const) {
        const res = await scim.post("/Users", user(`${name}@example.com`, division));
        expect(res.status).toBe(201);
        ids[name] = res.body.id;
        await expectCountsExact();
      }
      for (const name of ["count group 1", "count group 2"]) {
        expect((await scim.post("/Groups", group(name, [ids["count.a1"]!]))).status).toBe(201);
        await expectCountsExact();
      }

      const listTotal = async (agent: Agent) => (await agent.get("/Users?count=1")).body.totalResults as number;
      const [{ n: allUsers }] = (await ts.store.query<{ n: number }>("select count(*)::int as n from scim_users")) as [{ n: number }];
      const [{ n: aUsers }] = (await ts.store.query<{ n: number }>(
        "select count(*)::int as n from scim_users u join divisions d on d.id = u.division_id where d.name = 'A'",
      )) as [{ n: number }];
      expect(await listTotal(scim)).toBe(allUsers);
      expect(await listTotal(onlyA)).toBe(aUsers);

      // moves: PATCH, PUT, and PUT without a division (back home)
      expect(
        (await scim.patch(`/Users/${ids["count.a1"]}`, patchOp({ op: "replace", path: `${ENTERPRISE}:division`, value: "B" }))).status,
      ).toBe(204);
      await expectCountsExact();
      expect((await scim.put(`/Users/${ids["count.h1"]}`, user("count.h1@example.com", "A"))).status).toBe(200);
      await expectCountsExact();
      expect((await scim.put(`/Users/${ids["count.b1"]}`, user("count.b1@example.com"))).status).toBe(200);
      await expectCountsExact();
      // a write that keeps the division
      expect(
        (await scim.patch(`/Users/${ids["count.a2"]}`, patchOp({ op: "replace", path: "displayName", value: "same division" }))).status,
      ).toBe(204);
      await expectCountsExact();
      // a refused move changes nothing
      expect(
        (await onlyA.patch(`/Users/${ids["count.h1"]}`, patchOp({ op: "replace", path: `${ENTERPRISE}:division`, value: "B" }))).status,
      ).toBe(403);
      await expectCountsExact();

      expect(await listTotal(scim)).toBe(allUsers);
      const [{ n: aNow }] = (await ts.store.query<{ n: number }>(
        "select count(*)::int as n from scim_users u join divisions d on d.id = u.division_id where d.name = 'A'",
      )) as [{ n: number }];
      expect(await listTotal(onlyA)).toBe(aNow);

      // deletes
      for (const name of Object.keys(ids)) {
        expect((await scim.delete(`/Users/${ids[name]}`)).status).toBe(204);
        await expectCountsExact();
      }
      const groups = (await scim.get(`/Groups?filter=${encodeURIComponent('displayName sw "count group"')}`)).body.Resources as Array<{
        id: string;
      }>;
      expect(groups).toHaveLength(2);
      for (const g of groups) {
        expect((await scim.delete(`/Groups/${g.id}`)).status).toBe(204);
        await expectCountsExact();
      }
      expect(await listTotal(scim)).toBe(allUsers - 5);
      expect((await scim.get("/Groups?count=1")).body.totalResults).toBe((await ts.store.query("select 1 from scim_groups")).length);
    });
  });

  describe("a group of 5,000 members", () => {
    const N = 5000;
    let groupId: string;
    let newcomer: string;
    type Membership = { member_id: string; member_type: string; display: string | null };
    const members = async (): Promise<Membership[]> =>
      ts.store.query<Membership>("select member_id, member_type, display from scim_group_members where group_id = $1 order by member_id", [
        groupId,
      ]);

    beforeAll(async () => {
      const home = await homeDivisionId(ts.store);
      const now = new Date();
      // 5,000 users and their counts, then the memberships: one statement each, in one transaction
      await ts.store.transaction(async (tx) => {
        await tx.query(
          `insert into scim_users(id, user_name, user_name_lc, display_name, display_name_lc, active, division_id, version, resource, created_at, last_modified)
           select 'bulk-' || lpad(i::text, 5, '0'), 'bulk' || i || '@example.com', 'bulk' || i || '@example.com', 'Bulk ' || i, 'bulk ' || i, true, $1, 1,
                  jsonb_build_object('schemas', jsonb_build_array($2::text), 'userName', 'bulk' || i || '@example.com', 'displayName', 'Bulk ' || i, 'active', true), $3, $3
             from generate_series(1, ${N}) i`,
          [home, USER_SCHEMA, now],
        );
        await tx.query(
          "insert into scim_counts(resource_type, division_id, n) values ('User', $1, $2) on conflict (resource_type, division_id) do update set n = scim_counts.n + excluded.n",
          [home, N],
        );
      });
      const g = await scim.post("/Groups", group("Big Group"));
      expect(g.status).toBe(201);
      groupId = g.body.id;
      await ts.store.query(
        `insert into scim_group_members(group_id, member_id, member_type, display)
         select $1, 'bulk-' || lpad(i::text, 5, '0'), 'User', case when i % 2 = 0 then 'Label ' || i end from generate_series(1, ${N}) i`,
        [groupId],
      );
      const u = await scim.post("/Users", user("newcomer@example.com"));
      expect(u.status).toBe(201);
      newcomer = u.body.id;
      await newOutboxRows();
      await expectCountsExact();
    });

    it("takes a PATCH member add: exactly one member more, all others intact, one outbox row", async () => {
      const before = await members();
      expect(before).toHaveLength(N);
      const res = await scim.patch(
        `/Groups/${groupId}`,
        patchOp({ op: "add", path: "members", value: [{ value: newcomer, display: "Newcomer" }] }),
      );
      expect(res.status).toBe(204);
      const after = await members();
      expect(after).toHaveLength(N + 1);
      expect(after.filter((m) => m.member_id !== newcomer)).toEqual(before);
      expect(after.find((m) => m.member_id === newcomer)).toEqual({ member_id: newcomer, member_type: "User", display: "Newcomer" });
      expect(await newOutboxRows()).toEqual([{ resource_type: "Group", resource_id: groupId, version: 2, op: "upsert" }]);
    });

    it('takes a members[value eq "x"] remove: exactly one member less, all others intact, one outbox row', async () => {
      const before = await members();
      expect(before).toHaveLength(N + 1);
      const x = "bulk-02500";
      const res = await scim.patch(`/Groups/${groupId}`, patchOp({ op: "remove", path: `members[value eq "${x}"]` }));
      expect(res.status).toBe(204);
      const after = await members();
      expect(after).toHaveLength(N);
      expect(after).toEqual(before.filter((m) => m.member_id !== x));
      expect(await newOutboxRows()).toEqual([{ resource_type: "Group", resource_id: groupId, version: 3, op: "upsert" }]);
    });

    it("reads back with every member through SCIM", async () => {
      const res = await scim.get(`/Groups/${groupId}`);
      expect(res.status).toBe(200);
      expect(res.body.meta.version).toBe('W/"3"');
      const values = new Set((res.body.members as Array<{ value: string }>).map((m) => m.value));
      expect(values.size).toBe(N);
      expect(values.has(newcomer)).toBe(true);
      expect(values.has("bulk-02500")).toBe(false);
      expect(values.has("bulk-00001")).toBe(true);
      expect(values.has("bulk-05000")).toBe(true);
      await expectCountsExact();
    });
  });
});
