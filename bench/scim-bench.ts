/**
 * The SCIM endpoint (filters, paging and group PATCH done in SQL: docs/scimmy.md) with a directory of 100,000 users: GET by id, filter by userName, POST,
 * PATCH; filter latency at 1,000 vs 100,000 users; GET by id against a bare Express route; PATCH
 * add-member on a 50,000-member group against a 5-member group. Users, groups and memberships are
 * seeded with SQL (bench/scim-seed.ts); every measured request goes through the real app over HTTP.
 */
import { runLoad, type LoadResult, type LoadSpec } from "./load.js";
import type { ServerHandle } from "./worker.js";
import type { Section } from "./section.js";
import type { ScimCounts } from "./scim-seed.js";
import type { ScimBreakdown } from "./server.js";
import { benchUserId, benchUserName, newUserBody } from "./scim-seed.js";
import { CONNECTIONS, int, issueToken, log, measure, ms, positive, ratio, seconds, table } from "./common.js";

const SECONDS = positive(process.env.BENCH_SCIM_SECONDS, 5);
const WARMUP_SECONDS = 1;
/** Before the first run of a fresh server: the JIT and the store's caches are cold. */
const FIRST_WARMUP_SECONDS = 4;
const USERS = Math.round(positive(process.env.BENCH_SCIM_USERS, 100_000));
const SMALL_USERS = Math.min(1_000, USERS);
const BIG_GROUP = Math.min(50_000, Math.floor(USERS / 2));
const SMALL_GROUP = 5;
/** "Does not grow": the larger case's unloaded p50 within this factor of the smaller one's (run-to-run noise on this machine). */
const GROWTH_TOLERANCE = 1.25;
const BREAKDOWN_SECONDS = 1;

const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

interface Pair {
  loaded: LoadResult;
  unloaded: LoadResult;
}

interface ScimResult {
  store: string;
  seedMs: { small: number; rest: number; groups: number };
  filterSmall: Pair;
  bare: Pair;
  get: Pair;
  filter: Pair;
  patchUser: LoadResult;
  post: LoadResult;
  groupSmall: Pair;
  groupBig: Pair;
  bytes: { bare: number; get: number };
  breakdown: ScimBreakdown;
  /** PATCH add-member requests sent per group (warm-ups included), and whether the pool of non-members ran out. */
  groupAdds: { big: number; small: number; reused: boolean };
  after: ScimCounts;
}

const rand = (n: number): number => 1 + Math.floor(Math.random() * n);

function filterPath(n: number): string {
  return `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${benchUserName(n)}"`)}`;
}

async function probe(url: string, init: RequestInit, want: number, check?: (body: string) => string | null): Promise<number> {
  const res = await fetch(url, init);
  const body = await res.text();
  if (res.status !== want)
    throw new Error(`probe ${init.method ?? "GET"} ${url} answered ${res.status} (want ${want}): ${body.slice(0, 300)}`);
  const problem = check?.(body);
  if (problem) throw new Error(`probe ${init.method ?? "GET"} ${url}: ${problem}`);
  return Buffer.byteLength(body);
}

export function scimSection(): Section {
  const results: ScimResult[] = [];
  let runTag = 0;

  async function runOn(name: string, server: ServerHandle): Promise<void> {
    runTag++;
    const token = await issueToken(server);
    const auth = { authorization: `Bearer ${token}` };
    const json = { ...auth, "content-type": "application/scim+json" };
    const app = server.appBase;

    /** Under load, then unloaded: the same requests at CONNECTIONS and at 1 connection. */
    const pair = async (label: string, spec: Omit<LoadSpec, "connections" | "seconds">): Promise<Pair> => ({
      loaded: await measure(`${name} ${label}`, { ...spec, connections: CONNECTIONS, seconds: SECONDS }, WARMUP_SECONDS),
      unloaded: await measure(`${name} ${label}`, { ...spec, connections: 1, seconds: SECONDS }, WARMUP_SECONDS),
    });
    const filterSpec = (n: number): Omit<LoadSpec, "connections" | "seconds"> => ({
      url: app,
      headers: auth,
      next: () => ({ path: filterPath(rand(n)) }),
    });
    const oneResult = (body: string): string | null =>
      (JSON.parse(body) as { totalResults?: number }).totalResults === 1 ? null : `totalResults is not 1: ${body.slice(0, 200)}`;

    // 1. 1,000 users: the filter's baseline.
    log(`${name}: seeding ${int(SMALL_USERS)} users`);
    const seedSmall = await server.call("seed-users", { from: 1, to: SMALL_USERS });
    await probe(`${app}${filterPath(SMALL_USERS)}`, { headers: auth }, 200, oneResult);
    log(`${name}: warming the fresh server up for ${FIRST_WARMUP_SECONDS} s`);
    await runLoad({ ...filterSpec(SMALL_USERS), connections: CONNECTIONS, seconds: FIRST_WARMUP_SECONDS });
    const filterSmall = await pair(`GET /Users?filter (${int(SMALL_USERS)} users)`, filterSpec(SMALL_USERS));

    // 2. 100,000 users.
    log(`${name}: seeding users ${int(SMALL_USERS + 1)}..${int(USERS)}`);
    const seedRest = USERS > SMALL_USERS ? await server.call("seed-users", { from: SMALL_USERS + 1, to: USERS }) : 0;
    log(`${name}: seeded in ${seconds(seedSmall + seedRest)}`);
    const someId = benchUserId(USERS);
    const bytes = {
      bare: await probe(`${server.verifyBase}/bare/Users/${someId}`, {}, 200),
      get: await probe(`${app}/scim/v2/Users/${someId}`, { headers: auth }, 200, (b) =>
        (JSON.parse(b) as { id?: string }).id === someId ? null : "another id came back",
      ),
    };
    await probe(`${app}${filterPath(USERS)}`, { headers: auth }, 200, oneResult);

    const bare = await pair("GET /bare/Users/{id} (bare Express)", {
      url: server.verifyBase,
      headers: auth,
      next: () => ({ path: `/bare/Users/${benchUserId(rand(USERS))}` }),
    });
    const get = await pair(`GET /Users/{id} (${int(USERS)} users)`, {
      url: app,
      headers: auth,
      next: () => ({ path: `/scim/v2/Users/${benchUserId(rand(USERS))}` }),
    });
    const filter = await pair(`GET /Users?filter (${int(USERS)} users)`, filterSpec(USERS));
    log(`${name}: in-process breakdown of one GET by id, ${BREAKDOWN_SECONDS} s per part`);
    const breakdown = await server.call("scim-breakdown", { token, users: USERS, seconds: BREAKDOWN_SECONDS });

    let titles = 0;
    const patchUser = await measure(
      `${name} PATCH /Users/{id} (replace title)`,
      {
        url: app,
        connections: CONNECTIONS,
        seconds: SECONDS,
        method: "PATCH",
        headers: json,
        next: () => ({
          path: `/scim/v2/Users/${benchUserId(rand(USERS))}`,
          body: JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: "replace", path: "title", value: `Title ${++titles}` }] }),
        }),
      },
      WARMUP_SECONDS,
    );

    let created = 0;
    const post = await measure(
      `${name} POST /Users`,
      {
        url: app,
        connections: CONNECTIONS,
        seconds: SECONDS,
        method: "POST",
        headers: json,
        next: () => {
          const n = ++created;
          return { path: "/scim/v2/Users", body: JSON.stringify(newUserBody(`Bench.New${runTag}.${n}@example.com`, n)) };
        },
      },
      WARMUP_SECONDS,
    );

    // 3. Groups: users 1..50,000 in one, users 1..5 in the other; each PATCH adds a user not yet in it.
    log(`${name}: seeding a group of ${int(BIG_GROUP)} members and one of ${SMALL_GROUP}`);
    const groups = await server.call("seed-groups", { big: BIG_GROUP, small: SMALL_GROUP });
    const pool = USERS - BIG_GROUP; // users BIG_GROUP+1..USERS are in neither group
    const adds = { big: 0, small: 0 };
    const addSpec = (groupId: string, which: "big" | "small"): Omit<LoadSpec, "connections" | "seconds"> => ({
      url: app,
      method: "PATCH",
      headers: json,
      next: () => {
        const n = BIG_GROUP + 1 + (adds[which]++ % pool);
        return {
          path: `/scim/v2/Groups/${groupId}`,
          body: JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: "add", path: "members", value: [{ value: benchUserId(n) }] }] }),
        };
      },
    });
    const groupSmall = await pair(`PATCH /Groups/{id} add member (${SMALL_GROUP} members)`, addSpec(groups.smallId, "small"));
    const groupBig = await pair(`PATCH /Groups/{id} add member (${int(BIG_GROUP)} members)`, addSpec(groups.bigId, "big"));

    const after = await server.call("scim-counts", { groups: { bigId: groups.bigId, smallId: groups.smallId } });
    results.push({
      store: name,
      seedMs: { small: seedSmall, rest: seedRest, groups: groups.ms },
      filterSmall,
      bare,
      get,
      filter,
      patchUser,
      post,
      groupSmall,
      groupBig,
      bytes,
      breakdown,
      groupAdds: { ...adds, reused: adds.big > pool || adds.small > pool },
      after,
    });
  }

  function render(stores: string): string {
    const out: string[] = [];
    const conns = (k: keyof Pair): string => (k === "loaded" ? String(CONNECTIONS) : "1");
    const kinds = ["unloaded", "loaded"] as const;

    out.push("## SCIM endpoint", "");
    out.push("### Method", "");
    out.push(
      `- Stores: ${stores}. A fresh store for this section (not the one of the token runs): migrated and seeded (\`prepareStore\`), one client with the SCIM Integration role in all divisions (\`*\`, as \`test/helpers/scim.ts\` makes it), one bearer token from \`POST /oauth/token\` sent with every request. Every request goes to \`buildApp(deps)\` (the real app: request log at level silent, security headers, timing, bearer verification, SCIMMY) under \`/scim/v2\`.`,
      `- Seeding in SQL, not HTTP (\`bench/scim-seed.ts\`): one \`INSERT … SELECT FROM generate_series\` fills \`scim_users\` as \`src/scim/users.ts\` writes it (userName \`Bench.User<n>@example.com\`, \`user_name_lc\`, displayName and \`display_name_lc\`, \`email_values\`, the home division, version 1, the \`resource\` JSON with schemas, userName, name, displayName, emails, active and title, created = lastModified), plus one \`outbox\` row per user and the \`scim_counts\` row. Ids are \`md5('bench-user-<n>')\` as a UUID: random order in the primary key, and the load generator can name any user without being sent the ids. \`VACUUM ANALYZE\` after each seeding step, as autovacuum would leave a settled PostgreSQL.`,
      `- Order on each store: ${int(SMALL_USERS)} users seeded → ${FIRST_WARMUP_SECONDS} s warm-up of the fresh server → filter runs; users ${int(SMALL_USERS + 1)}..${int(USERS)} seeded → bare route, GET by id, filter, in-process breakdown, PATCH, POST; then two groups seeded (\`scim_group_members\` rows: users 1..${int(BIG_GROUP)} in one, users 1..${SMALL_GROUP} in the other) → PATCH add-member on the ${SMALL_GROUP}-member group, then on the ${int(BIG_GROUP)}-member group.`,
      `- Requests: **GET by id** of a random seeded user; **filter** \`GET /scim/v2/Users?filter=userName eq "<random seeded userName>"\` (default count 100; one user per answer, checked by a probe); **PATCH** \`replace\` of \`title\` on a random seeded user (204); **POST** a new user with a unique userName per request (a counter; 201); **PATCH add-member** \`{"op":"add","path":"members","value":[{"value":"<user id>"}]}\` with a different user, not yet a member, each request (users ${int(BIG_GROUP + 1)} on, 204). The **bare route** is \`GET /bare/Users/{id}\` on an Express app without middleware, answering \`res.json\` of a constant user shaped like the seeded ones (the requested id and location put in), served by the same worker thread.`,
      `- Each run: ${WARMUP_SECONDS} s warm-up (discarded), then ${SECONDS} s measured; under load at ${CONNECTIONS} connections and, for the comparisons, unloaded at 1 connection. Random ids and names are drawn uniformly per request in the load generator.`,
      "",
    );

    out.push(`### ${int(USERS)} users: throughput and latency`, "");
    out.push(
      table(
        ["Store", "Request", "conns", "req/s", "p50 ms", "p99 ms", "bad"],
        results.flatMap((s) => {
          const row = (label: string, r: LoadResult, c: string): string[] => [
            s.store,
            label,
            c,
            int(r.rps),
            ms(r.p50),
            ms(r.p99),
            String(r.bad),
          ];
          return [
            row("GET /Users/{id}", s.get.loaded, conns("loaded")),
            row('GET /Users?filter=userName eq "…"', s.filter.loaded, conns("loaded")),
            row("POST /Users", s.post, conns("loaded")),
            row("PATCH /Users/{id} (replace title)", s.patchUser, conns("loaded")),
            row("GET /Users/{id}", s.get.unloaded, conns("unloaded")),
            row('GET /Users?filter=userName eq "…"', s.filter.unloaded, conns("unloaded")),
          ];
        }),
      ),
      "",
    );

    out.push(`### Filter latency: ${int(SMALL_USERS)} vs ${int(USERS)} users`, "");
    out.push(
      table(
        [
          "Store",
          "conns",
          `p50 ms, ${int(SMALL_USERS)}`,
          `p50 ms, ${int(USERS)}`,
          "p50 ratio",
          `p99 ms, ${int(SMALL_USERS)}`,
          `p99 ms, ${int(USERS)}`,
          "p99 ratio",
          `req/s, ${int(SMALL_USERS)}`,
          `req/s, ${int(USERS)}`,
          "grows?",
        ],
        results.flatMap((s) =>
          kinds.map((k) => [
            s.store,
            conns(k),
            ms(s.filterSmall[k].p50),
            ms(s.filter[k].p50),
            ratio(growth(s.filter[k], s.filterSmall[k])),
            ms(s.filterSmall[k].p99),
            ms(s.filter[k].p99),
            ratio(s.filter[k].p99 / s.filterSmall[k].p99),
            int(s.filterSmall[k].rps),
            int(s.filter[k].rps),
            grows(growth(s.filter[k], s.filterSmall[k])),
          ]),
        ),
      ),
      "",
      `Same query shape, same client, same store (the ${int(USERS)} are the ${int(SMALL_USERS)} plus the rest). "Grows?" compares the p50s, allowing ${GROWTH_TOLERANCE}× for run-to-run noise.`,
      "",
    );

    out.push("### GET by id vs a bare Express route", "");
    out.push(
      table(
        [
          "Store",
          "conns",
          "bare req/s",
          "SCIM req/s",
          "SCIM / bare throughput",
          "bare p50 ms",
          "SCIM p50 ms",
          "SCIM / bare p50",
          "bare p99 ms",
          "SCIM p99 ms",
        ],
        results.flatMap((s) =>
          kinds.map((k) => [
            s.store,
            conns(k),
            int(s.bare[k].rps),
            int(s.get[k].rps),
            percent(s.get[k].rps / s.bare[k].rps),
            ms(s.bare[k].p50),
            ms(s.get[k].p50),
            ratio(s.get[k].p50 / s.bare[k].p50),
            ms(s.bare[k].p99),
            ms(s.get[k].p99),
          ]),
        ),
      ),
      "",
      `Response bodies: bare ${int(results[0]?.bytes.bare ?? NaN)} B, SCIM ${int(results[0]?.bytes.get ?? NaN)} B. The bare route has no middleware, no token check and no store query: it is the floor for an Express JSON answer on this machine.`,
      "",
    );

    out.push("#### Where one GET by id spends its time", "");
    out.push(
      table(
        ["Store", "HTTP p50, unloaded", "bare route p50", "`verifyToken`", "`Users.get` (store)", "SCIMMY coercion", "the rest"],
        results.map((s) => {
          const b = s.breakdown;
          return [
            s.store,
            ms(s.get.unloaded.p50),
            ms(s.bare.unloaded.p50),
            ms(b.verifyToken),
            ms(b.usersGet),
            ms(b.scimmyRead - b.usersGet),
            ms(rest(s)),
          ];
        }),
      ),
      "",
      `In-process medians (ms), one call at a time for ${BREAKDOWN_SECONDS} s each after 200 warm-up calls, random seeded users: \`verifyToken\` with a warm grant cache as \`bearerAuth\` runs it; \`Users.get\` reads the row and its groups (two queries); SCIMMY coercion is \`new SCIMMY.Resources.User(id).read(ctx)\` minus \`Users.get\`. ` +
        `"The rest" is the HTTP p50 minus the bare route's p50 and the three parts: the SCIM router's middleware (context, list parsing, response wrapper), the request log and timing middleware, routing, and the larger JSON. \`JSON.stringify\` of the answer alone takes ${results.map((s) => ms(s.breakdown.stringify)).join(" / ")} ms.`,
      "",
    );

    out.push(`### PATCH add-member: ${int(BIG_GROUP)} members vs ${SMALL_GROUP}`, "");
    out.push(
      table(
        [
          "Store",
          "conns",
          `p50 ms, ${SMALL_GROUP}`,
          `p50 ms, ${int(BIG_GROUP)}`,
          "p50 ratio",
          `p99 ms, ${SMALL_GROUP}`,
          `p99 ms, ${int(BIG_GROUP)}`,
          "p99 ratio",
          `req/s, ${SMALL_GROUP}`,
          `req/s, ${int(BIG_GROUP)}`,
          "bad",
          "grows?",
        ],
        results.flatMap((s) =>
          kinds.map((k) => [
            s.store,
            conns(k),
            ms(s.groupSmall[k].p50),
            ms(s.groupBig[k].p50),
            ratio(growth(s.groupBig[k], s.groupSmall[k])),
            ms(s.groupSmall[k].p99),
            ms(s.groupBig[k].p99),
            ratio(s.groupBig[k].p99 / s.groupSmall[k].p99),
            int(s.groupSmall[k].rps),
            int(s.groupBig[k].rps),
            String(s.groupSmall[k].bad + s.groupBig[k].bad),
            grows(growth(s.groupBig[k], s.groupSmall[k])),
          ]),
        ),
      ),
      "",
      results
        .map(
          (s) =>
            `${s.store}: ${int(s.groupAdds.small)} and ${int(s.groupAdds.big)} add-member requests (warm-ups included)${s.groupAdds.reused ? ", more than the users outside the groups, so some re-added a member" : ", each adding a new member"}; the groups ended with ${int(s.after.smallMembers)} and ${int(s.after.bigMembers)} members.`,
        )
        .join(" ") +
        ` At ${CONNECTIONS} connections every request PATCHes the same group, so they queue on its row lock (\`select … for update\` in \`patchGroup\`).`,
      "",
    );

    out.push("### Store after the runs", "");
    out.push(
      table(
        ["Store", "users seeded", "seeding (users; groups)", "rows in scim_users after", "scim_counts, User", "outbox rows"],
        results.map((s) => [
          s.store,
          int(USERS),
          `${seconds(s.seedMs.small + s.seedMs.rest)}; ${seconds(s.seedMs.groups)}`,
          int(s.after.users),
          int(s.after.countedUsers),
          int(s.after.outbox),
        ]),
      ),
      "",
      "Seeding time includes VACUUM ANALYZE. The POST runs (warm-ups included) add users; scim_counts should equal the row count.",
      "",
    );

    out.push("### What the figures show", "");
    out.push(...commentary().map((l) => `- ${l}`));
    return out.join("\n");
  }

  /** Sentences drawn from the figures, so that they stay true when the figures change. */
  function commentary(): string[] {
    const lines: string[] = [];
    const ok = (g: number): boolean => g <= GROWTH_TOLERANCE;
    const each = (f: (s: ScimResult) => string): string => results.map((s) => `${s.store} ${f(s)}`).join("; ");

    const filterG = results.map((s) => growth(s.filter.unloaded, s.filterSmall.unloaded));
    lines.push(
      `**Filter by userName, ${int(SMALL_USERS)} → ${int(USERS)} users:** unloaded p50 ${each((s) => `${ms(s.filterSmall.unloaded.p50)} → ${ms(s.filter.unloaded.p50)} ms (${ratio(growth(s.filter.unloaded, s.filterSmall.unloaded))})`)}. ` +
        (filterG.every(ok)
          ? "It does not grow with the directory: the filter is answered from the `user_name_lc` index (the count and the page are two index lookups)."
          : `**It grows beyond the ${GROWTH_TOLERANCE}× allowance on ${results
              .filter((_, i) => !ok(filterG[i]!))
              .map((s) => s.store)
              .join(" and ")}: the aim (no growth) is missed.**`),
    );

    const groupG = results.map((s) => growth(s.groupBig.unloaded, s.groupSmall.unloaded));
    lines.push(
      `**PATCH add-member, ${SMALL_GROUP} → ${int(BIG_GROUP)} members:** unloaded p50 ${each((s) => `${ms(s.groupSmall.unloaded.p50)} → ${ms(s.groupBig.unloaded.p50)} ms (${ratio(growth(s.groupBig.unloaded, s.groupSmall.unloaded))})`)}. ` +
        (groupG.every(ok)
          ? "Independent of the group's size: `patchGroup` inserts one membership row and never reads the member list."
          : `**It grows with the group's size on ${results
              .filter((_, i) => !ok(groupG[i]!))
              .map((s) => s.store)
              .join(" and ")}: the aim is missed.**`),
    );
    lines.push(
      `**${CONNECTIONS} concurrent PATCHes of one group** queue on its row lock (\`select … for update\` in \`patchGroup\`): ` +
        each((s) => {
          const p = s.groupBig;
          const tail = p.loaded.p99 > 5 * p.loaded.p50 ? ", a long tail" : "";
          return `${int(p.unloaded.rps)} req/s one at a time vs ${int(p.loaded.rps)} at ${CONNECTIONS} connections, p50 ${ms(p.loaded.p50)} and p99 ${ms(p.loaded.p99)} ms${tail}`;
        }) +
        ` (the ${int(BIG_GROUP)}-member group; the table above has the ${SMALL_GROUP}-member one). An identity provider sending many member changes to one group at once waits on that lock${groupG.every(ok) ? "; the group's size does not add to it" : ""}.`,
    );

    lines.push(
      `**GET by id vs the bare route:** unloaded p50 ${each((s) => `${ms(s.get.unloaded.p50)} vs ${ms(s.bare.unloaded.p50)} ms (${ratio(s.get.unloaded.p50 / s.bare.unloaded.p50)})`)}; ` +
        `at ${CONNECTIONS} connections the SCIM GET reaches ${each((s) => percent(s.get.loaded.rps / s.bare.loaded.rps))} of the bare route's throughput. ` +
        `The breakdown puts the time in ${each((s) => `token check ${ms(s.breakdown.verifyToken)}, store ${ms(s.breakdown.usersGet)}, SCIMMY coercion ${ms(s.breakdown.scimmyRead - s.breakdown.usersGet)}, the rest ${ms(rest(s))} ms`)}: ` +
        `the largest part is ${each((s) => largestPart(s))}. A bare Express route is a floor no authenticated, store-backed handler comes near; ` +
        (results.every((s) => s.breakdown.scimmyRead - s.breakdown.usersGet + rest(s) > s.breakdown.usersGet)
          ? "still, SCIMMY's coercion and the middleware together cost more than the store's queries."
          : "most of the gap is the store's queries."),
    );

    lines.push(
      `**Concurrency:** from 1 to ${CONNECTIONS} connections, GET by id goes ${each((s) => `${int(s.get.unloaded.rps)} → ${int(s.get.loaded.rps)} req/s`)}. ` +
        "PGlite runs every query on the server's own thread, one at a time, so more connections add queueing (p50 ≈ connections ÷ throughput), not throughput; PostgreSQL runs queries in other processes, so the Node thread can overlap them, as far as this machine's two cores allow.",
    );

    lines.push(
      `**Writes** at ${CONNECTIONS} connections: POST ${each((s) => `${int(s.post.rps)}/s (p99 ${ms(s.post.p99)} ms)`)}; PATCH replace title ${each((s) => `${int(s.patchUser.rps)}/s (p99 ${ms(s.patchUser.p99)} ms)`)}. ` +
        "A user PATCH is the slowest request: SCIMMY reads the user, applies the operation and writes the whole user back, inside one transaction that locks the row (on PGlite that transaction holds the only connection, so every other request waits for it).",
    );

    const bad = results.map(
      (s) =>
        [s.get, s.filter, s.filterSmall, s.bare, s.groupBig, s.groupSmall].reduce((n, p) => n + p.loaded.bad + p.unloaded.bad, 0) +
        s.post.bad +
        s.patchUser.bad,
    );
    lines.push(
      bad.some((b) => b > 0)
        ? `**${bad.reduce((a, b) => a + b, 0)} requests failed** (non-2xx or socket errors): see the "bad" columns; the figures of those runs are suspect.`
        : "Every request of every run answered 2xx.",
    );
    return lines;
  }

  function largestPart(s: ScimResult): string {
    const parts: Array<[string, number]> = [
      ["the token check", s.breakdown.verifyToken],
      ["the store", s.breakdown.usersGet],
      ["SCIMMY's coercion", s.breakdown.scimmyRead - s.breakdown.usersGet],
      ["the rest (router middleware, logging, routing)", rest(s)],
    ];
    const [label, value] = parts.reduce((a, b) => (b[1] > a[1] ? b : a));
    return `${label} (${ms(value)} ms)`;
  }

  /** The HTTP p50 of a GET by id not accounted for by the bare route and the in-process parts. */
  function rest(s: ScimResult): number {
    return s.get.unloaded.p50 - s.bare.unloaded.p50 - s.breakdown.verifyToken - s.breakdown.scimmyRead;
  }

  return { name: "scim", title: "SCIM endpoint", runOn, render };
}

function growth(big: LoadResult, small: LoadResult): number {
  return big.p50 / small.p50;
}

function grows(g: number): string {
  return g <= GROWTH_TOLERANCE ? `no (≤ ${GROWTH_TOLERANCE}×)` : `**yes** (> ${GROWTH_TOLERANCE}×)`;
}

function percent(v: number): string {
  return Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : "n/a";
}
