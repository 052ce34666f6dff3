import type { Store } from "../store/store.js";
import { enqueueSync, type SyncQueues } from "./queues.js";

/**
 * The store, not Redis, says what is left to do (docs/architecture.md): queue every resource whose desired
 * version is ahead of what reached the target or whose last run left it pending (a user awaiting its
 * manager, a group awaiting members), and every deletion not yet applied. Run at worker
 * start and periodically, so that even a Redis that comes back empty loses nothing. Resources whose
 * last run failed for good wait for an admin's retry or a new change.
 */
export async function sweep(store: Store, queues: SyncQueues): Promise<number> {
  const rows = await store.query<{ type: "User" | "Group"; id: string }>(
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
  for (const r of rows) await enqueueSync(queues, r.type, r.id);
  return rows.length;
}
