import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import request from "supertest";
import { patchOp, USER_SCHEMA } from "../../helpers/scim.js";
import { waitUntil } from "../../helpers/sync.js";
import { startGenesysHarness, type GenesysHarness } from "../../helpers/genesys-harness.js";
import type { FakeCall } from "../../fakes/genesys/index.js";
import { fakeToken } from "../../fakes/genesys/token.js";

const GENESYS = "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User";

interface SyncStateBody {
  state: "synced" | "pending" | "failed";
  desiredVersion: number | null;
  syncedVersion: number;
  targetId: string | null;
  lastError: string | null;
}

/** The name a catalog lookup (GET /api/v2/routing/skills|languages?name=…) asked for. */
const askedName = (c: FakeCall): string | null => new URL(c.path, "http://fake.local").searchParams.get("name");
const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);
const byAuthority = <T extends { authorityName: string }>(a: T, b: T) => a.authorityName.localeCompare(b.authorityName);

/**
 * The Genesys extension's routing skills, routing languages and external ids, end to end: SCIM over
 * HTTP, the outbox, the BullMQ workers on real Redis, GenesysTarget, and the fake Genesys Cloud.
 */
describe("Genesys extension: routing skills, languages and external ids synced to Genesys Cloud (fake)", () => {
  let h: GenesysHarness | undefined;
  /** Moves the target's clock (and only the target's): remembered skill names expire after 10 minutes. */
  let targetClockOffsetMs = 0;
  let token: string | undefined;

  const harness = (): GenesysHarness => {
    if (!h) throw new Error("the harness did not start");
    return h;
  };

  beforeAll(async () => {
    h = await startGenesysHarness({
      // an immediate search index (no test here is about the lag), and room for the 50-skill lookups
      fake: { searchLagMs: 0, rateLimitPerMinute: 1_000_000 },
      sync: { concurrency: 4 },
      target: { clock: () => Date.now() + targetClockOffsetMs },
    });
  });
  afterAll(() => h?.close());

  const push = async (userName: string, extra: Record<string, unknown> = {}): Promise<string> => {
    const r = await harness().scim.post("/Users", {
      schemas: [USER_SCHEMA, ...(extra[GENESYS] ? [GENESYS] : [])],
      userName,
      displayName: userName.split("@")[0],
      ...extra,
    });
    expect({ status: r.status, detail: r.body.detail }).toEqual({ status: 201, detail: undefined });
    return r.body.id as string;
  };
  const syncState = async (id: string): Promise<SyncStateBody> => {
    const r = await request(harness().app).get(`/admin/v1/sync/users/${id}`).set(harness().admin);
    expect(r.status).toBe(200);
    return r.body as SyncStateBody;
  };
  /** Waits until the user is synced at its current version; answers its Genesys id. */
  const synced = async (id: string, what = `user ${id} to sync`): Promise<string> => {
    const s = await waitUntil(async () => {
      const s = await syncState(id);
      if (s.state === "failed") throw new Error(`user ${id} failed: ${s.lastError}`);
      return s.state === "synced" && s.syncedVersion === s.desiredVersion ? s : null;
    }, what);
    expect(s.targetId).toEqual(expect.any(String));
    return s.targetId!;
  };
  const fakeUsers = (email: string) => [...harness().fake.state.users.values()].filter((u) => u.email === email);
  const skillLookups = (name: string) => harness().fake.countCalls("GET", "/api/v2/routing/skills", (c) => askedName(c) === name);
  const bulkCalls = (kind: "routingskills" | "routinglanguages", genesysId?: string) =>
    harness().fake.calls.filter(
      (c) =>
        c.method === "PATCH" &&
        (genesysId === undefined
          ? new RegExp(`^/api/v2/users/[^/]+/${kind}/bulk$`).test(c.path)
          : c.path === `/api/v2/users/${genesysId}/${kind}/bulk`),
    );

  /** A call straight to the fake's Platform API, as someone working in Genesys would make it (not through the bridge). */
  const genesysApi = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> => {
    const fake = harness().fake;
    token ??= await fakeToken(fake);
    const res = await fetch(`${fake.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  };

  it("gives a pushed user exactly its skills and languages, names resolved exactly through the catalog, in bulk calls", async () => {
    const { fake } = harness();
    const billing = fake.state.addSkill("Billing");
    // the catalog's name filter is a prefix (and here case-insensitive): these come back for "Billing" too
    const escalations = fake.state.addSkill("Billing Escalations");
    const lowerBilling = fake.state.addSkill("billing");
    const sales = fake.state.addSkill("Sales");
    const french = fake.state.addLanguage("French");
    fake.state.addLanguage("French Canadian");

    const id = await push("router@example.com", {
      [GENESYS]: {
        routingSkills: [
          { name: "Billing", proficiency: 4.5 },
          { name: "Sales", proficiency: 2 },
        ],
        routingLanguages: [{ name: "French", proficiency: 3 }],
      },
    });
    const gid = await synced(id);

    expect(fake.state.userSkills(gid)).toEqual([
      { id: billing.id, name: "Billing", proficiency: 4.5 },
      { id: sales.id, name: "Sales", proficiency: 2 },
    ]);
    expect(fake.state.userLanguages(gid)).toEqual([{ id: french.id, name: "French", proficiency: 3 }]);

    // looked up by name, and the prefix answer really held the near misses
    expect(skillLookups("Billing")).toBe(1);
    expect(skillLookups("Sales")).toBe(1);
    expect(fake.countCalls("GET", "/api/v2/routing/languages", (c) => askedName(c) === "French")).toBe(1);
    expect(fake.state.routing.list("skill", "Billing", []).map((e) => e.id)).toEqual(
      expect.arrayContaining([billing.id, escalations.id, lowerBilling.id]),
    );

    // one PATCH .../bulk per kind, carrying the resolved ids
    const skillBulk = bulkCalls("routingskills", gid);
    expect(skillBulk).toHaveLength(1);
    expect(skillBulk[0]!.status).toBe(200);
    expect(skillBulk[0]!.body).toEqual(
      expect.arrayContaining([
        { id: billing.id, proficiency: 4.5 },
        { id: sales.id, proficiency: 2 },
      ]),
    );
    expect(skillBulk[0]!.body).toHaveLength(2);
    const languageBulk = bulkCalls("routinglanguages", gid);
    expect(languageBulk.map((c) => c.body)).toEqual([[{ id: french.id, proficiency: 3 }]]);
    // the near misses were never assigned, nor anything put whole
    expect(fake.countCalls("PUT", `/api/v2/users/${gid}/routingskills/bulk`)).toBe(0);
    expect(fake.countCalls("POST", `/api/v2/users/${gid}/routingskills`)).toBe(0);
  });

  it("a PATCH that drops a skill and changes another: the dropped one is deleted, the other updated", async () => {
    const { fake, scim } = harness();
    // the catalog may already hold these from another test: take the ones of exactly these names
    const skill = (name: string) => fake.state.routing.list("skill", name, []).find((e) => e.name === name) ?? fake.state.addSkill(name);
    const [billing, sales] = [skill("Billing"), skill("Sales")];
    const french = fake.state.routing.list("language", "French", []).find((e) => e.name === "French") ?? fake.state.addLanguage("French");
    const id = await push("repatched@example.com", {
      [GENESYS]: {
        routingSkills: [
          { name: "Billing", proficiency: 4.5 },
          { name: "Sales", proficiency: 2 },
        ],
        routingLanguages: [{ name: "French", proficiency: 3 }],
      },
    });
    const gid = await synced(id);
    expect(fake.state.userSkills(gid).map((s) => s.name)).toEqual(["Billing", "Sales"]);
    const bulkBefore = bulkCalls("routingskills", gid).length;

    const patched = await scim.patch(
      `/Users/${id}`,
      patchOp({ op: "replace", path: `${GENESYS}:routingSkills`, value: [{ name: "Billing", proficiency: 5 }] }),
    );
    expect(patched.status).toBe(204);
    await synced(id, "the skill change to sync");

    expect(fake.state.userSkills(gid)).toEqual([{ id: billing.id, name: "Billing", proficiency: 5 }]);
    // languages were not part of the change: they stay
    expect(fake.state.userLanguages(gid)).toEqual([{ id: french.id, name: "French", proficiency: 3 }]);
    expect(fake.countCalls("DELETE", `/api/v2/users/${gid}/routingskills/${sales.id}`, (c) => c.status === 204)).toBe(1);
    expect(fake.countCalls("DELETE", `/api/v2/users/${gid}/routingskills/${billing.id}`)).toBe(0);
    const after = bulkCalls("routingskills", gid).slice(bulkBefore);
    expect(after.map((c) => c.body)).toEqual([[{ id: billing.id, proficiency: 5 }]]);
  });

  it("50 skills go in one bulk call; SCIM refuses a 51st (and 60) with 400 invalidValue; no bulk call ever carries more than 50", async () => {
    const { fake, scim } = harness();
    const catalog = Array.from({ length: 60 }, (_, i) => fake.state.addSkill(`Queue Skill ${String(i).padStart(2, "0")}`));
    const skills = (n: number) => catalog.slice(0, n).map((s, i) => ({ name: s.name, proficiency: i % 6 }));

    for (const n of [51, 60]) {
      const refused = await scim.post("/Users", {
        schemas: [USER_SCHEMA, GENESYS],
        userName: `too-many-${n}@example.com`,
        displayName: `Too many ${n}`,
        [GENESYS]: { routingSkills: skills(n) },
      });
      expect({ status: refused.status, scimType: refused.body.scimType }).toEqual({ status: 400, scimType: "invalidValue" });
      expect(refused.body.detail).toMatch(/routingSkills: at most 50/);
    }

    const id = await push("fifty@example.com", { [GENESYS]: { routingSkills: skills(50) } });
    const gid = await synced(id);
    const bulk = bulkCalls("routingskills", gid);
    expect(bulk).toHaveLength(1);
    expect(bulk[0]!.body).toHaveLength(50);
    expect(fake.state.userSkills(gid)).toEqual(
      skills(50)
        .map((s, i) => ({ id: catalog[i]!.id, name: s.name, proficiency: s.proficiency }))
        .sort(byName),
    );

    // a PATCH that would make it 51 is refused as well, and changes nothing
    const version = (await syncState(id)).desiredVersion;
    const add = await scim.patch(
      `/Users/${id}`,
      patchOp({ op: "add", path: `${GENESYS}:routingSkills`, value: [{ name: catalog[50]!.name, proficiency: 1 }] }),
    );
    expect({ status: add.status, scimType: add.body.scimType }).toEqual({ status: 400, scimType: "invalidValue" });
    expect((await syncState(id)).desiredVersion).toBe(version);

    for (const c of [...bulkCalls("routingskills"), ...bulkCalls("routinglanguages")])
      expect((c.body as unknown[]).length).toBeLessThanOrEqual(50);
    expect(fake.calls.filter((c) => /\/bulk$/.test(c.path) && c.status === 400)).toEqual([]);
  });

  it("a skill name Genesys does not know fails the user with that name, its other fields sent; once the skill exists a retry syncs it", async () => {
    const { fake, app, admin, store } = harness();
    const support = fake.state.addSkill("Support");
    const id = await push("unknown-skill@example.com", {
      title: "Agent",
      [GENESYS]: {
        routingSkills: [
          { name: "Support", proficiency: 3 },
          { name: "Nonexistent", proficiency: 1 },
        ],
      },
    });
    const failed = await waitUntil(async () => {
      const s = await syncState(id);
      return s.state === "failed" ? s : null;
    }, "the unknown skill to fail the user");
    expect(failed.lastError).toContain('"Nonexistent"');
    expect(failed.lastError).not.toContain('"Support"');
    const [row] = await store.query<{ state: string; last_error: string | null }>(
      "select state, last_error from sync_state where resource_type = 'User' and resource_id = $1",
      [id],
    );
    expect(row?.state).toBe("failed");
    expect(row?.last_error).toMatch(/Nonexistent/);

    // the user itself went: name and title are in Genesys, and linked
    const [made, ...dupes] = fakeUsers("unknown-skill@example.com");
    expect(dupes).toHaveLength(0);
    expect(made).toMatchObject({ name: "unknown-skill", title: "Agent" });
    expect(failed.targetId).toBe(made!.id);
    // every name is resolved before anything is assigned: no half-set skills
    expect(fake.state.userSkills(made!.id)).toEqual([]);

    const nonexistent = fake.state.addSkill("Nonexistent"); // an admin creates it in Genesys
    const retried = await request(app).post("/admin/v1/sync/retry").set(admin).send({ type: "User", id });
    expect({ status: retried.status, body: retried.body }).toEqual({ status: 200, body: { retried: 1 } });
    expect(await synced(id, "the retried user to sync")).toBe(made!.id);

    expect(fake.state.userSkills(made!.id)).toEqual([
      { id: nonexistent.id, name: "Nonexistent", proficiency: 1 },
      { id: support.id, name: "Support", proficiency: 3 },
    ]);
    expect(fakeUsers("unknown-skill@example.com")).toHaveLength(1);
    expect((await syncState(id)).lastError).toBeNull();

    // on an update too: the fields go before the skills, and the unknown name fails the user
    const update = await harness().scim.patch(
      `/Users/${id}`,
      patchOp(
        { op: "replace", path: "title", value: "Lead" },
        { op: "add", path: `${GENESYS}:routingSkills`, value: [{ name: "Ghost", proficiency: 2 }] },
      ),
    );
    expect(update.status).toBe(204);
    const failedAgain = await waitUntil(async () => {
      const s = await syncState(id);
      return s.state === "failed" && /Ghost/.test(s.lastError ?? "") ? s : null;
    }, "the second unknown skill to fail the user");
    expect(failedAgain.lastError).toContain('"Ghost"');
    expect(fakeUsers("unknown-skill@example.com")[0]).toMatchObject({ title: "Lead" });
    expect(fake.state.userSkills(made!.id).map((s) => s.name)).toEqual(["Nonexistent", "Support"]);
    // the identity provider takes the name back: the next change syncs the user without an admin's retry
    const fixed = await harness().scim.patch(`/Users/${id}`, patchOp({ op: "remove", path: `${GENESYS}:routingSkills[name eq "Ghost"]` }));
    expect(fixed.status).toBe(204);
    // the failed state stands until the relay hands the new change on (it then turns pending)
    await waitUntil(async () => (await syncState(id)).state !== "failed", "the corrected change to reach the sync");
    await synced(id, "the corrected user to sync");
    expect(fake.state.userSkills(made!.id).map((s) => s.name)).toEqual(["Nonexistent", "Support"]);
  });

  it("a user without the Genesys extension keeps the skills assigned by hand in Genesys across an update", async () => {
    const { fake, scim } = harness();
    const handPicked = fake.state.addSkill("Hand Picked");
    const language = fake.state.addLanguage("Hand Picked Language");
    const id = await push("no-extension@example.com", { title: "Before" });
    const gid = await synced(id);

    // someone assigns skills and a language in Genesys, through its API
    expect((await genesysApi("PATCH", `/api/v2/users/${gid}/routingskills/bulk`, [{ id: handPicked.id, proficiency: 4 }])).status).toBe(
      200,
    );
    expect((await genesysApi("PATCH", `/api/v2/users/${gid}/routinglanguages/bulk`, [{ id: language.id, proficiency: 2 }])).status).toBe(
      200,
    );

    expect((await scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: "title", value: "After" }))).status).toBe(204);
    await synced(id, "the title change to sync");

    expect(fakeUsers("no-extension@example.com")[0]).toMatchObject({ title: "After" });
    expect(fake.state.userSkills(gid)).toEqual([{ id: handPicked.id, name: "Hand Picked", proficiency: 4 }]);
    expect(fake.state.userLanguages(gid)).toEqual([{ id: language.id, name: "Hand Picked Language", proficiency: 2 }]);
    // the bridge never touched them: the only routing calls for this user are the hand-made ones
    expect(fake.calls.filter((c) => c.path.startsWith(`/api/v2/users/${gid}/routing`)).map((c) => `${c.method} ${c.path}`)).toEqual([
      `PATCH /api/v2/users/${gid}/routingskills/bulk`,
      `PATCH /api/v2/users/${gid}/routinglanguages/bulk`,
    ]);
  });

  it("keeps the external ids SCIM gives (never Genesys's own SCIM authority), follows a change, and leaves others' alone", async () => {
    const { fake, scim } = harness();
    const id = await push("external@example.com", {
      externalId: "abc",
      [GENESYS]: {
        externalIds: [
          { authority: "hr", value: "E1" },
          { authority: "x-pc:scimv2:v1:whatever", value: "zzz" },
        ],
      },
    });
    const gid = await synced(id);
    expect(fake.state.userExternalIds(gid).sort(byAuthority)).toEqual([
      { authorityName: "hr", externalKey: "E1" },
      { authorityName: "scim-bridge", externalKey: "abc" },
    ]);
    const sentAuthorities = () =>
      fake.calls
        .filter((c) => c.method === "POST" && c.path === `/api/v2/users/${gid}/externalid`)
        .map((c) => (c.body as { authorityName: string }).authorityName);
    expect(sentAuthorities().filter((a) => a.startsWith("x-pc"))).toEqual([]);

    // someone adds one by hand, under an authority of their own
    expect((await genesysApi("POST", `/api/v2/users/${gid}/externalid`, { authorityName: "payroll", externalKey: "P-9" })).status).toBe(
      200,
    );

    expect((await scim.patch(`/Users/${id}`, patchOp({ op: "replace", path: "externalId", value: "def" }))).status).toBe(204);
    await synced(id, "the externalId change to sync");
    expect(fake.state.userExternalIds(gid).sort(byAuthority)).toEqual([
      { authorityName: "hr", externalKey: "E1" },
      { authorityName: "payroll", externalKey: "P-9" },
      { authorityName: "scim-bridge", externalKey: "def" },
    ]);
    expect(fake.countCalls("DELETE", `/api/v2/users/${gid}/externalid/scim-bridge/abc`, (c) => c.status === 204)).toBe(1);
    expect(fake.countCalls("DELETE", /\/externalid\/(payroll|hr)\//)).toBe(0);
    expect(fake.countCalls("POST", `/api/v2/users/${gid}/externalid`, (c) => c.status !== 200)).toBe(0);
    expect(sentAuthorities().filter((a) => a.startsWith("x-pc"))).toEqual([]);
    // the one POST under "payroll" is the test's own: the bridge sent none
    expect(sentAuthorities().filter((a) => a === "payroll")).toEqual(["payroll"]);
  });

  it("resolves a skill named by several users once per 10 minutes", async () => {
    const { fake } = harness();
    const shared = fake.state.addSkill("Shared Queue");
    // pushed at once: the workers syncing them side by side share the one lookup in flight
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(await push(`shared${i}@example.com`, { [GENESYS]: { routingSkills: [{ name: "Shared Queue", proficiency: i }] } }));
    }
    const gids = await Promise.all(ids.map((id) => synced(id)));
    gids.forEach((gid, i) => expect(fake.state.userSkills(gid)).toEqual([{ id: shared.id, name: "Shared Queue", proficiency: i }]));
    expect(skillLookups("Shared Queue")).toBe(1);

    // ten minutes on (the target's clock), the name is looked up again
    targetClockOffsetMs += 10 * 60_000 + 1_000;
    const later = await push("shared-later@example.com", { [GENESYS]: { routingSkills: [{ name: "Shared Queue", proficiency: 5 }] } });
    const laterGid = await synced(later);
    expect(fake.state.userSkills(laterGid)).toEqual([{ id: shared.id, name: "Shared Queue", proficiency: 5 }]);
    expect(skillLookups("Shared Queue")).toBe(2);
  });
});
