import type { Queryable } from "../store/store.js";

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

export async function getSyncState(db: Queryable, type: SyncResourceType, id: string): Promise<SyncStateRow | null> {
  return (await db.query<SyncStateRow>("select * from sync_state where resource_type = $1 and resource_id = $2", [type, id]))[0] ?? null;
}

/**
 * A change is waiting: remember since when (the oldest unapplied change). A new change to a resource
 * whose last run failed is tried again: it may be the fix.
 */
export async function markPending(db: Queryable, type: SyncResourceType, id: string, since: Date): Promise<void> {
  await markPendingMany(db, [{ type, id, since }]);
}

/** markPending for a batch, in one statement (the relay's). */
export async function markPendingMany(db: Queryable, changes: Array<{ type: SyncResourceType; id: string; since: Date }>): Promise<void> {
  if (changes.length === 0) return;
  await db.query(
    `insert into sync_state(resource_type, resource_id, state, pending_since)
     select c.type, c.id, 'pending', c.since from unnest($1::text[], $2::text[], $3::timestamptz[]) as c(type, id, since)
     on conflict (resource_type, resource_id) do update set state = 'pending',
       pending_since = coalesce(sync_state.pending_since, excluded.pending_since)`,
    [changes.map((c) => c.type), changes.map((c) => c.id), changes.map((c) => c.since)],
  );
}

/**
 * A run applied `version`. If the resource moved on meanwhile it stays pending (the follow-up job
 * applies the rest); `stillPending` says so.
 */
export async function markSynced(
  db: Queryable,
  type: SyncResourceType,
  id: string,
  version: number,
  targetId: string | null,
  now: Date,
  opts: { deleted?: boolean; stillPending: boolean; applied?: unknown },
): Promise<void> {
  await db.query(
    `insert into sync_state(resource_type, resource_id, synced_version, target_id, state, last_error, last_synced_at, pending_since, deleted, applied)
     values ($1,$2,$3,$4,$5,null,$6,null,$7,$9::jsonb)
     on conflict (resource_type, resource_id) do update set synced_version = excluded.synced_version, target_id = coalesce(excluded.target_id, sync_state.target_id),
       state = excluded.state, last_error = null, last_synced_at = excluded.last_synced_at,
       pending_since = case when $8 then sync_state.pending_since else null end, deleted = excluded.deleted, applied = excluded.applied`,
    [
      type,
      id,
      version,
      targetId,
      opts.stillPending ? "pending" : "synced",
      now,
      opts.deleted ?? false,
      opts.stillPending,
      opts.applied === undefined ? null : JSON.stringify(opts.applied),
    ],
  );
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
 * never over the record of a resource the target has already named.
 */
export async function recordBeforeTarget(db: Queryable, type: SyncResourceType, id: string, applied: unknown): Promise<void> {
  await db.query(
    `insert into sync_state(resource_type, resource_id, state, applied) values ($1, $2, 'pending', $3::jsonb)
     on conflict (resource_type, resource_id) do update set applied = excluded.applied where sync_state.target_id is null`,
    [type, id, JSON.stringify(applied)],
  );
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
