import type { Queryable } from "../store/store.js";
import { PENDING_ON_CONFLICT } from "./sync-state.js";

/**
 * The outbox: the one module that reads or writes its table. A SCIM write records its change here
 * in the same transaction as the resource, so the sync pipeline sees every accepted change and only
 * accepted ones; the relay takes rows in order and deletes them once Redis holds their jobs.
 */
export type ChangedResourceType = "User" | "Group";

export interface OutboxRow {
  id: string;
  resourceType: ChangedResourceType;
  resourceId: string;
  createdAt: Date;
}

/** Records an accepted change; call it in the transaction that writes the resource. */
export async function recordChange(
  tx: Queryable,
  type: ChangedResourceType,
  id: string,
  version: number,
  op: "upsert" | "delete",
  now: Date,
): Promise<void> {
  await tx.query("insert into outbox(resource_type, resource_id, version, op, created_at) values ($1,$2,$3,$4,$5)", [
    type,
    id,
    version,
    op,
    now,
  ]);
}

/**
 * The oldest `limit` changes, in the order they were written, and in the same statement each
 * resource they name marked pending since its oldest change there (sync-state.ts markPendingMany): the relay's read and its first write in one round trip.
 * The rows stay until forgetChanges, once Redis holds their jobs.
 */
export async function claimChanges(db: Queryable, limit: number): Promise<OutboxRow[]> {
  const rows = await db.query<{ id: string; resource_type: ChangedResourceType; resource_id: string; created_at: Date }>(
    `with taken as (select id, resource_type, resource_id, created_at from outbox order by id limit $1),
     marked as (
       insert into sync_state(resource_type, resource_id, state, pending_since)
       select resource_type, resource_id, 'pending', min(created_at) from taken group by resource_type, resource_id
       ${PENDING_ON_CONFLICT}
     )
     select id::text as id, resource_type, resource_id, created_at from taken order by id`,
    [limit],
  );
  return rows.map((r) => ({ id: r.id, resourceType: r.resource_type, resourceId: r.resource_id, createdAt: r.created_at }));
}

/** Forgets changes whose jobs Redis has accepted. */
export async function forgetChanges(db: Queryable, ids: readonly string[]): Promise<void> {
  await db.query("delete from outbox where id = any($1::bigint[])", [ids]);
}

/** How many changes wait in the outbox, and since when (null when it is empty). */
export async function outboxDepth(db: Queryable): Promise<{ depth: number; oldest: Date | null }> {
  const [row] = await db.query<{ n: number; oldest: Date | null }>("select count(*)::int as n, min(created_at) as oldest from outbox");
  return { depth: row?.n ?? 0, oldest: row?.oldest ?? null };
}

/**
 * recordChange's insert for a statement that writes the resource and records its change at once (one
 * round trip, atomic without a transaction): follow it with a `select` of resource_type, resource_id,
 * version, op, created_at from the statement's own `returning` rows.
 */
export const RECORD_CHANGE_INSERT = "insert into outbox(resource_type, resource_id, version, op, created_at)";
