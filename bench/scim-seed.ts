/**
 * Seeds SCIM users, groups and memberships with set-based SQL (INSERT ... SELECT FROM generate_series),
 * not through HTTP: 100,000 users take seconds instead of minutes. The rows are what src/scim/users.ts
 * and src/scim/groups.ts write for the same resources — the searchable columns, the stored `resource`
 * (SCIM attribute names, no id/meta/groups), version 1, an outbox row per write — and scim_counts
 * is kept right, so the store looks as if every user had been POSTed.
 *
 * Ids are derived from the user's number (md5 of "bench-user-<n>" as a UUID), so that the load
 * generator in the main thread can name random existing users without being sent 100,000 ids, and
 * so that the primary-key index is filled in random order as with randomUUID().
 */
import { createHash } from "node:crypto";
import type { Queryable } from "../src/store/store.js";

const CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";

/** The id of seeded user `n` (1-based), as the SQL below computes it: `md5('bench-user-' || n)::uuid::text`. */
export function benchUserId(n: number): string {
  const h = createHash("md5").update(`bench-user-${n}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The userName of seeded user `n`; filters may use any case (userName is case-insensitive). */
export function benchUserName(n: number): string {
  return `Bench.User${n}@example.com`;
}

/** A user body as an identity provider POSTs it, shaped like the seeded ones. */
export function newUserBody(userName: string, n: number): Record<string, unknown> {
  return {
    schemas: [CORE_USER],
    userName,
    name: { givenName: "Bench", familyName: `New${n}` },
    displayName: `Bench New ${n}`,
    emails: [{ value: userName, type: "work", primary: true }],
    active: true,
    title: "Agent",
  };
}

export const BIG_GROUP = "Bench group (big)";
export const SMALL_GROUP = "Bench group (small)";

async function homeDivision(db: Queryable): Promise<string> {
  const [row] = await db.query<{ id: string }>("select id from divisions where home");
  if (!row) throw new Error("no home division: the store was not prepared");
  return row.id;
}

/** Users `from`..`to` (inclusive), in the home division; one outbox row each; scim_counts adjusted. */
export async function seedUsers(db: Queryable, from: number, to: number, now: Date): Promise<void> {
  const division = await homeDivision(db);
  await db.query(
    `insert into scim_users(id, user_name, user_name_lc, external_id, display_name, display_name_lc, active, division_id, email_values, version, resource, created_at, last_modified)
     select md5('bench-user-' || i)::uuid::text, u.name, lower(u.name), null, u.display, lower(u.display), true, $1, array[lower(u.name)], 1,
            jsonb_build_object(
              'schemas', jsonb_build_array($2::text),
              'userName', u.name,
              'name', jsonb_build_object('givenName', 'Bench', 'familyName', 'User' || i),
              'displayName', u.display,
              'emails', jsonb_build_array(jsonb_build_object('value', u.name, 'type', 'work', 'primary', true)),
              'active', true,
              'title', 'Agent'),
            $3, $3
       from generate_series($4::int, $5::int) as i,
            lateral (select 'Bench.User' || i || '@example.com' as name, 'Bench User' || i as display) as u`,
    [division, CORE_USER, now, from, to],
  );
  await db.query(
    `insert into outbox(resource_type, resource_id, version, op, created_at)
     select 'User', md5('bench-user-' || i)::uuid::text, 1, 'upsert', $1 from generate_series($2::int, $3::int) as i`,
    [now, from, to],
  );
  await db.query(
    `insert into scim_counts(resource_type, division_id, n) values ('User', $1, $2)
     on conflict (resource_type, division_id) do update set n = scim_counts.n + excluded.n`,
    [division, to - from + 1],
  );
}

/** Two groups: one whose members are users 1..`big`, one whose members are users 1..`small`. Returns their ids. */
export async function seedGroups(db: Queryable, big: number, small: number, now: Date): Promise<{ bigId: string; smallId: string }> {
  const ids: string[] = [];
  for (const [name, size] of [
    [BIG_GROUP, big],
    [SMALL_GROUP, small],
  ] as const) {
    const id = createHash("md5")
      .update(`bench-group-${name}`)
      .digest("hex")
      .replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
    await db.query(
      `insert into scim_groups(id, display_name, display_name_lc, external_id, version, resource, created_at, last_modified)
       values ($1, $2, lower($2), null, 1, $3::jsonb, $4, $4)`,
      [id, name, JSON.stringify({ schemas: [CORE_GROUP], displayName: name }), now],
    );
    await db.query(
      `insert into scim_group_members(group_id, member_id, member_type, display)
       select $1, md5('bench-user-' || i)::uuid::text, 'User', null from generate_series(1, $2::int) as i`,
      [id, size],
    );
    await db.query("insert into outbox(resource_type, resource_id, version, op, created_at) values ('Group', $1, 1, 'upsert', $2)", [
      id,
      now,
    ]);
    ids.push(id);
  }
  await db.query(
    `insert into scim_counts(resource_type, division_id, n) values ('Group', '', 2)
     on conflict (resource_type, division_id) do update set n = scim_counts.n + excluded.n`,
  );
  return { bigId: ids[0]!, smallId: ids[1]! };
}

export interface ScimCounts {
  users: number;
  countedUsers: number;
  outbox: number;
  bigMembers: number;
  smallMembers: number;
}

export async function scimCounts(db: Queryable, groups?: { bigId: string; smallId: string }): Promise<ScimCounts> {
  const [row] = await db.query<{ users: number; counted: number | null; outbox: number }>(
    `select (select count(*)::int from scim_users) as users,
            (select sum(n)::int from scim_counts where resource_type = 'User') as counted,
            (select count(*)::int from outbox) as outbox`,
  );
  const members = async (id: string | undefined): Promise<number> =>
    id ? ((await db.query<{ n: number }>("select count(*)::int as n from scim_group_members where group_id = $1", [id]))[0]?.n ?? 0) : 0;
  return {
    users: row?.users ?? 0,
    countedUsers: row?.counted ?? 0,
    outbox: row?.outbox ?? 0,
    bigMembers: await members(groups?.bigId),
    smallMembers: await members(groups?.smallId),
  };
}
