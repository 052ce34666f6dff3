import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { startGenesysHarness, type GenesysHarness } from "../../helpers/genesys-harness.js";
import { USER_SCHEMA } from "../../helpers/scim.js";
import { allSynced, waitUntil } from "../../helpers/sync.js";
import { verifySync } from "../../../src/sync/verify.js";
import { reassertSync } from "../../../src/sync/sync-operations.js";

const GENESYS_EXT = "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User";
const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";

/**
 * The drift check: what was changed in Genesys behind the bridge's back (by hand, by another tool) is
 * found by reading it back, and `--fix` sets it right; nothing is reported where nothing changed.
 */
describe("sync verify: drift between SCIM and Genesys", () => {
  let h: GenesysHarness;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    h = await startGenesysHarness({ fake: { searchLagMs: 0, rateLimitPerMinute: 100_000 } });
    h.fake.state.addSkill("Billing");
    for (const name of ["ann", "bob", "cat"]) {
      const r = await h.scim.post("/Users", {
        schemas: [USER_SCHEMA, GENESYS_EXT],
        userName: `${name}@example.com`,
        displayName: name,
        title: "Agent",
        [GENESYS_EXT]: { routingSkills: [{ name: "Billing", proficiency: 3 }] },
      });
      expect(r.status).toBe(201);
      ids[name] = r.body.id as string;
    }
    const g = await h.scim.post("/Groups", {
      schemas: [GROUP_SCHEMA],
      displayName: "Night Shift",
      members: [{ value: ids.ann }, { value: ids.bob }],
    });
    expect(g.status).toBe(201);
    ids.group = g.body.id as string;
    await waitUntil(() => allSynced(h.store), "everything synced");
    await h.fake.memberChangesApplied();
  });
  afterAll(() => h?.close());

  const deps = () => ({ db: h.store, target: h.target, clock: Date.now });
  const genesysId = (email: string) => [...h.fake.state.users.values()].find((u) => u.email === email)!.id;

  it("finds nothing when nothing changed", async () => {
    const result = await verifySync(deps());
    expect(result.checked).toEqual({ users: 3, groups: 1 });
    expect(result.drifted).toEqual([]);
    expect(result.errors).toEqual([]);
  });

  it("reports edits made in Genesys, and --fix sets them right", async () => {
    const ann = h.fake.state.users.get(genesysId("ann@example.com"))!;
    h.fake.state.updateUser(ann.id, { version: ann.version, title: "Changed by hand" });
    h.fake.state.deleteUser(genesysId("bob@example.com"));
    const cat = genesysId("cat@example.com");
    const billing = h.fake.state.userSkills(cat)[0]!;
    h.fake.state.routing.removeOne("skill", cat, billing.id);
    const group = [...h.fake.state.groups.records.values()].find((g) => g.name === "Night Shift")!;
    h.fake.state.groups.update(group.id, {
      name: "Renamed by hand",
      type: "official",
      visibility: "public",
      rulesVisible: true,
      version: group.version,
    });

    const result = await verifySync(deps());
    const byId = new Map(result.drifted.map((d) => [d.id, d.differences.join("; ")]));
    expect(byId.get(ids.ann!)).toMatch(/fields differ: title/);
    expect(byId.get(ids.bob!)).toMatch(/deleted in Genesys/);
    // Genesys takes a deleted user out of its groups: the group is one member short too
    expect(byId.get(ids.group!)).toMatch(/renamed "Night Shift".*1 member\(s\) missing/);
    expect(byId.get(ids.cat!)).toMatch(/routing skills differ: set Billing \(3\)/);
    expect(result.drifted).toHaveLength(4);
    expect(result.errors).toEqual([]);

    const fixed = await reassertSync({ store: h.store, queues: h.sync.queues, actor: "test", now: new Date() }, result.drifted);
    expect(fixed.reasserted).toBe(result.drifted.length);
    await waitUntil(async () => (await allSynced(h.store)) && (await verifySync(deps())).drifted.length === 0, "drift fixed");
    expect(h.fake.state.users.get(ann.id)!.title).toBe("Agent");
    expect(h.fake.state.users.get(genesysId("bob@example.com"))!.state).toBe("active");
    expect(group.name).toBe("Night Shift");
    expect(h.fake.state.userSkills(cat).map((s) => [s.name, s.proficiency])).toEqual([["Billing", 3]]);
  });
});
