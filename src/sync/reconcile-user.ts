import type { Queryable } from "../store/store.js";
import type { CallContext, DirectoryTarget, GenesysUser, UpdateUserBody } from "./targets/target.js";
import { TargetError } from "./target-error.js";
import { createBody, desiredFields, fieldChanges, managerScimId, stateOf, type ScimUserResource, type UserFields } from "./genesys-mapping.js";
import { getSyncState, markSynced } from "./sync-state.js";

export interface ReconcileDeps {
  db: Queryable;
  target: DirectoryTarget;
  now: () => Date;
}

export interface ReconcileResult {
  outcome: "created" | "updated" | "unchanged" | "deleted" | "restored";
  /** The version applied. */
  version: number;
  /** The desired state moved on during the run: queue again. */
  requeue: boolean;
  /** Groups to sync because this user's target id is new. */
  groups: string[];
}

/** The division's id on the target: read from the target's catalog, or (dry run) the division itself. */
async function targetDivisionId(deps: ReconcileDeps, divisionId: string): Promise<string> {
  const row = (await deps.db.query<{ target_id: string | null; name: string }>("select target_id, name from divisions where id = $1", [divisionId]))[0];
  if (row?.target_id) return row.target_id;
  if (deps.target.name === "dry-run") return divisionId;
  throw new TargetError("permanent", `division ${JSON.stringify(row?.name ?? divisionId)} has no Genesys Cloud id: run a division sync (POST /admin/v1/divisions/sync) or create it in Genesys`);
}

async function managerTargetId(deps: ReconcileDeps, u: ScimUserResource): Promise<string | null> {
  const managerId = managerScimId(u);
  if (!managerId) return null;
  const s = await getSyncState(deps.db, "User", managerId);
  // The manager must exist downstream first (GENESYS.md): try again later.
  if (!s?.target_id || s.deleted) throw new TargetError("transient", `manager ${managerId} is not yet in the target; retrying later`);
  return s.target_id;
}

/** PATCH with the current version; on a version conflict read the user again and retry (GENESYS.md). */
async function patchUser(deps: ReconcileDeps, ctx: CallContext, user: GenesysUser, body: Omit<UpdateUserBody, "version">): Promise<GenesysUser> {
  let current = user;
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.target.updateUser(ctx, current.id, { ...body, version: current.version });
    } catch (err) {
      if (!(err instanceof TargetError && err.kind === "version_conflict") || attempt >= 3) throw err;
      const fresh = await deps.target.getUser(ctx, current.id, { includeDeleted: true });
      if (!fresh) throw new TargetError("transient", `user ${current.id} vanished from the target during an update`);
      current = fresh;
    }
  }
}

/**
 * Brings the target's copy of one SCIM user to the user's current state (DESIGN §6). Reads the latest
 * desired state itself (jobs carry ids only), so many quick changes cost one run.
 */
export async function reconcileUser(deps: ReconcileDeps, id: string): Promise<ReconcileResult> {
  const ctx: CallContext = { resourceType: "User", resourceId: id };
  const row = (await deps.db.query<{ version: number; resource: ScimUserResource; division_id: string }>("select version, resource, division_id from scim_users where id = $1", [id]))[0];
  const state = await getSyncState(deps.db, "User", id);
  if (!row) {
    if (state?.target_id && !state.deleted) await deps.target.deleteUser(ctx, state.target_id);
    await markSynced(deps.db, "User", id, state?.synced_version ?? 0, null, deps.now(), { deleted: true, stillPending: false });
    return { outcome: "deleted", version: state?.synced_version ?? 0, requeue: false, groups: [] };
  }
  const u = row.resource;
  const divisionId = await targetDivisionId(deps, row.division_id);
  const managerId = await managerTargetId(deps, u);
  let outcome: ReconcileResult["outcome"] = "unchanged";

  let user = state?.target_id ? await deps.target.getUser(ctx, state.target_id, { includeDeleted: true }) : null;
  if (!user) {
    try {
      user = await deps.target.createUser(ctx, { ...createBody(u, divisionId), ...(stateOf(u) === "inactive" ? { state: "inactive" as const } : {}) });
      outcome = "created";
    } catch (err) {
      if (!(err instanceof TargetError && err.kind === "conflict")) throw err;
      // The e-mail is taken, even by a deleted user (general.conflict): take that user over rather
      // than fail or duplicate it, as Genesys's Terraform provider does.
      const [existing] = await deps.target.findUsersByEmail(ctx, u.userName ?? "", ["active", "inactive", "deleted"]);
      if (!existing) throw new TargetError("permanent", `${err.message}; and no user with e-mail ${u.userName} was found to take over`, 409);
      user = existing;
    }
  }
  if (user.state === "deleted") {
    user = await patchUser(deps, ctx, user, { state: stateOf(u) });
    outcome = "restored";
  }
  const changes: UserFields | null = fieldChanges(user, desiredFields(u, managerId));
  if (changes) {
    user = await patchUser(deps, ctx, user, changes);
    if (outcome === "unchanged") outcome = "updated";
  }
  if (user.division?.id !== divisionId) {
    await deps.target.moveUsersToDivision(ctx, divisionId, [user.id]);
    user = (await deps.target.getUser(ctx, user.id, { includeDeleted: true })) ?? user;
    if (outcome === "unchanged") outcome = "updated";
  }
  // Genesys applies only the state when `state` is in a PATCH: it goes alone (GENESYS.md).
  if (user.state !== stateOf(u)) {
    user = await patchUser(deps, ctx, user, { state: stateOf(u) });
    if (outcome === "unchanged") outcome = "updated";
  }
  const now = (await deps.db.query<{ version: number }>("select version from scim_users where id = $1", [id]))[0]?.version;
  const requeue = now !== row.version;
  await markSynced(deps.db, "User", id, row.version, user.id, deps.now(), { stillPending: requeue });
  const groups = !state?.target_id || state.target_id !== user.id ? (await deps.db.query<{ group_id: string }>("select group_id from scim_group_members where member_id = $1", [id])).map((g) => g.group_id) : [];
  return { outcome, version: row.version, requeue, groups };
}
