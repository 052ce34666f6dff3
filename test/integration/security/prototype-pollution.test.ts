import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { openTestStore, type TestStore } from "../../helpers/store.js";
import { system, tokenFor } from "../../helpers/app.js";
import { startTestServer, type StartedServer } from "../../helpers/server.js";
import { ERROR_SCHEMA, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, scimClient } from "../../helpers/scim.js";
import { createClient } from "../../../src/oauth/client-registry.js";

/** Everything a polluted prototype would change, captured so that it can be compared afterwards. */
function globalsFingerprint(): string {
  const shape = (o: object) => Object.getOwnPropertyNames(o).sort().join(",");
  return JSON.stringify([
    shape(Object.prototype),
    shape(Object),
    shape(Function.prototype),
    shape(Array.prototype),
    shape(String.prototype),
    Object.isExtensible(Object.prototype),
  ]);
}

/** A small seeded generator, so a failing case can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FORBIDDEN = ["__proto__", "constructor", "prototype", "__PROTO__", "Constructor", "PROTOTYPE", "__Proto__"];
const NAMES = [
  "name",
  "emails",
  "value",
  "familyName",
  "members",
  "x",
  "manager",
  "type",
  "displayName",
  "urn:ietf:params:scim:schemas:core:2.0:User",
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
];

interface Case {
  method: "GET" | "POST" | "PATCH" | "PUT";
  path: string;
  body?: unknown;
  /** The scimType a refusal must carry. */
  scimType: "invalidPath" | "invalidFilter";
}

/** Attribute paths mixing forbidden segments with real names, dots, colons and brackets. */
function makePath(rnd: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const n = 1 + Math.floor(rnd() * 4);
  const segs = Array.from({ length: n }, () => (rnd() < 0.5 ? pick(FORBIDDEN) : pick(NAMES)));
  segs[Math.floor(rnd() * n)] = pick(FORBIDDEN); // at least one
  let out = segs[0]!;
  for (const s of segs.slice(1)) {
    const join = rnd();
    out += join < 0.55 ? `.${s}` : join < 0.7 ? `:${s}` : join < 0.85 ? `[${s} eq "1"]` : `[${s} pr].${pick(NAMES)}`;
  }
  return out;
}

function makeFilter(rnd: () => number, path: string): string {
  const forms = [
    `${path} eq "1"`,
    `${path} pr`,
    `not (${path} sw "a")`,
    `userName eq "x" or ${path} gt 3`,
    `emails[${path} eq "1"]`,
    `${path}[value eq "x"]`,
    `(${path} co "z") and active eq true`,
  ];
  return forms[Math.floor(rnd() * forms.length)]!;
}

function makeCases(count: number, userId: string, groupId: string): Case[] {
  const rnd = prng(20261127);
  const cases: Case[] = [];
  for (let i = 0; cases.length < count; i++) {
    const path = makePath(rnd);
    const enc = encodeURIComponent;
    switch (i % 12) {
      case 0:
        cases.push({ method: "GET", path: `/Users?attributes=${enc(path)}`, scimType: "invalidPath" });
        break;
      case 1:
        cases.push({ method: "GET", path: `/Groups?excludedAttributes=${enc(`displayName,${path}`)}`, scimType: "invalidPath" });
        break;
      case 2:
        cases.push({ method: "GET", path: `/Users?filter=${enc(makeFilter(rnd, path))}`, scimType: "invalidFilter" });
        break;
      case 3:
        cases.push({ method: "GET", path: `/Groups/${groupId}?attributes=${enc(path)}`, scimType: "invalidPath" });
        break;
      case 4:
        cases.push({
          method: "POST",
          path: "/Users/.search",
          body: { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], attributes: [path] },
          scimType: "invalidPath",
        });
        break;
      case 5:
        cases.push({
          method: "POST",
          path: "/Groups/.search",
          body: { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter: makeFilter(rnd, path) },
          scimType: "invalidFilter",
        });
        break;
      case 6:
        cases.push({
          method: "PATCH",
          path: `/Users/${userId}`,
          body: { schemas: [PATCH_OP], Operations: [{ op: rnd() < 0.5 ? "add" : "replace", path, value: "1" }] },
          scimType: "invalidPath",
        });
        break;
      case 7:
        cases.push({
          method: "PATCH",
          path: `/Users/${userId}`,
          body: { schemas: [PATCH_OP], Operations: [{ op: "remove", path: `emails[${path} eq "1"]` }] },
          scimType: "invalidPath",
        });
        break;
      case 8:
        cases.push({
          method: "PATCH",
          path: `/Groups/${groupId}`,
          body: { schemas: [PATCH_OP], Operations: [{ op: "remove", path: `members[${path} eq "1"]` }] },
          scimType: "invalidPath",
        });
        break;
      case 9: {
        // a remove (or add) whose value carries the forbidden name as a key, nested in the value
        const key = path.split(/[.:[\] ]/).find((s) => FORBIDDEN.includes(s))!;
        cases.push({
          method: "PATCH",
          path: `/Users/${userId}`,
          body: JSON.parse(
            `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"remove","path":"emails","value":[{"value":"a@b.c","${key}":{"x":"1"}}]}]}`,
          ),
          scimType: "invalidPath",
        });
        break;
      }
      case 10: {
        const key = path.split(/[.:[\] ]/).find((s) => FORBIDDEN.includes(s))!;
        cases.push({
          method: "POST",
          path: "/Users",
          body: JSON.parse(
            `{"schemas":["${USER_SCHEMA}"],"userName":"p${i}@example.com","displayName":"p","name":{"${key}":{"polluted":"yes"}}}`,
          ),
          scimType: "invalidPath",
        });
        break;
      }
      default:
        cases.push({ method: "GET", path: `/Users?sortBy=${enc(path)}`, scimType: "invalidPath" });
    }
  }
  return cases;
}

describe("no request can write to a shared prototype or take the process down", () => {
  let ts: TestStore;
  let srv: StartedServer;
  let token: string;
  let noRolesToken: string;
  let userId: string;
  let groupId: string;
  const before = globalsFingerprint();

  const send = (c: { method: string; path: string; body?: unknown }, bearer = token) =>
    fetch(`${srv.url}/scim/v2${c.path}`, {
      method: c.method,
      headers: { authorization: `Bearer ${bearer}`, "content-type": "application/scim+json" },
      body: c.body === undefined ? undefined : JSON.stringify(c.body),
    });

  beforeAll(async () => {
    ts = await openTestStore();
    srv = await startTestServer(ts.store, { LOG_LEVEL: "warn" });
    token = await tokenFor(srv.app, await scimClient(ts.store));
    noRolesToken = await tokenFor(srv.app, await createClient(ts.store, system, new Date(), { name: "no roles" }));
    const u = await send({
      method: "POST",
      path: "/Users",
      body: {
        schemas: [USER_SCHEMA],
        userName: "victim@example.com",
        displayName: "Victim",
        emails: [{ value: "victim@example.com", type: "work" }],
      },
    });
    expect(u.status).toBe(201);
    userId = ((await u.json()) as { id: string }).id;
    const g = await send({
      method: "POST",
      path: "/Groups",
      body: { schemas: [GROUP_SCHEMA], displayName: "G", members: [{ value: userId }] },
    });
    expect(g.status).toBe(201);
    groupId = ((await g.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await srv?.close();
    await ts?.close();
  });

  it("the reported attack, sent by a client with no roles at all, is refused and the server lives on", async () => {
    for (const q of ["attributes=name.__proto__.x", "excludedAttributes=name.__proto__.y", "filter=name.__proto__.z%20eq%20%221%22"]) {
      const res = await send({ method: "GET", path: `/Users?${q}` }, noRolesToken);
      expect(res.status).toBe(400);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body.schemas).toEqual([ERROR_SCHEMA]);
      expect(body.scimType).toBe(q.startsWith("filter") ? "invalidFilter" : "invalidPath");
    }
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
    expect(globalsFingerprint()).toBe(before);
  });

  it("names that only look alike, and forbidden words inside values, still work", async () => {
    const ok = [
      `/Users?filter=${encodeURIComponent('displayName eq "constructor" or title eq "__proto__"')}`,
      `/Users?filter=${encodeURIComponent('emails[value eq "prototype"]')}`,
      `/Users?attributes=${encodeURIComponent("name.familyName,emails.value")}`,
      `/Users?filter=${encodeURIComponent("userName eq victim@example.com")}`,
    ];
    for (const path of ok) expect((await send({ method: "GET", path })).status).toBe(200);
    const patched = await send({
      method: "PATCH",
      path: `/Users/${userId}`,
      body: { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "title", value: "constructor of prototypes" }] },
    });
    expect(patched.status).toBe(204);
    const read = (await (await send({ method: "GET", path: `/Users/${userId}` })).json()) as { title?: string };
    expect(read.title).toBe("constructor of prototypes");
  });

  it("10,000 generated paths, filters, PATCH paths and bodies: all refused with 400, none a 5xx, nothing polluted", async () => {
    const cases = makeCases(10_000, userId, groupId);
    const statuses = new Map<number, number>();
    const wrong: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const c = cases[next++]!;
        const res = await send(c);
        const body = (await res.json()) as { schemas?: string[]; scimType?: string; detail?: string };
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status !== 400 || body.scimType !== c.scimType || !body.schemas?.includes(ERROR_SCHEMA)) {
          if (wrong.length < 10) wrong.push(`${c.method} ${c.path} ${JSON.stringify(c.body)} -> ${res.status} ${JSON.stringify(body)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(wrong).toEqual([]);
    expect([...statuses.keys()]).toEqual([400]);
    expect(statuses.get(400)).toBe(10_000);
    expect(globalsFingerprint()).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
    // the victim is as it was: nothing of the battery was written
    const read = (await (await send({ method: "GET", path: `/Users/${userId}` })).json()) as { emails: unknown[]; name?: unknown };
    expect(read.emails).toHaveLength(1);
    expect(read.name).toBeUndefined();
  });

  it("request metrics are labelled by route templates only, however hostile the paths", async () => {
    for (const p of ["/SCIM/V2/Users/abc", "/scim/v2/Users/__proto__", "/scim/v2/nothing/here", "/ScIm/v2/Groups/x?attributes=a"])
      await fetch(`${srv.url}${p}`, { headers: { authorization: `Bearer ${token}` } });
    const metrics = await srv.deps.metrics.registry.getSingleMetricAsString("scim_bridge_http_request_duration_seconds");
    const routes = new Set([...metrics.matchAll(/route="([^"]*)"/g)].map((m) => m[1]));
    for (const r of routes)
      expect(r).toMatch(
        /^(unmatched|\/healthz|\/oauth\/token|\/(scim\/v2|api\/v2\/scim\/v2)\/(Users|Groups|Users\/:id|Groups\/:id|Users\/\.search|Groups\/\.search|[A-Za-z/:.]+))$/,
      );
    expect([...routes].some((r) => /abc|__proto__|nothing|SCIM|ScIm/.test(r!))).toBe(false);
  });
});
