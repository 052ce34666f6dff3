import type { Queryable } from "../store/store.js";
import type { SyncResourceType } from "./sync-state.js";
import { outboxDepth } from "./outbox.js";

export interface Counts {
  synced: number;
  pending: number;
  failed: number;
}

/** The admin API's `GET /admin/v1/sync/status`. */
export async function syncStatus(
  db: Queryable,
  now: Date,
): Promise<{ users: Counts; groups: Counts; oldestPendingSeconds: number | null }> {
  const count = async (table: string, type: SyncResourceType): Promise<Counts> => {
    const rows = await db.query<{ st: keyof Counts; n: number }>(
      `select case when s.state = 'failed' then 'failed' when s.synced_version = r.version and s.state = 'synced' then 'synced' else 'pending' end as st, count(*)::int as n
         from ${table} r left join sync_state s on s.resource_type = $1 and s.resource_id = r.id group by 1
       union all
       select 'pending', count(*)::int from sync_state s
        where s.resource_type = $1 and not s.deleted and s.target_id is not null and not exists (select 1 from ${table} r where r.id = s.resource_id)`,
      [type],
    );
    const c: Counts = { synced: 0, pending: 0, failed: 0 };
    for (const r of rows) c[r.st] += r.n;
    return c;
  };
  const [{ oldest: oldestChange }, [oldestPending]] = await Promise.all([
    outboxDepth(db),
    db.query<{ at: Date | null }>("select min(pending_since) as at from sync_state where state = 'pending'"),
  ]);
  const times = [oldestChange, oldestPending?.at ?? null].flatMap((t) => (t ? [t.getTime()] : []));
  return {
    users: await count("scim_users", "User"),
    groups: await count("scim_groups", "Group"),
    oldestPendingSeconds: times.length ? Math.max(0, Math.round((now.getTime() - Math.min(...times)) / 1000)) : null,
  };
}

export interface ResourceSyncState {
  id: string;
  state: "synced" | "pending" | "failed";
  desiredVersion: number | null;
  syncedVersion: number;
  targetId: string | null;
  lastError: string | null;
  lastSyncedAt: string | null;
}

/** The admin API's `GET /admin/v1/sync/users/:id`; null when the bridge knows nothing of the id. */
export async function resourceSyncState(db: Queryable, type: SyncResourceType, id: string): Promise<ResourceSyncState | null> {
  const table = type === "User" ? "scim_users" : "scim_groups";
  const [r] = await db.query<{
    version: number | null;
    synced_version: number | null;
    target_id: string | null;
    state: string | null;
    last_error: string | null;
    last_synced_at: Date | null;
    deleted: boolean | null;
  }>(
    `select r.version, s.synced_version, s.target_id, s.state, s.last_error, s.last_synced_at, s.deleted
       from (select $2::text as id) k
       left join ${table} r on r.id = k.id
       left join sync_state s on s.resource_type = $1 and s.resource_id = k.id`,
    [type, id],
  );
  if (!r || (r.version === null && r.state === null)) return null;
  const synced = r.version === null ? !!r.deleted : r.synced_version === r.version && r.state === "synced";
  return {
    id,
    state: r.state === "failed" ? "failed" : synced ? "synced" : "pending",
    desiredVersion: r.version,
    syncedVersion: r.synced_version ?? 0,
    targetId: r.target_id,
    lastError: r.last_error,
    lastSyncedAt: r.last_synced_at?.toISOString() ?? null,
  };
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
