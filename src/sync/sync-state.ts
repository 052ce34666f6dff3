import type { Queryable } from "../store/store.js";
import { StoreBatcher, batcherOf } from "./reconcile-deps.js";

export type SyncResourceType = "User" | "Group";

/** The table holding each type's SCIM resources. */
export const RESOURCE_TABLES: Readonly<Record<SyncResourceType, string>> = { User: "scim_users", Group: "scim_groups" };

export interface SyncStateRow {
  resource_type: SyncResourceType;
  resource_id: string;
  synced_version: number;
  target_id: string | null;
  state: "pending" | "synced" | "failed";
  last_error: string | null;
  last_synced_at: Date | null;
  pending_since: Date | null;
  deleted: boolean;
  applied: unknown;
}

/**
 * A change is waiting: remember since when (the oldest unapplied change). A new change to a resource
 * whose last run failed is tried again: it may be the fix.
 */
export async function markPending(db: Queryable, type: SyncResourceType, id: string, since: Date): Promise<void> {
  await markPendingMany(db, [{ type, id, since }]);
}

/**
 * The upsert's conflict clause that marks a resource pending: a resource already pending keeps the
 * time of its oldest unapplied change. Shared by every statement that marks pending (the relay's
 * claim in outbox.ts among them), so that they agree.
 */
export const PENDING_ON_CONFLICT = `on conflict (resource_type, resource_id) do update set state = 'pending',
       pending_since = coalesce(sync_state.pending_since, excluded.pending_since)`;

/** markPending for a batch, in one statement. */
export async function markPendingMany(db: Queryable, changes: Array<{ type: SyncResourceType; id: string; since: Date }>): Promise<void> {
  if (changes.length === 0) return;
  await db.query(
    `insert into sync_state(resource_type, resource_id, state, pending_since)
     select c.type, c.id, 'pending', c.since from unnest($1::text[], $2::text[], $3::timestamptz[]) as c(type, id, since)
     ${PENDING_ON_CONFLICT}`,
    [changes.map((c) => c.type), changes.map((c) => c.id), changes.map((c) => c.since)],
  );
}

/** What markSynced and markUserSynced write, and how. */
interface SyncedOpts {
  deleted?: boolean;
  /** The run left the resource short of what was asked (a manager not yet on the target, members waiting): it stays pending. */
  stillPending: boolean;
  applied?: unknown;
  /** The version the run read (default `version`): the resource moved on when its version is now another. */
  sawVersion?: number;
}

/** One run's last write, as the batched statement takes it. */
interface SyncedItem {
  id: string;
  version: number;
  targetId: string | null;
  sawVersion: number;
  at: Date;
  deleted: boolean;
  short: boolean;
  applied: string | null;
  groups: boolean;
  reports: boolean;
}

interface SyncedOut {
  moved: boolean;
  groups: string[];
  reports: string[];
}

/**
 * The last write of the runs of one type, for every run in the batch (StoreBatcher): each resource's
 * version now is compared with the one its run read (`moved`: it stays pending and is queued again),
 * and its sync state upserted, pending when the run fell short or the resource moved on, else synced.
 * A deletion has no version to compare. For users asked for them, the groups they belong to and the
 * users they manage, read at the write (a report written during the run is not missed).
 * `RESOURCE_TABLES[type]`, never input, names the table.
 */
function syncedSql(type: SyncResourceType): string {
  return `with r as (
       select * from unnest($2::text[], $3::int[], $4::text[], $5::int[], $6::timestamptz[], $7::boolean[], $8::boolean[], $9::text[], $10::boolean[], $11::boolean[])
         as r(id, synced_version, target_id, saw, at, deleted, short, applied, groups, reports)
     ), cur as (
       select r.*, (not r.deleted and (select t.version from ${RESOURCE_TABLES[type]} t where t.id = r.id) is distinct from r.saw) as moved from r
     ), up as (
       insert into sync_state(resource_type, resource_id, synced_version, target_id, state, last_error, last_synced_at, pending_since, deleted, applied)
       select $1::text, id, synced_version, target_id, case when short or moved then 'pending' else 'synced' end, null, at, null, deleted, applied::jsonb
         from cur
       on conflict (resource_type, resource_id) do update set synced_version = excluded.synced_version,
         target_id = coalesce(excluded.target_id, sync_state.target_id), state = excluded.state, last_error = null,
         last_synced_at = excluded.last_synced_at,
         pending_since = case when excluded.state = 'pending' then sync_state.pending_since else null end,
         deleted = excluded.deleted, applied = excluded.applied
     )
     select id, moved,
            case when groups then array(select m.group_id from scim_group_members m where m.member_id = cur.id) end as groups,
            case when reports then array(select u.id from scim_users u where ${managerIdSql("u")} = cur.id) end as reports
       from cur`;
}

function syncedBatcher(db: Queryable, type: SyncResourceType): StoreBatcher<SyncedItem, SyncedOut> {
  return batcherOf(
    db,
    `markSynced:${type}`,
    () =>
      new StoreBatcher<SyncedItem, SyncedOut>(
        async (items) => {
          const rows = await db.query<{ id: string; moved: boolean; groups: string[] | null; reports: string[] | null }>(syncedSql(type), [
            type,
            items.map((i) => i.id),
            items.map((i) => i.version),
            items.map((i) => i.targetId),
            items.map((i) => i.sawVersion),
            items.map((i) => i.at),
            items.map((i) => i.deleted),
            items.map((i) => i.short),
            items.map((i) => i.applied),
            items.map((i) => i.groups),
            items.map((i) => i.reports),
          ]);
          const byId = new Map(rows.map((r) => [r.id, r]));
          return items.map((i) => {
            const r = byId.get(i.id);
            return { moved: r?.moved ?? false, groups: r?.groups ?? [], reports: r?.reports ?? [] };
          });
        },
        (i) => i.id,
      ),
  );
}

function syncedItem(id: string, version: number, targetId: string | null, now: Date, opts: SyncedOpts): SyncedItem {
  return {
    id,
    version,
    targetId,
    sawVersion: opts.sawVersion ?? version,
    at: now,
    deleted: opts.deleted ?? false,
    short: opts.stillPending,
    applied: opts.applied === undefined ? null : JSON.stringify(opts.applied),
    groups: false,
    reports: false,
  };
}

/**
 * A run applied `version`. If the resource moved on meanwhile it stays pending (the follow-up job
 * applies the rest), as it does when `stillPending` says the run fell short. One write, which also
 * answers whether the resource moved on (its version is no longer the one the run read), so that the
 * run need not read the version again; concurrent runs share the statement (StoreBatcher).
 */
export async function markSynced(
  db: Queryable,
  type: SyncResourceType,
  id: string,
  version: number,
  targetId: string | null,
  now: Date,
  opts: SyncedOpts,
): Promise<{ moved: boolean }> {
  const { moved } = await syncedBatcher(db, type).submit(syncedItem(id, version, targetId, now, opts));
  return { moved };
}

/** The enterprise extension's manager id of a stored user, `alias` its scim_users row (the expression index of migrations/006 serves it). */
export function managerIdSql(alias = "scim_users"): string {
  return `(${alias}.resource->'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'->'manager'->>'value')`;
}

/**
 * markSynced for a user, which also answers, when asked: the groups it belongs to (`groups`: its
 * target id is new, or it was restored, so memberships may have waited for it) and the users it
 * manages (`reports`: its target id is new, so their manager can now be set).
 */
export async function markUserSynced(
  db: Queryable,
  id: string,
  version: number,
  targetId: string | null,
  now: Date,
  opts: SyncedOpts & { groups: boolean; reports: boolean },
): Promise<SyncedOut> {
  return syncedBatcher(db, "User").submit({ ...syncedItem(id, version, targetId, now, opts), groups: opts.groups, reports: opts.reports });
}

/**
 * Keeps the target's id the moment the target names it (a create answered), before anything else of
 * the run can fail: a retry then updates that resource instead of creating a second one.
 */
export async function recordTarget(db: Queryable, type: SyncResourceType, id: string, targetId: string, applied: unknown): Promise<void> {
  await db.query(
    `insert into sync_state(resource_type, resource_id, state, target_id, applied) values ($1,$2,'pending',$3,$4::jsonb)
     on conflict (resource_type, resource_id) do update set target_id = excluded.target_id, applied = excluded.applied, deleted = false`,
    [type, id, targetId, JSON.stringify(applied)],
  );
}

/**
 * What a run keeps before the target names the resource (a create about to be sent), in `applied`;
 * never over the record of a resource the target has already named. Concurrent runs share the
 * statement (StoreBatcher).
 */
export async function recordBeforeTarget(db: Queryable, type: SyncResourceType, id: string, applied: unknown): Promise<void> {
  const batcher = batcherOf(
    db,
    `recordBeforeTarget:${type}`,
    () =>
      new StoreBatcher<{ id: string; applied: string }, null>(
        async (items) => {
          await db.query(
            `insert into sync_state(resource_type, resource_id, state, applied)
             select $1::text, r.id, 'pending', r.applied::jsonb from unnest($2::text[], $3::text[]) as r(id, applied)
             on conflict (resource_type, resource_id) do update set applied = excluded.applied where sync_state.target_id is null`,
            [type, items.map((i) => i.id), items.map((i) => i.applied)],
          );
          return items.map(() => null);
        },
        (i) => i.id,
      ),
  );
  await batcher.submit({ id, applied: JSON.stringify(applied) });
}

/** The target no longer has the resource: its id and what the last run left are forgotten (the next run creates it again). */
export async function forgetTarget(db: Queryable, type: SyncResourceType, id: string): Promise<void> {
  await db.query("update sync_state set target_id = null, applied = null where resource_type = $1 and resource_id = $2", [type, id]);
}

/** A run failed for good: keep the target's message where admins look (GET /admin/v1/sync/users/:id). */
export async function markFailed(db: Queryable, type: SyncResourceType, id: string, message: string): Promise<void> {
  await db.query(
    `insert into sync_state(resource_type, resource_id, state, last_error) values ($1,$2,'failed',$3)
     on conflict (resource_type, resource_id) do update set state = 'failed', last_error = excluded.last_error`,
    [type, id, message],
  );
}

/** A transient failure: note it, stay pending. */
export async function noteError(db: Queryable, type: SyncResourceType, id: string, message: string): Promise<void> {
  await db.query(
    `insert into sync_state(resource_type, resource_id, state, last_error) values ($1,$2,'pending',$3)
     on conflict (resource_type, resource_id) do update set last_error = excluded.last_error`,
    [type, id, message],
  );
}
