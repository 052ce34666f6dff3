import type { CallContext } from "./targets/target.js";
import type { GenesysGroup } from "../genesys/api-types.js";
import { TargetError } from "./target-error.js";
import { markSynced, recordTarget } from "./sync-state.js";
import { planGroup } from "./group-plan.js";
import type { ReconcileDeps } from "./reconcile-deps.js";

export interface GroupResult {
  outcome: "synced" | "deleted";
  version: number;
  added: number;
  removed: number;
  requeue: boolean;
  /** Since when the change this run applied had been waiting (the sync lag); null when nothing was. */
  pendingSince: Date | null;
}

/** What the sync state keeps of a group: whether the bridge created it (else it adopted one by name). */
interface GroupApplied {
  created?: boolean;
}

/**
 * A SCIM group deleted: a Genesys group the bridge created is deleted; one it adopted by name may
 * hold more than the bridge put there, or predate it, so only the members the bridge manages (users
 * it synced) are removed from it.
 */
async function retireGroup(deps: ReconcileDeps, ctx: CallContext, targetId: string, created: boolean): Promise<void> {
  const group = await deps.target.getGroup(ctx, targetId);
  if (!group || group.state === "deleted") return;
  if (created) return deps.target.deleteGroup(ctx, targetId);
  const members = await deps.target.listGroupMembers(ctx, targetId);
  const remove = (
    await deps.db.query<{ target_id: string }>(
      "select target_id from sync_state where resource_type = 'User' and not deleted and target_id = any($1::text[])",
      [members],
    )
  ).map((r) => r.target_id);
  if (remove.length) await deps.target.removeGroupMembers(ctx, targetId, remove);
}

/**
 * Creates the group. A 409 says the name is taken: by a group this bridge made whose answer was lost,
 * or by one made since the search was read. It is adopted once the search shows it (as a group found
 * by name: not deleted with its SCIM group, the safe side); until then the run is retried.
 */
async function createGroup(deps: ReconcileDeps, ctx: CallContext, name: string): Promise<{ group: GenesysGroup; created: boolean }> {
  try {
    return { group: await deps.target.createGroup(ctx, name), created: true };
  } catch (err) {
    if (!(err instanceof TargetError && err.kind === "conflict")) throw err;
    const found = await deps.target.findGroupByName(ctx, name);
    if (found) return { group: found, created: false };
    throw new TargetError("transient", `${err.message}; the group ${JSON.stringify(name)} is not searchable yet: retrying`, 409);
  }
}

/**
 * Brings a Genesys group's membership to the SCIM group's (docs/genesys-platform-api.md: groups matched by name,
 * created when missing). Members not yet in the target are applied by a later run.
 */
export async function reconcileGroup(deps: ReconcileDeps, id: string): Promise<GroupResult> {
  const ctx: CallContext = { resourceType: "Group", resourceId: id };
  // the group and its sync state in one statement
  const [read] = await deps.db.query<{
    version: number | null;
    display_name: string | null;
    has_state: boolean;
    synced_version: number | null;
    target_id: string | null;
    deleted: boolean | null;
    pending_since: Date | null;
    applied: unknown;
  }>(
    `select g.version, g.display_name,
            s.resource_id is not null as has_state, s.synced_version, s.target_id, s.deleted, s.pending_since, s.applied
       from (select 1) one
       left join scim_groups g on g.id = $1
       left join sync_state s on s.resource_type = 'Group' and s.resource_id = $1`,
    [id],
  );
  const row =
    read && read.version !== null && read.display_name !== null ? { version: read.version, display_name: read.display_name } : null;
  const state = read?.has_state
    ? { synced_version: read.synced_version ?? 0, target_id: read.target_id, deleted: read.deleted ?? false, applied: read.applied }
    : null;
  const pendingSince = read?.pending_since ?? null;
  let created = (state?.applied as GroupApplied | null)?.created ?? false;
  if (!row) {
    if (state?.target_id && !state.deleted) await retireGroup(deps, ctx, state.target_id, created);
    await markSynced(deps.db, "Group", id, state?.synced_version ?? 0, null, new Date(deps.clock()), {
      deleted: true,
      stillPending: false,
    });
    return { outcome: "deleted", version: state?.synced_version ?? 0, added: 0, removed: 0, requeue: false, pendingSince };
  }
  let group = state?.target_id ? await deps.target.getGroup(ctx, state.target_id) : null;
  // A group deleted in Genesys still answers, with state "deleted": it is made again
  if (group?.state === "deleted") group = null;
  if (!group) {
    const found = await deps.target.findGroupByName(ctx, row.display_name);
    const made = found ? { group: found, created: false } : await createGroup(deps, ctx, row.display_name);
    ({ group, created } = made);
    await recordTarget(deps.db, "Group", id, group.id, { created } satisfies GroupApplied);
  }
  const members = await deps.db.query<{ member_id: string; target_id: string | null }>(
    `select m.member_id, s.target_id from scim_group_members m
       left join sync_state s on s.resource_type = 'User' and s.resource_id = m.member_id and not s.deleted
      where m.group_id = $1 and m.member_type = 'User'`,
    [id],
  );
  const desired = new Set(members.flatMap((m) => (m.target_id ? [m.target_id] : [])));
  let added = 0;
  let removed = 0;
  for (const step of planGroup(group, row.display_name, desired, await deps.target.listGroupMembers(ctx, group.id))) {
    if (step.kind === "rename") group = await deps.target.renameGroup(ctx, group.id, step.name);
    else if (step.kind === "addMembers")
      added += (await deps.target.addGroupMembers(ctx, group.id, group.version, step.userIds), step.userIds.length);
    else removed += (await deps.target.removeGroupMembers(ctx, group.id, step.userIds), step.userIds.length);
  }
  const waiting = members.length - desired.size;
  // one write, which also says whether the group moved on during the run (then it is queued again)
  const { moved } = await markSynced(
    deps.db,
    "Group",
    id,
    waiting ? (state?.synced_version ?? 0) : row.version,
    group.id,
    new Date(deps.clock()),
    { stillPending: waiting > 0, applied: { created } satisfies GroupApplied, sawVersion: row.version },
  );
  if (waiting)
    throw new TargetError(
      "transient",
      `${waiting} member(s) of group ${JSON.stringify(row.display_name)} are not yet in the target; retrying`,
    );
  return { outcome: "synced", version: row.version, added, removed, requeue: moved, pendingSince };
}
