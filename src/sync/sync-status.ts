import type { Queryable } from "../store/store.js";
import { RESOURCE_TABLES, type SyncResourceType } from "./sync-state.js";
import { outboxDepth } from "./outbox.js";

export type SyncStateName = "synced" | "pending" | "failed";
export const SYNC_STATES: readonly SyncStateName[] = ["synced", "pending", "failed"];

export type Counts = Record<SyncStateName, number>;

/**
 * Every resource of a type with the state the sweep (sweep.ts) sees in it, one row each: a resource
 * here is pending when the sweep would queue it, failed when it waits for an admin's retry, synced
 * otherwise. A resource deleted here counts while its deletion is outstanding (pending while the target
 * still holds it, failed when the deletion failed for good); once applied, or with nothing on the
 * target to delete, it is no longer counted. Status counts, lists and the one-resource answer all read
 * this, so they agree with each other and with the sweep.
 */
function resourcesSql(type: SyncResourceType): string {
  const table = RESOURCE_TABLES[type];
  return `select r.id, r.version as desired_version, coalesce(s.synced_version, 0) as synced_version, s.target_id, s.last_error,
            s.last_synced_at, s.pending_since,
            case when s.state = 'failed' then 'failed'
                 when s.resource_id is null or s.synced_version < r.version or s.state = 'pending' then 'pending'
                 else 'synced' end as state
       from ${table} r left join sync_state s on s.resource_type = '${type}' and s.resource_id = r.id
     union all
     select s.resource_id, null, s.synced_version, s.target_id, s.last_error, s.last_synced_at, s.pending_since,
            case when s.state = 'failed' then 'failed' else 'pending' end
       from sync_state s
      where s.resource_type = '${type}' and (s.state = 'failed' or (not s.deleted and s.target_id is not null))
        and not exists (select 1 from ${table} r where r.id = s.resource_id)`;
}

interface ResourceRow {
  id: string;
  desired_version: number | null;
  synced_version: number;
  target_id: string | null;
  last_error: string | null;
  last_synced_at: Date | null;
  pending_since: Date | null;
  state: SyncStateName;
}

/** The admin API's `GET /admin/v1/sync/status`: every resource in exactly one of synced, pending, failed. */
export async function syncStatus(
  db: Queryable,
  now: Date,
): Promise<{ users: Counts; groups: Counts; oldestPendingSeconds: number | null }> {
  const count = async (type: SyncResourceType): Promise<{ counts: Counts; oldest: Date | null }> => {
    const rows = await db.query<{ state: SyncStateName; n: number; oldest: Date | null }>(
      `select state, count(*)::int as n, min(pending_since) filter (where state = 'pending') as oldest
         from (${resourcesSql(type)}) x group by state`,
    );
    const counts: Counts = { synced: 0, pending: 0, failed: 0 };
    let oldest: Date | null = null;
    for (const r of rows) {
      counts[r.state] += r.n;
      if (r.oldest) oldest = r.oldest;
    }
    return { counts, oldest };
  };
  const [{ oldest: oldestChange }, users, groups] = await Promise.all([outboxDepth(db), count("User"), count("Group")]);
  // the oldest change not yet applied: waiting in the outbox, or relayed and pending
  const times = [oldestChange, users.oldest, groups.oldest].flatMap((t) => (t ? [t.getTime()] : []));
  return {
    users: users.counts,
    groups: groups.counts,
    oldestPendingSeconds: times.length ? Math.max(0, Math.round((now.getTime() - Math.min(...times)) / 1000)) : null,
  };
}

export interface ResourceSyncState {
  id: string;
  state: SyncStateName;
  /** The resource's version here; null once it is deleted. */
  desiredVersion: number | null;
  syncedVersion: number;
  targetId: string | null;
  lastError: string | null;
  lastSyncedAt: string | null;
  /** When the oldest change not yet applied was made. */
  pendingSince: string | null;
}

function describe(r: ResourceRow): ResourceSyncState {
  return {
    id: r.id,
    state: r.state,
    desiredVersion: r.desired_version,
    syncedVersion: r.synced_version,
    targetId: r.target_id,
    lastError: r.last_error,
    lastSyncedAt: r.last_synced_at?.toISOString() ?? null,
    pendingSince: r.pending_since?.toISOString() ?? null,
  };
}

/**
 * The admin API's `GET /admin/v1/sync/users/:id`; null when the bridge knows nothing of the id. A
 * deleted resource with nothing left to do on the target is synced.
 */
export async function resourceSyncState(db: Queryable, type: SyncResourceType, id: string): Promise<ResourceSyncState | null> {
  const [r] = await db.query<ResourceRow>(`select * from (${resourcesSql(type)}) x where id = $1`, [id]);
  if (r) return describe(r);
  const [gone] = await db.query<ResourceRow>(
    `select resource_id as id, null as desired_version, synced_version, target_id, last_error, last_synced_at, pending_since, 'synced' as state
       from sync_state where resource_type = $1 and resource_id = $2`,
    [type, id],
  );
  return gone ? describe(gone) : null;
}

/** `GET /admin/v1/sync/users?state=failed`: a page of the resources in one state (all without one), by id. */
export async function listSyncStates(
  db: Queryable,
  type: SyncResourceType,
  state: SyncStateName | undefined,
  page: { limit: number; offset: number },
): Promise<{ entities: ResourceSyncState[]; total: number }> {
  const filter = state ? "where state = $1" : "";
  const params = state ? [state] : [];
  const [count] = await db.query<{ n: number }>(`select count(*)::int as n from (${resourcesSql(type)}) x ${filter}`, params);
  const rows = await db.query<ResourceRow>(
    `select * from (${resourcesSql(type)}) x ${filter} order by id limit $${params.length + 1} offset $${params.length + 2}`,
    [...params, page.limit, page.offset],
  );
  return { entities: rows.map(describe), total: count?.n ?? 0 };
}

export async function dryRunPlan(
  db: Queryable,
  resourceId: string | undefined,
  limit: number,
): Promise<{ entries: Array<{ at: string; resourceType: string; resourceId: string; method: string; path: string; body: unknown }> }> {
  const rows = await db.query<{ at: Date; resource_type: string; resource_id: string; method: string; path: string; body: unknown }>(
    `select at, resource_type, resource_id, method, path, body from dry_run_plan ${resourceId ? "where resource_id = $2" : ""} order by id limit $1`,
    resourceId ? [limit, resourceId] : [limit],
  );
  return {
    entries: rows.map((r) => ({
      at: r.at.toISOString(),
      resourceType: r.resource_type,
      resourceId: r.resource_id,
      method: r.method,
      path: r.path,
      body: r.body,
    })),
  };
}
