import type { Store } from "../store/store.js";
import { enqueueSyncMany, queuedOf, type SyncQueues } from "./queues.js";
import type { SyncResourceType } from "./sync-state.js";

/** Resources queued per addBulk. */
const BATCH = 500;

/**
 * The store, not Redis, says what is left to do (docs/architecture.md): queue every resource whose desired
 * version is ahead of what reached the target or whose last run left it pending (a user awaiting its
 * manager, a group awaiting members), and every deletion not yet applied. Run at worker
 * start and periodically, so that even a Redis that comes back empty loses nothing. Resources whose
 * last run failed for good wait for an admin's retry or a new change.
 *
 * Only what has no job yet is queued: a resource whose job waits or runs (the relay queued it, or a
 * retry's backoff holds it) is left to that job. Adding to a running job would make BullMQ keep a
 * follow-up run of a resource the running job is about to apply, and during a large import that is
 * thousands of runs that find nothing to do. Answers how many it queued.
 */
export async function sweep(store: Store, queues: SyncQueues): Promise<number> {
  const rows = await store.query<{ type: SyncResourceType; id: string }>(
    `select 'User' as type, u.id from scim_users u
       left join sync_state s on s.resource_type = 'User' and s.resource_id = u.id
      where (s.resource_id is null or s.synced_version < u.version or s.state = 'pending') and coalesce(s.state, 'pending') <> 'failed'
     union all
     select 'Group', g.id from scim_groups g
       left join sync_state s on s.resource_type = 'Group' and s.resource_id = g.id
      where (s.resource_id is null or s.synced_version < g.version or s.state = 'pending') and coalesce(s.state, 'pending') <> 'failed'
     union all
     select s.resource_type, s.resource_id from sync_state s
      where not s.deleted and s.state <> 'failed' and s.target_id is not null
        and not exists (select 1 from scim_users u where s.resource_type = 'User' and u.id = s.resource_id)
        and not exists (select 1 from scim_groups g where s.resource_type = 'Group' and g.id = s.resource_id)`,
  );
  let queued = 0;
  for (const type of ["User", "Group"] as const) {
    const ids = rows.filter((r) => r.type === type).map((r) => r.id);
    for (let i = 0; i < ids.length; i += BATCH) {
      const batch = ids.slice(i, i + BATCH);
      // asked just before the add, batch by batch: the smaller the gap, the fewer jobs finish in it
      const already = await queuedOf(queues, type, batch);
      const fresh = batch.filter((id) => !already.has(id));
      await enqueueSyncMany(queues, type, fresh);
      queued += fresh.length;
    }
  }
  return queued;
}
