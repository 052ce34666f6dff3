/**
 * The SCIM endpoint (filters, paging and group PATCH done in SQL: docs/scimmy.md) with a directory of
 * 100,000 users, measured against issue 12's aims: GET by id and a userName filter against a bare
 * Express route with a constant bearer check, at 1,000 and 100,000 users; a page of 1,000 users; POST
 * and a user PATCH against the rates before issue 12; PATCH add-member on a 50,000-member group
 * against a 5-member group. Users, groups and memberships are seeded with SQL (bench/scim-seed.ts);
 * every measured request goes through the real app over HTTP.
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
/** "Does not grow" / "flat": the larger case's p50 within this factor of the smaller one's (run-to-run noise on this machine). */
const GROWTH_TOLERANCE = 1.25;
const BREAKDOWN_SECONDS = 1;

// Issue 12's aims ("speed"), items 1 and 2.
/** Reads: SCIM throughput at CONNECTIONS at least this share of the bare route's. */
const READ_AIM = 0.4;
/** The page asked for (the largest count the bridge answers, LIMITS.maxResults) and its p50 aim. */
const PAGE_COUNT = 1000;
const PAGE_AIM_MS = 60;
/** Writes: at least this many times the rates before issue 12, with p99 under WRITE_P99_AIM_MS. */
const WRITE_AIM = 3;
const WRITE_P99_AIM_MS = 50;
/**
 * The rates the aim multiplies, as issue 12 quotes them: this section's figures of 2026-11-25 at
 * commit 9cb63b4 (100,000 users, 10 connections, 5 s runs). The p99s are of the same runs, for context.
 * Keyed by the store names bench/run.ts gives.
 */
const BEFORE_LABEL = "2026-11-25, commit 9cb63b4";
const BEFORE: Record<string, { post: number; patch: number; postP99: number; patchP99: number }> = {
  "PGlite (in memory)": { post: 310, patch: 186, postP99: 80.807, patchP99: 102.909 },
  PostgreSQL: { post: 391, patch: 299, postP99: 83.221, patchP99: 65.55 },
};

const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

interface Pair {
  loaded: LoadResult;
  unloaded: LoadResult;
}

interface ScimResult {
  store: string;
  seedMs: { small: number; rest: number; groups: number };
  filterSmall: Pair;
  getSmall: Pair;
  bare: Pair;
  get: Pair;
  filter: Pair;
  /** GET /Users?count=1000 at a random startIndex, 1 connection. */
  page: LoadResult;
  patchUser: LoadResult;
  post: LoadResult;
  groupSmall: Pair;
  groupBig: Pair;
  bytes: { bare: number; get: number; page: number };
  breakdown: ScimBreakdown;
  /** PATCH add-member requests sent per group (warm-ups included), and whether the pool of non-members ran out. */
  groupAdds: { big: number; small: number; reused: boolean };
  after: ScimCounts;
}

const rand = (n: number): number => 1 + Math.floor(Math.random() * n);

function filterPath(n: number): string {
  return `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${benchUserName(n)}"`)}`;
}

function pagePath(startIndex: number): string {
  return `/scim/v2/Users?count=${PAGE_COUNT}&startIndex=${startIndex}`;
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

const met = (ok: boolean): string => (ok ? "yes" : "**no**");

export function scimSection(): Section {
  const results: ScimResult[] = [];
  let runTag = 0;

  async function runOn(name: string, server: ServerHandle): Promise<void> {
    runTag++;
    const token = await issueToken(server);
    const auth = { authorization: `Bearer ${token}` };
    const json = { ...auth, "content-type": "application/scim+json" };
    const app = server.appBase;
    // the bare route's constant check compares with the very header every request sends
    await server.call("bare-bearer", { header: auth.authorization });

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
    const getSpec = (n: number): Omit<LoadSpec, "connections" | "seconds"> => ({
      url: app,
      headers: auth,
      next: () => ({ path: `/scim/v2/Users/${benchUserId(rand(n))}` }),
    });
    const oneResult = (body: string): string | null =>
      (JSON.parse(body) as { totalResults?: number }).totalResults === 1 ? null : `totalResults is not 1: ${body.slice(0, 200)}`;
    const sameId = (id: string) => (body: string) => ((JSON.parse(body) as { id?: string }).id === id ? null : "another id came back");

    // 1. 1,000 users: the baselines of "flat from 1,000 to 100,000".
    log(`${name}: seeding ${int(SMALL_USERS)} users`);
    const seedSmall = await server.call("seed-users", { from: 1, to: SMALL_USERS });
    await probe(`${app}${filterPath(SMALL_USERS)}`, { headers: auth }, 200, oneResult);
    await probe(`${app}/scim/v2/Users/${benchUserId(SMALL_USERS)}`, { headers: auth }, 200, sameId(benchUserId(SMALL_USERS)));
    log(`${name}: warming the fresh server up for ${FIRST_WARMUP_SECONDS} s`);
    await runLoad({ ...filterSpec(SMALL_USERS), connections: CONNECTIONS, seconds: FIRST_WARMUP_SECONDS });
    const filterSmall = await pair(`GET /Users?filter (${int(SMALL_USERS)} users)`, filterSpec(SMALL_USERS));
    const getSmall = await pair(`GET /Users/{id} (${int(SMALL_USERS)} users)`, getSpec(SMALL_USERS));

    // 2. 100,000 users.
    log(`${name}: seeding users ${int(SMALL_USERS + 1)}..${int(USERS)}`);
    const seedRest = USERS > SMALL_USERS ? await server.call("seed-users", { from: SMALL_USERS + 1, to: USERS }) : 0;
    log(`${name}: seeded in ${seconds(seedSmall + seedRest)}`);
    const someId = benchUserId(USERS);
    // the bare route's check must be live: without the header it refuses
    await probe(`${server.verifyBase}/bare/Users/${someId}`, {}, 401);
    const lastPage = Math.max(1, USERS - PAGE_COUNT + 1);
    const bytes = {
      bare: await probe(`${server.verifyBase}/bare/Users/${someId}`, { headers: auth }, 200),
      get: await probe(`${app}/scim/v2/Users/${someId}`, { headers: auth }, 200, sameId(someId)),
      page: await probe(`${app}${pagePath(lastPage)}`, { headers: auth }, 200, (b) => {
        const l = JSON.parse(b) as { itemsPerPage?: number; totalResults?: number };
        const want = Math.min(PAGE_COUNT, USERS);
        return l.itemsPerPage === want && (l.totalResults ?? 0) >= USERS
          ? null
          : `itemsPerPage ${l.itemsPerPage} (want ${want}), totalResults ${l.totalResults}`;
      }),
    };
    await probe(`${app}${filterPath(USERS)}`, { headers: auth }, 200, oneResult);

    const bare = await pair("GET /bare/Users/{id} (bare Express, constant bearer check)", {
      url: server.verifyBase,
      headers: auth,
      next: () => ({ path: `/bare/Users/${benchUserId(rand(USERS))}` }),
    });
    const get = await pair(`GET /Users/{id} (${int(USERS)} users)`, getSpec(USERS));
    const filter = await pair(`GET /Users?filter (${int(USERS)} users)`, filterSpec(USERS));
    const page = await measure(
      `${name} GET /Users?count=${PAGE_COUNT} (${int(USERS)} users)`,
      { url: app, connections: 1, seconds: SECONDS, headers: auth, next: () => ({ path: pagePath(rand(lastPage)) }) },
      WARMUP_SECONDS,
    );
    log(`${name}: in-process breakdown of one GET by id and one page, ${BREAKDOWN_SECONDS} s per part`);
    const breakdown = await server.call("scim-breakdown", { token, users: USERS, seconds: BREAKDOWN_SECONDS, pageCount: PAGE_COUNT });
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
      getSmall,
      bare,
      get,
      filter,
      page,
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
      `- Stores: ${stores}. A fresh store for this section (not the one of the token runs): migrated and seeded (\`prepareStore\`), one client with the SCIM Integration role in all divisions (\`*\`, as \`test/helpers/scim.ts\` makes it), one bearer token from \`POST /oauth/token\` sent with every request. Every request goes to \`buildApp(deps)\` (the real app: request log at level silent, security headers, timing, bearer verification, the SCIM router) under \`/scim/v2\`.`,
      `- The read path measured: \`bearerAuth\` verifies the token from its per-process memory (\`VerificationCache\`: no store query for a hot token); GET by id and filters without \`attributes\`/\`excludedAttributes\` read the store in one statement each (a user's groups are kept on its row; a filtered page and its total come from one statement), an unfiltered page in two (its total from \`scim_counts\`, then the page), and all render the stored resource with \`renderStored\` (\`src/scim/render.ts\`), not through SCIMMY. Writes: POST validates the body with SCIMMY ("in") and inserts in one statement; a user PATCH reads the user locked, applies SCIMMY's PatchOp to it, validates the result and writes it back, in one transaction.`,
      `- Seeding in SQL, not HTTP (\`bench/scim-seed.ts\`): one \`INSERT … SELECT FROM generate_series\` fills \`scim_users\` as \`src/scim/users.ts\` writes it (userName \`Bench.User<n>@example.com\`, \`user_name_lc\`, displayName and \`display_name_lc\`, \`email_values\`, the home division, version 1, the \`resource\` JSON with schemas, userName, name, displayName, emails, active and title, created = lastModified), plus one \`outbox\` row per user and the \`scim_counts\` row. Ids are \`md5('bench-user-<n>')\` as a UUID: random order in the primary key, and the load generator can name any user without being sent the ids. \`VACUUM ANALYZE\` after each seeding step, as autovacuum would leave a settled PostgreSQL.`,
      `- Order on each store: ${int(SMALL_USERS)} users seeded → ${FIRST_WARMUP_SECONDS} s warm-up of the fresh server → filter and GET by id runs; users ${int(SMALL_USERS + 1)}..${int(USERS)} seeded → bare route, GET by id, filter, page of ${int(PAGE_COUNT)}, in-process breakdown, PATCH, POST; then two groups seeded (\`scim_group_members\` rows: users 1..${int(BIG_GROUP)} in one, users 1..${SMALL_GROUP} in the other) → PATCH add-member on the ${SMALL_GROUP}-member group, then on the ${int(BIG_GROUP)}-member group.`,
      `- Requests: **GET by id** of a random seeded user; **filter** \`GET /scim/v2/Users?filter=userName eq "<random seeded userName>"\` (default count 100; one user per answer, checked by a probe); **page** \`GET /scim/v2/Users?count=${PAGE_COUNT}&startIndex=<random>\` (startIndex uniform over 1..${int(Math.max(1, USERS - PAGE_COUNT + 1))}, so every page is full; ${int(PAGE_COUNT)} users per answer, checked by a probe), 1 connection only; **PATCH** \`replace\` of \`title\` on a random seeded user (204); **POST** a new user with a unique userName per request (a counter; 201); **PATCH add-member** \`{"op":"add","path":"members","value":[{"value":"<user id>"}]}\` with a different user, not yet a member, each request (users ${int(BIG_GROUP + 1)} on, 204).`,
      `- The **bare route** is issue 12's floor, "a bare Express route with a constant bearer check": \`GET /bare/Users/{id}\` on an Express app without middleware, served by the same worker thread, that compares the \`Authorization\` header with one constant string (401 otherwise; the load sends it the same header as to the SCIM endpoint, and a probe checks that it refuses a request without it), then answers \`res.json\` of a constant user shaped like the seeded ones (the requested id and location put in).`,
      `- Each run: ${WARMUP_SECONDS} s warm-up (discarded), then ${SECONDS} s measured; under load at ${CONNECTIONS} connections and, for the comparisons, unloaded at 1 connection. Random ids, names and page offsets are drawn uniformly per request in the load generator.`,
      "",
    );

    out.push("### Issue 12's aims", "");
    out.push(`#### Reads against the bare route with a constant bearer check, ${CONNECTIONS} connections`, "");
    out.push(
      table(
        ["Store", "Request", "users", "bare req/s", "SCIM req/s", "SCIM ÷ bare", `≥ ${READ_AIM} met?`, "SCIM ÷ bare, 1 conn"],
        results.flatMap((s) =>
          readRuns(s).map(([label, users, p]) => {
            const r = p.loaded.rps / s.bare.loaded.rps;
            return [
              s.store,
              label,
              int(users),
              int(s.bare.loaded.rps),
              int(p.loaded.rps),
              fixed2(r),
              met(r >= READ_AIM),
              fixed2(p.unloaded.rps / s.bare.unloaded.rps),
            ];
          }),
        ),
      ),
      "",
      `Aim: GET /Users/{id} and a userName eq filter at least ${READ_AIM} of the bare route's throughput. One bare run (at ${int(USERS)} users; it reads nothing, so the directory's size does not matter to it) is the divisor of every row; the last column, for context, divides the unloaded runs. ` +
        bareLimitNote(),
      "",
    );

    out.push(`#### Reads: ${int(SMALL_USERS)} vs ${int(USERS)} users`, "");
    out.push(
      table(
        [
          "Store",
          "Request",
          "conns",
          `p50 ms, ${int(SMALL_USERS)}`,
          `p50 ms, ${int(USERS)}`,
          "p50 ratio",
          `p99 ms, ${int(SMALL_USERS)}`,
          `p99 ms, ${int(USERS)}`,
          "p99 ratio",
          `req/s, ${int(SMALL_USERS)}`,
          `req/s, ${int(USERS)}`,
          "flat?",
        ],
        results.flatMap((s) =>
          flatRuns(s).flatMap(([label, small, big]) =>
            kinds.map((k) => [
              s.store,
              label,
              conns(k),
              ms(small[k].p50),
              ms(big[k].p50),
              ratio(growth(big[k], small[k])),
              ms(small[k].p99),
              ms(big[k].p99),
              ratio(big[k].p99 / small[k].p99),
              int(small[k].rps),
              int(big[k].rps),
              flat(growth(big[k], small[k])),
            ]),
          ),
        ),
      ),
      "",
      `Aim: flat from ${int(SMALL_USERS)} to ${int(USERS)} users. Same request shape, same client, same store (the ${int(USERS)} are the ${int(SMALL_USERS)} plus the rest). "Flat?" compares the p50s, allowing ${GROWTH_TOLERANCE}× for run-to-run noise.`,
      "",
    );

    out.push(`#### A page of ${int(PAGE_COUNT)} users out of ${int(USERS)}`, "");
    out.push(
      table(
        ["Store", "Request", "conns", "req/s", "p50 ms", "p99 ms", "response", "bad", `≤ ${PAGE_AIM_MS} ms p50 met?`],
        results.map((s) => [
          s.store,
          `GET /Users?count=${PAGE_COUNT}&startIndex=<random>`,
          "1",
          int(s.page.rps),
          ms(s.page.p50),
          ms(s.page.p99),
          kib(s.bytes.page),
          String(s.page.bad),
          met(s.page.p50 <= PAGE_AIM_MS),
        ]),
      ),
      "",
      `Aim: a count=${PAGE_COUNT} page at most ${PAGE_AIM_MS} ms p50 (unloaded).`,
      "",
      table(
        ["Store", "HTTP p50", "`Users.list` (store)", `\`renderStored\` × ${int(PAGE_COUNT)}`, "`JSON.stringify`", "the rest"],
        results.map((s) => {
          const b = s.breakdown.page;
          return [s.store, ms(s.page.p50), ms(b.usersList), ms(b.render), ms(b.stringify), ms(pageRest(s))];
        }),
      ),
      "",
      `Where a page spends its time: in-process medians (ms) over ${BREAKDOWN_SECONDS} s each after 5 warm-up calls, random startIndex as in the HTTP run. \`Users.list\` is the page's statement (\`order by seq … limit ${PAGE_COUNT} offset startIndex − 1\`) and its total from \`scim_counts\`, with each row turned into a resource; \`renderStored\` of every user of the page; \`JSON.stringify\` of the ListResponse. "The rest" is the HTTP p50 minus the three (the middleware, the response step, writing ${kib(results[0]?.bytes.page ?? NaN)} to the socket).`,
      "",
    );

    out.push(`#### Writes against the rates before issue 12, ${CONNECTIONS} connections`, "");
    out.push(
      table(
        [
          "Store",
          "Request",
          "req/s before",
          "req/s now",
          "now ÷ before",
          `≥ ${WRITE_AIM}× met?`,
          "p99 ms before",
          "p99 ms now",
          `p99 < ${WRITE_P99_AIM_MS} ms met?`,
        ],
        results.flatMap((s) =>
          writeRuns(s).map(([label, r, before, beforeP99]) => {
            const g = r.rps / before;
            return [
              s.store,
              label,
              int(before),
              int(r.rps),
              ratio(g),
              Number.isFinite(g) ? met(g >= WRITE_AIM) : "n/a",
              ms(beforeP99),
              ms(r.p99),
              met(r.p99 < WRITE_P99_AIM_MS),
            ];
          }),
        ),
      ),
      "",
      `Aim: POST /Users and a user PATCH at least ${WRITE_AIM}× the rates issue 12 quotes (this section's figures of ${BEFORE_LABEL}: ${Object.entries(
        BEFORE,
      )
        .map(([store, b]) => `${store} ${b.post} / ${b.patch} per second`)
        .join(
          ", ",
        )}), p99 under ${WRITE_P99_AIM_MS} ms. The "before" p99s are of the same runs.${USERS === 100_000 && SECONDS === 5 ? "" : ` **This run differs from those (${int(USERS)} users, ${SECONDS} s runs): the comparison is rough.**`} Group member PATCH unchanged in cost by the group's size: see "PATCH add-member" below.`,
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
            row(`GET /Users?count=${PAGE_COUNT}&startIndex=<random>`, s.page, "1"),
          ];
        }),
      ),
      "",
    );

    out.push("### GET by id vs the bare route", "");
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
      `${int(USERS)} users. Response bodies: bare ${int(results[0]?.bytes.bare ?? NaN)} B, SCIM ${int(results[0]?.bytes.get ?? NaN)} B. The bare route has no middleware, a one-string token check and no store query: the floor for an authenticated Express JSON answer on this machine.`,
      "",
    );

    out.push("#### Where one GET by id spends its time", "");
    out.push(
      table(
        [
          "Store",
          "HTTP p50, unloaded",
          "bare route p50",
          "`verifyToken`",
          "`Users.get` (store)",
          "`renderStored`",
          "`JSON.stringify`",
          "the rest",
          "SCIMMY's out coercion, for comparison",
        ],
        results.map((s) => {
          const b = s.breakdown;
          return [
            s.store,
            ms(s.get.unloaded.p50),
            ms(s.bare.unloaded.p50),
            ms(b.verifyToken),
            ms(b.usersGet),
            ms(b.render),
            ms(b.stringify),
            ms(rest(s)),
            ms(scimmyOut(s)),
          ];
        }),
      ),
      "",
      `In-process medians (ms), one call at a time for ${BREAKDOWN_SECONDS} s each after 200 warm-up calls, random seeded users, as the GET route runs them: \`verifyToken\` with a warm \`VerificationCache\` as \`bearerAuth\` runs it (the token and the client's grants from memory); \`Users.get\` reads the user's row, its groups included (one query); \`renderStored\` renders that stored user; \`JSON.stringify\` serializes the rendered user. ` +
        `"The rest" is the HTTP p50 minus the bare route's p50 and those four parts: the SCIM router's middleware (request context, list parsing, the response step), the request log and timing middleware, routing and the response's headers. The bare route's own p50 includes a \`res.json\` of a body of about the same size, so subtracting \`JSON.stringify\` too counts it twice: "the rest" is understated by about that column. ` +
        `SCIMMY's out coercion is no longer on this path: the column is \`new SCIMMY.Resources.User(id).read(ctx)\` minus \`Users.get\`, what the same read cost through SCIMMY's "out" coercion, the path before issue 12, beside \`renderStored\` which replaced it.`,
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

  /**
   * The bare route's gain from 1 to CONNECTIONS connections: where it is small, a busy thread bounds the
   * bare figure under load, possibly the load generator's (on the same cores), and then the ratio
   * against it flatters the SCIM reads.
   */
  function bareLimitNote(): string {
    const gain = (s: ScimResult): number => s.bare.loaded.rps / s.bare.unloaded.rps;
    const capped = results.filter((s) => gain(s) < GROWTH_TOLERANCE);
    const figures = results.map((s) => `${s.store} ${int(s.bare.unloaded.rps)} → ${int(s.bare.loaded.rps)} req/s`).join("; ");
    return capped.length
      ? `From 1 to ${CONNECTIONS} connections the bare route goes ${figures}. On ${capped.map((s) => s.store).join(" and ")} it gains less than ${GROWTH_TOLERANCE}×: under load it is bounded by one of the two busy threads on the same cores, the server's or the load generator's; where it is the load generator's, the bare figure understates the floor and the ratio is kinder to the SCIM reads.`
      : `From 1 to ${CONNECTIONS} connections the bare route goes ${figures}.`;
  }

  /** The reads issue 12 holds to READ_AIM: label, directory size, runs. */
  function readRuns(s: ScimResult): Array<[string, number, Pair]> {
    return [
      ["GET /Users/{id}", SMALL_USERS, s.getSmall],
      ["GET /Users/{id}", USERS, s.get],
      ['GET /Users?filter=userName eq "…"', SMALL_USERS, s.filterSmall],
      ['GET /Users?filter=userName eq "…"', USERS, s.filter],
    ];
  }

  /** The reads that should not grow with the directory: label, runs at SMALL_USERS, runs at USERS. */
  function flatRuns(s: ScimResult): Array<[string, Pair, Pair]> {
    return [
      ["GET /Users/{id}", s.getSmall, s.get],
      ['GET /Users?filter=userName eq "…"', s.filterSmall, s.filter],
    ];
  }

  /** The writes issue 12 holds to WRITE_AIM: label, run, the rate and p99 before (NaN for a store it has none of). */
  function writeRuns(s: ScimResult): Array<[string, LoadResult, number, number]> {
    const b = BEFORE[s.store];
    return [
      ["POST /Users", s.post, b?.post ?? NaN, b?.postP99 ?? NaN],
      ["PATCH /Users/{id} (replace title)", s.patchUser, b?.patch ?? NaN, b?.patchP99 ?? NaN],
    ];
  }

  /** Sentences drawn from the figures, so that they stay true when the figures change. */
  function commentary(): string[] {
    const lines: string[] = [];
    const ok = (g: number): boolean => g <= GROWTH_TOLERANCE;
    const each = (f: (s: ScimResult) => string): string => results.map((s) => `${s.store} ${f(s)}`).join("; ");
    /** "on A and B" for the stores where `fails` holds. */
    const where = (fails: (s: ScimResult) => boolean): string =>
      results
        .filter(fails)
        .map((s) => s.store)
        .join(" and ");

    // Aim 1: reads against the floor.
    const readMiss = (s: ScimResult): boolean => readRuns(s).some(([, , p]) => p.loaded.rps / s.bare.loaded.rps < READ_AIM);
    lines.push(
      `**Reads against the floor (aim: ≥ ${READ_AIM} of the bare route at ${CONNECTIONS} connections):** at ${int(USERS)} users GET by id reaches ${each((s) => fixed2(s.get.loaded.rps / s.bare.loaded.rps))} of the bare route's throughput, the filter ${each((s) => fixed2(s.filter.loaded.rps / s.bare.loaded.rps))} (bare ${each((s) => `${int(s.bare.loaded.rps)} req/s`)}). ` +
        (results.some(readMiss)
          ? `The aim is missed on ${where(readMiss)}${results.every(readMiss) ? "" : `, met on ${where((s) => !readMiss(s))}`} (the table above has the ${int(SMALL_USERS)}-user runs too).`
          : `The aim is met on every store, at ${int(SMALL_USERS)} and at ${int(USERS)} users.`),
    );

    const flatMiss = (s: ScimResult): boolean => flatRuns(s).some(([, small, big]) => !ok(growth(big.unloaded, small.unloaded)));
    lines.push(
      `**${int(SMALL_USERS)} → ${int(USERS)} users:** unloaded p50 of GET by id ${each((s) => `${ms(s.getSmall.unloaded.p50)} → ${ms(s.get.unloaded.p50)} ms (${ratio(growth(s.get.unloaded, s.getSmall.unloaded))})`)}; of the filter ${each((s) => `${ms(s.filterSmall.unloaded.p50)} → ${ms(s.filter.unloaded.p50)} ms (${ratio(growth(s.filter.unloaded, s.filterSmall.unloaded))})`)}. ` +
        (results.some(flatMiss)
          ? `**Beyond the ${GROWTH_TOLERANCE}× allowance on ${where(flatMiss)}: the aim (flat) is missed there** (see the table for which request and at how many connections).`
          : "Both stay flat with the directory's size: a GET by id is one read by primary key (the groups are on the row), the filter one statement on the `user_name_lc` index that returns the page and its total together."),
    );

    const pageMiss = (s: ScimResult): boolean => !(s.page.p50 <= PAGE_AIM_MS);
    const pageParts = (s: ScimResult): Array<[string, number]> => [
      ["the store", s.breakdown.page.usersList],
      ["rendering", s.breakdown.page.render],
      ["serializing", s.breakdown.page.stringify],
      ["the rest", pageRest(s)],
    ];
    lines.push(
      `**A page of ${int(PAGE_COUNT)} (aim: ≤ ${PAGE_AIM_MS} ms p50):** ${each((s) => `p50 ${ms(s.page.p50)}, p99 ${ms(s.page.p99)} ms`)} (${kib(results[0]?.bytes.page ?? NaN)} per answer). ` +
        (results.some(pageMiss) ? `**The aim is missed on ${where(pageMiss)}.** ` : "The aim is met on every store. ") +
        `In process, a page takes ${each((s) =>
          pageParts(s)
            .map(([label, v]) => `${label} ${ms(v)}`)
            .join(", "),
        )} ms: the largest part is ${each((s) => {
          const [label, v] = pageParts(s).reduce((a, b) => (b[1] > a[1] ? b : a));
          return `${label} (${ms(v)} ms)`;
        })}.`,
    );

    // Where a GET by id spends its time now.
    lines.push(
      `**Where a GET by id spends its time:** unloaded p50 ${each((s) => `${ms(s.get.unloaded.p50)} vs the bare route's ${ms(s.bare.unloaded.p50)} ms (${ratio(s.get.unloaded.p50 / s.bare.unloaded.p50)})`)}. ` +
        `The breakdown puts the difference in ${each((s) => `token check ${ms(s.breakdown.verifyToken)}, store ${ms(s.breakdown.usersGet)}, rendering ${ms(s.breakdown.render)}, serializing ${ms(s.breakdown.stringify)}, the rest ${ms(rest(s))} ms`)}: ` +
        `the largest part is ${each((s) => largestPart(s))}. ` +
        `SCIMMY's out coercion, which \`renderStored\` replaced, costs ${each((s) => `${ms(scimmyOut(s))} ms against ${ms(s.breakdown.render)}`)} (${results.every((s) => scimmyOut(s) > s.breakdown.render) ? "more on every store" : "not more on every store"}).`,
    );

    lines.push(
      `**Concurrency:** from 1 to ${CONNECTIONS} connections, GET by id goes ${each((s) => `${int(s.get.unloaded.rps)} → ${int(s.get.loaded.rps)} req/s (${ratio(s.get.loaded.rps / s.get.unloaded.rps)})`)}; the bare route ${each((s) => `${int(s.bare.unloaded.rps)} → ${int(s.bare.loaded.rps)} req/s (${ratio(s.bare.loaded.rps / s.bare.unloaded.rps)})`)}. ` +
        "With one connection the server thread waits for the load generator between requests; more connections keep it busy. Beyond that, PGlite runs every query on the server's own thread, one at a time, so more connections add queueing (p50 ≈ connections ÷ throughput); PostgreSQL runs queries in other processes, which the Node thread can overlap, as far as this machine's two cores (shared with the load generator) allow.",
    );

    // Aim 2: writes.
    const writeMiss = (s: ScimResult): boolean =>
      writeRuns(s).some(([, r, before]) => !(r.rps / before >= WRITE_AIM) || !(r.p99 < WRITE_P99_AIM_MS));
    const writes = (pick: (s: ScimResult) => [LoadResult, number]): string =>
      each((s) => {
        const [r, before] = pick(s);
        return `${int(before)} → ${int(r.rps)}/s (${ratio(r.rps / before)}), p99 ${ms(r.p99)} ms`;
      });
    const slowest = results.filter((s) => [s.get.loaded, s.filter.loaded, s.post].every((r) => s.patchUser.rps < r.rps));
    lines.push(
      `**Writes (aim: ≥ ${WRITE_AIM}× the rates before, p99 < ${WRITE_P99_AIM_MS} ms, at ${CONNECTIONS} connections):** POST ${writes((s) => [s.post, BEFORE[s.store]?.post ?? NaN])}; PATCH replace title ${writes((s) => [s.patchUser, BEFORE[s.store]?.patch ?? NaN])}. ` +
        (results.some(writeMiss)
          ? `**The aim is missed on ${where(writeMiss)}** (the table above says which part). `
          : "The aim is met on every store. ") +
        (slowest.length
          ? `A user PATCH is the slowest of these requests on ${slowest.map((s) => s.store).join(" and ")}: it reads the user locked, applies SCIMMY's PatchOp, validates the result and writes it back, all in one transaction (on PGlite that transaction holds the only connection, so every other request waits for it).`
          : "A user PATCH reads the user locked, applies SCIMMY's PatchOp, validates the result and writes it back, all in one transaction."),
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

    const bad = results.map(
      (s) =>
        [s.get, s.getSmall, s.filter, s.filterSmall, s.bare, s.groupBig, s.groupSmall].reduce(
          (n, p) => n + p.loaded.bad + p.unloaded.bad,
          0,
        ) +
        s.page.bad +
        s.post.bad +
        s.patchUser.bad,
    );
    lines.push(
      bad.some((b) => b > 0)
        ? `**${bad.reduce((a, b) => a + b, 0)} requests failed** (non-2xx or socket errors): see the "bad" columns and the progress lines; the figures of those runs are suspect.`
        : "Every request of every run answered 2xx.",
    );
    return lines;
  }

  function largestPart(s: ScimResult): string {
    const parts: Array<[string, number]> = [
      ["the token check", s.breakdown.verifyToken],
      ["the store", s.breakdown.usersGet],
      ["rendering", s.breakdown.render],
      ["serializing", s.breakdown.stringify],
      ["the rest (router middleware, logging, routing)", rest(s)],
    ];
    const [label, value] = parts.reduce((a, b) => (b[1] > a[1] ? b : a));
    return `${label} (${ms(value)} ms)`;
  }

  /** The HTTP p50 of a GET by id not accounted for by the bare route and the in-process parts. */
  function rest(s: ScimResult): number {
    const b = s.breakdown;
    return s.get.unloaded.p50 - s.bare.unloaded.p50 - b.verifyToken - b.usersGet - b.render - b.stringify;
  }

  /** The HTTP p50 of a page not accounted for by the in-process parts. */
  function pageRest(s: ScimResult): number {
    const b = s.breakdown.page;
    return s.page.p50 - b.usersList - b.render - b.stringify;
  }

  /** What SCIMMY's "out" coercion added to `Users.get` (the read path before renderStored). */
  function scimmyOut(s: ScimResult): number {
    return s.breakdown.scimmyRead - s.breakdown.usersGet;
  }

  return { name: "scim", title: "SCIM endpoint", runOn, render };
}

function growth(big: LoadResult, small: LoadResult): number {
  return big.p50 / small.p50;
}

function grows(g: number): string {
  return g <= GROWTH_TOLERANCE ? `no (≤ ${GROWTH_TOLERANCE}×)` : `**yes** (> ${GROWTH_TOLERANCE}×)`;
}

function flat(g: number): string {
  return g <= GROWTH_TOLERANCE ? `yes (≤ ${GROWTH_TOLERANCE}×)` : `**no** (> ${GROWTH_TOLERANCE}×)`;
}

function percent(v: number): string {
  return Number.isFinite(v) ? `${(v * 100).toFixed(1)} %` : "n/a";
}

function fixed2(v: number): string {
  return Number.isFinite(v) ? v.toFixed(2) : "n/a";
}

function kib(bytes: number): string {
  return Number.isFinite(bytes) ? `${int(bytes / 1024)} KiB` : "n/a";
}
