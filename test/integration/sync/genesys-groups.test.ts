import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import type { TestStore } from "../../helpers/store.js";
import { GROUP_SCHEMA, PATCH_OP, USER_SCHEMA } from "../../helpers/scim.js";
import { allSynced, waitUntil } from "../../helpers/sync.js";
import { startGenesysHarness, type GenesysHarness } from "../../helpers/genesys-harness.js";
import type { FakeGenesys } from "../../fakes/genesys/index.js";

/**
 * Groups as Genesys really keeps them: owners and rule-based members beside the individuals, member
 * changes applied after a 202, groups found through the lagging search, deleted groups that still
 * answer with state "deleted".
 */
describe("group sync against Genesys's real group semantics (fake)", () => {
  let ts: TestStore;
  let fake: FakeGenesys;
  let scim: GenesysHarness["scim"];
  let harness: GenesysHarness | undefined;

  beforeAll(async () => {
    harness = await startGenesysHarness({ fake: { searchLagMs: 1_000 }, sync: { concurrency: 4 } });
    ({ ts, fake, scim } = harness);
  });
  afterAll(() => harness?.close());

  const userId = (email: string) => [...fake.state.users.values()].find((u) => u.email === email)?.id;
  const groupNamed = (name: string) => [...fake.state.groups.records.values()].find((g) => g.name === name && g.state !== "deleted");
  const pushUser = async (userName: string) =>
    (await scim.post("/Users", { schemas: [USER_SCHEMA], userName, displayName: userName.split("@")[0] })).body.id as string;
  const settled = async () => {
    await waitUntil(() => allSynced(ts.store), "the sync to converge");
    await fake.memberChangesApplied();
  };

  it("reads members from /individuals and leaves owners and rule-based members alone", async () => {
    // Before: /members listed owners and rule-based members too, and the bridge tried to remove them.
    const [a, b] = [await pushUser("ind-a@example.com"), await pushUser("ind-b@example.com")];
    const group = await scim.post("/Groups", { schemas: [GROUP_SCHEMA], displayName: "Support", members: [{ value: a }, { value: b }] });
    expect(group.status).toBe(201);
    await settled();
    const g = groupNamed("Support")!;
    expect([...g.individualIds].sort()).toEqual([userId("ind-a@example.com"), userId("ind-b@example.com")].sort());

    const owner = await pushUser("owner@example.com");
    const ruled = await pushUser("ruled@example.com");
    await settled();
    fake.addOwner(g.id, userId("owner@example.com")!);
    fake.addDynamicMember(g.id, userId("ruled@example.com")!);
    expect([owner, ruled]).toHaveLength(2);
    // a change that makes the bridge reconcile the membership again
    expect(
      (
        await scim.patch(`/Groups/${group.body.id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: "remove", path: `members[value eq "${b}"]` }],
        })
      ).status,
    ).toBe(204);
    await settled();
    expect([...groupNamed("Support")!.individualIds]).toEqual([userId("ind-a@example.com")]);
    expect(fake.memberRemovalAttempts).toEqual([]);
    expect(fake.countCalls("GET", /\/api\/v2\/groups\/[^/]+\/individuals(\?|$)/)).toBeGreaterThan(0);
    expect(fake.countCalls("GET", /\/api\/v2\/groups\/[^/]+\/members/)).toBe(0);
  });

  it("finds a group by name through the group search, and makes again a group deleted in Genesys", async () => {
    // Before: every page of /api/v2/groups was listed; a deleted group (answering state "deleted") was written to.
    const a = await pushUser("phoenix-member@example.com");
    const group = await scim.post("/Groups", { schemas: [GROUP_SCHEMA], displayName: "Phoenix Team", members: [{ value: a }] });
    await settled();
    expect(fake.countCalls("POST", "/api/v2/groups/search")).toBeGreaterThan(0);
    expect(fake.countCalls("GET", /^\/api\/v2\/groups\?/)).toBe(0);
    const first = groupNamed("Phoenix Team")!;
    fake.state.groups.delete(first.id); // someone deletes it in Genesys
    const b = await pushUser("phoenix-second@example.com");
    expect(
      (
        await scim.patch(`/Groups/${group.body.id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: "add", path: "members", value: [{ value: b }] }],
        })
      ).status,
    ).toBe(204);
    await settled();
    const again = groupNamed("Phoenix Team")!;
    expect(again.id).not.toBe(first.id);
    expect([...again.individualIds].sort()).toEqual([userId("phoenix-member@example.com"), userId("phoenix-second@example.com")].sort());
  });

  it("renames the Genesys group when the SCIM group is renamed (same group, new name)", async () => {
    // Before: a renamed group kept its old name in Genesys.
    const a = await pushUser("rename-member@example.com");
    const group = await scim.post("/Groups", { schemas: [GROUP_SCHEMA], displayName: "Ops", members: [{ value: a }] });
    await settled();
    const before = groupNamed("Ops")!;
    const renamed = await scim.patch(`/Groups/${group.body.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "replace", path: "displayName", value: "Operations" }],
    });
    expect(renamed.status).toBe(204);
    await settled();
    expect(groupNamed("Ops")).toBeUndefined();
    expect(groupNamed("Operations")!.id).toBe(before.id);
    expect(fake.countCalls("PUT", `/api/v2/groups/${before.id}`, (c) => c.status === 200)).toBe(1);
  });

  it("deletes a group it created; from a group it adopted by name removes only the members it manages", async () => {
    // Before: a SCIM group delete was never sent; the Genesys group kept its members for ever.
    const a = await pushUser("made-member@example.com");
    const made = await scim.post("/Groups", { schemas: [GROUP_SCHEMA], displayName: "Made Here", members: [{ value: a }] });
    await settled();
    const madeId = groupNamed("Made Here")!.id;

    // a group that predates the bridge, with an owner; adopted by name, its individuals follow SCIM
    const legacy = fake.state.groups.create({ name: "Legacy", type: "official", visibility: "public", rulesVisible: true });
    const outsider = fake.state.createUser({ name: "Outsider", email: "outsider@example.com", state: "active" });
    fake.addOwner(legacy.id, outsider.id);
    const b = await pushUser("adopted-member@example.com");
    await settled();
    await waitUntil(
      async () => fake.state.groups.search({ query: [{ type: "EXACT", fields: ["name"], value: "Legacy" }] }).length > 0,
      "the search to see Legacy",
    );
    const adopted = await scim.post("/Groups", { schemas: [GROUP_SCHEMA], displayName: "Legacy", members: [{ value: b }] });
    await settled();
    expect([...fake.state.groups.get(legacy.id).individualIds]).toEqual([userId("adopted-member@example.com")]);
    // someone adds a member in Genesys by hand, not through SCIM
    fake.state.groups.addMembers(legacy.id, { memberIds: [outsider.id], version: fake.state.groups.get(legacy.id).version }, 50);
    await fake.memberChangesApplied();

    expect((await scim.delete(`/Groups/${made.body.id}`)).status).toBe(204);
    expect((await scim.delete(`/Groups/${adopted.body.id}`)).status).toBe(204);
    await settled();
    expect(fake.state.groups.get(madeId).state).toBe("deleted");
    const kept = fake.state.groups.get(legacy.id);
    expect(kept.state).toBe("active");
    expect([...kept.individualIds]).toEqual([outsider.id]);
    expect([...kept.ownerIds]).toEqual([outsider.id]);
  });
});
