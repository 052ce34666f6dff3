import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { openTestStore, type TestStore } from "../../helpers/store.js";
import { system, tokenFor } from "../../helpers/app.js";
import { startTestServer, type StartedServer } from "../../helpers/server.js";
import { ENTERPRISE, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, scimClient } from "../../helpers/scim.js";
import { createDivision } from "../../../src/authz/divisions.js";

interface Answer {
  status: number;
  text: string;
  body: Record<string, unknown>;
}

/** A SCIM client over real HTTP; every request and answer is kept, to look for what must never show. */
function agent(srv: StartedServer, token: string, seen: Array<{ request: string; answer: string }>) {
  const send = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const res = await fetch(`${srv.url}/scim/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/scim+json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    seen.push({
      request: `${method} ${path} ${JSON.stringify(body ?? "")}`,
      answer: `${res.headers.get("etag") ?? ""} ${res.headers.get("location") ?? ""} ${text}`,
    });
    return { status: res.status, text, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  return {
    get: (path: string) => send("GET", path),
    post: (path: string, body: unknown) => send("POST", path, body),
    put: (path: string, body: unknown) => send("PUT", path, body),
    patch: (path: string, ...ops: unknown[]) => send("PATCH", path, { schemas: [PATCH_OP], Operations: ops }),
    delete: (path: string) => send("DELETE", path),
  };
}

const q = (filter: string) => `filter=${encodeURIComponent(filter)}`;
const ids = (members: unknown) => ((members as Array<{ value: string }> | undefined) ?? []).map((m) => m.value).sort();

describe("division scoping covers group members: a client sees, matches and changes only members it may view", () => {
  let ts: TestStore;
  let srv: StartedServer;
  const seenByA: Array<{ request: string; answer: string }> = [];
  let all: ReturnType<typeof agent>;
  let onlyA: ReturnType<typeof agent>;
  const u: Record<"a1" | "a2" | "b1" | "b2", string> = { a1: "", a2: "", b1: "", b2: "" };
  let mixed: string;
  let onlyB: string;

  /** Members as the all-divisions client sees them: the truth. */
  const membersOf = async (groupId: string) => ids((await all.get(`/Groups/${groupId}`)).body.members);

  beforeAll(async () => {
    ts = await openTestStore();
    srv = await startTestServer(ts.store, { LOG_LEVEL: "warn" });
    const divA = (await createDivision(ts.store, system, new Date(), { name: "A" })).id;
    await createDivision(ts.store, system, new Date(), { name: "B" });
    all = agent(srv, await tokenFor(srv.app, await scimClient(ts.store)), []);
    onlyA = agent(srv, await tokenFor(srv.app, await scimClient(ts.store, [divA])), seenByA);
    for (const key of Object.keys(u) as Array<keyof typeof u>) {
      const division = key.startsWith("a") ? "A" : "B";
      const res = await all.post("/Users", {
        schemas: [USER_SCHEMA, ENTERPRISE],
        userName: `${key}@secret-${division}.example`,
        displayName: `Person ${key.toUpperCase()} of ${division}`,
        [ENTERPRISE]: { division },
      });
      expect(res.status).toBe(201);
      u[key] = res.body.id as string;
    }
    const g = await all.post("/Groups", { schemas: [GROUP_SCHEMA], displayName: "Mixed", members: [{ value: u.a1 }, { value: u.b1 }] });
    expect(g.status).toBe(201);
    mixed = g.body.id as string;
    onlyB = (await all.post("/Groups", { schemas: [GROUP_SCHEMA], displayName: "Bees", members: [{ value: u.b1 }, { value: u.b2 }] })).body
      .id as string;
  });
  afterAll(async () => {
    await srv?.close();
    await ts?.close();
  });

  it("reads: member lists hold only visible members, in every form of read", async () => {
    expect(ids((await onlyA.get(`/Groups/${mixed}`)).body.members)).toEqual([u.a1]);
    expect(ids((await onlyA.get(`/Groups/${onlyB}`)).body.members)).toEqual([]);
    const list = await onlyA.get("/Groups");
    expect(list.status).toBe(200);
    const byId = new Map((list.body.Resources as Array<{ id: string; members?: unknown }>).map((g) => [g.id, ids(g.members)]));
    expect(byId.get(mixed)).toEqual([u.a1]);
    expect(byId.get(onlyB)).toEqual([]);
    const projected = await onlyA.get(`/Groups/${mixed}?attributes=members`);
    expect(ids(projected.body.members)).toEqual([u.a1]);
    const search = await onlyA.post("/Groups/.search", {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
      attributes: ["displayName", "members"],
    });
    expect(search.status).toBe(200);
    // the legitimate use beside it: the all-divisions client sees everyone
    expect(await membersOf(mixed)).toEqual([u.a1, u.b1].sort());
  });

  it("filters: members of other divisions are not matched, and totals agree", async () => {
    for (const filter of [
      `members.value eq "${u.b1}"`,
      `members[value eq "${u.b2}"]`,
      `members.value eq "${u.b1}" or members.value eq "${u.b2}"`,
    ]) {
      const res = await onlyA.get(`/Groups?${q(filter)}`);
      expect(res.status).toBe(200);
      expect(res.body.totalResults).toBe(0);
    }
    const hidden = await onlyA.get(`/Groups?${q(`displayName eq "Bees" and members pr`)}`);
    expect(hidden.body.totalResults).toBe(0);
    const mine = await onlyA.get(`/Groups?${q(`members.value eq "${u.a1}"`)}`);
    expect(mine.body.totalResults).toBe(1);
    expect((mine.body.Resources as Array<{ id: string }>)[0]!.id).toBe(mixed);
    // the all-divisions client matches them
    expect((await all.get(`/Groups?${q(`members.value eq "${u.b1}"`)}`)).body.totalResults).toBe(2);
  });

  it("users of other divisions answer 404, like unknown ids", async () => {
    for (const id of [u.b1, u.b2]) {
      const res = await onlyA.get(`/Users/${id}`);
      expect(res.status).toBe(404);
      expect(res.body.detail).toBe(`User ${id} not found`);
    }
    expect((await onlyA.get(`/Users/${u.a1}`)).status).toBe(200);
  });

  it("PATCH: members of other divisions can be neither added nor removed; visible ones can", async () => {
    expect((await onlyA.patch(`/Groups/${mixed}`, { op: "add", path: "members", value: [{ value: u.b2 }] })).status).toBe(204);
    expect(await membersOf(mixed)).toEqual([u.a1, u.b1].sort());
    expect((await onlyA.patch(`/Groups/${mixed}`, { op: "remove", path: `members[value eq "${u.b1}"]` })).status).toBe(204);
    expect((await onlyA.patch(`/Groups/${mixed}`, { op: "remove", path: "members", value: [{ value: u.b1 }] })).status).toBe(204);
    expect((await onlyA.patch(`/Groups/${onlyB}`, { op: "replace", path: "members", value: [{ value: u.a2 }] })).status).toBe(204);
    expect(await membersOf(mixed)).toEqual([u.a1, u.b1].sort());
    expect(await membersOf(onlyB)).toEqual([u.a2, u.b1, u.b2].sort());
    // removing every member removes the visible ones only
    expect((await onlyA.patch(`/Groups/${onlyB}`, { op: "remove", path: "members" })).status).toBe(204);
    expect(await membersOf(onlyB)).toEqual([u.b1, u.b2].sort());
    // legitimate: add and remove a visible member
    expect((await onlyA.patch(`/Groups/${mixed}`, { op: "add", path: "members", value: [{ value: u.a2 }] })).status).toBe(204);
    expect(await membersOf(mixed)).toEqual([u.a1, u.a2, u.b1].sort());
    expect((await onlyA.patch(`/Groups/${mixed}`, { op: "remove", path: `members[value eq "${u.a2}"]` })).status).toBe(204);
    expect(await membersOf(mixed)).toEqual([u.a1, u.b1].sort());
  });

  it("PUT replaces only the visible members and keeps the others; POST cannot name hidden users", async () => {
    const put = await onlyA.put(`/Groups/${mixed}`, {
      schemas: [GROUP_SCHEMA],
      displayName: "Mixed",
      members: [{ value: u.a2 }, { value: u.b2 }],
    });
    expect(put.status).toBe(200);
    expect(ids(put.body.members)).toEqual([u.a2]);
    expect(await membersOf(mixed)).toEqual([u.a2, u.b1].sort());
    const made = await onlyA.post("/Groups", {
      schemas: [GROUP_SCHEMA],
      displayName: "Made by A",
      members: [{ value: u.a1 }, { value: u.b1 }, { value: u.b2 }],
    });
    expect(made.status).toBe(201);
    expect(ids(made.body.members)).toEqual([u.a1]);
    expect(await membersOf(made.body.id as string)).toEqual([u.a1]);
  });

  it("the stored memberships of hidden users are exactly as the all-divisions client left them", async () => {
    const rows = await ts.store.query<{ group_id: string; member_id: string }>(
      "select group_id, member_id from scim_group_members where member_id = any($1::text[]) order by 1, 2",
      [[u.b1, u.b2]],
    );
    expect(rows.map((r) => `${r.group_id === mixed ? "mixed" : r.group_id === onlyB ? "bees" : "other"}:${r.member_id}`).sort()).toEqual(
      [`bees:${u.b1}`, `bees:${u.b2}`, `mixed:${u.b1}`].sort(),
    );
  });

  it("nothing of division B appeared in any answer the A-only client received", () => {
    expect(seenByA.length).toBeGreaterThan(20);
    for (const { request, answer } of seenByA) {
      // an id the client itself sent may be echoed back ("User <id> not found"); any other is a leak
      for (const secret of [u.b1, u.b2, "secret-B", "Person B1", "Person B2", "of B"])
        if (!request.includes(secret)) expect(answer).not.toContain(secret);
    }
  });
});
