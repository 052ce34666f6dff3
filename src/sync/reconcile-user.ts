import type { Clock } from "../clock.js";
import type { Queryable } from "../store/store.js";
import type { CallContext, DirectoryTarget, GenesysUser, UpdateUserBody } from "./targets/target.js";
import { TargetError } from "./target-error.js";
import {
  createBody,
  desiredFields,
  fieldChanges,
  managerScimId,
  stateOf,
  type ScimUserResource,
  type UserFields,
} from "./genesys-mapping.js";
import { getSyncState, markSynced } from "./sync-state.js";

export interface ReconcileDeps {
  db: Queryable;
  target: DirectoryTarget;
  clock: Clock;
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

/** What a run leaves on the target, kept in sync_state.applied. */
interface Applied {
  version: number;
  state: GenesysUser["state"];
  divisionId?: string;
  fields: UserFields;
}

/** The fields are what this run made true (the target's answers may leave some out, e.g. employerInfo without expand). */
function snapshot(user: GenesysUser, fields: UserFields): Applied {
  return { version: user.version, state: user.state, divisionId: user.division?.id, fields };
}

function appliedUser(targetId: string, applied: unknown): GenesysUser | null {
  const a = applied as Applied | null;
  if (!a || typeof a.version !== "number") return null;
  const f = a.fields;
  return {
    id: targetId,
    version: a.version,
    state: a.state,
    division: a.divisionId ? { id: a.divisionId } : undefined,
    name: f.name ?? "",
    email: f.email ?? "",
    title: f.title,
    department: f.department,
    manager: f.manager ? { id: f.manager } : null,
    addresses: f.addresses,
    employerInfo: f.employerInfo,
  };
}

/**
 * The division's id on the target: read from the target's catalog, or (dry run) the division itself.
 * Undefined for a home division not yet matched: Genesys puts a user without divisionId in its home.
 */
async function targetDivisionId(deps: ReconcileDeps, divisionId: string): Promise<string | undefined> {
  const row = (
    await deps.db.query<{ target_id: string | null; name: string; home: boolean }>(
      "select target_id, name, home from divisions where id = $1",
      [divisionId],
    )
  )[0];
  if (row?.target_id) return row.target_id;
  if (deps.target.name === "dry-run") return divisionId;
  if (row?.home) return undefined;
  throw new TargetError(
    "permanent",
    `division ${JSON.stringify(row?.name ?? divisionId)} has no Genesys Cloud id: run a division sync (POST /admin/v1/divisions/sync) or create it in Genesys`,
  );
}

async function managerTargetId(deps: ReconcileDeps, u: ScimUserResource): Promise<string | null> {
  const managerId = managerScimId(u);
  if (!managerId) return null;
  const s = await getSyncState(deps.db, "User", managerId);
  // The manager must exist downstream first (docs/genesys-platform-api.md): try again later.
  if (!s?.target_id || s.deleted) throw new TargetError("transient", `manager ${managerId} is not yet in the target; retrying later`);
  return s.target_id;
}

/** PATCH with the current version; on a version conflict read the user again and retry (docs/genesys-platform-api.md). */
async function patchUser(
  deps: ReconcileDeps,
  ctx: CallContext,
  user: GenesysUser,
  body: Omit<UpdateUserBody, "version">,
): Promise<GenesysUser> {
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
 * Brings the target's copy of one SCIM user to the user's current state (docs/architecture.md). Reads the latest
 * desired state itself (jobs carry ids only), so many quick changes cost one run.
 */
export async function reconcileUser(deps: ReconcileDeps, id: string): Promise<ReconcileResult> {
  const ctx: CallContext = { resourceType: "User", resourceId: id };
  const row = (
    await deps.db.query<{ version: number; resource: ScimUserResource; division_id: string }>(
      "select version, resource, division_id from scim_users where id = $1",
      [id],
    )
  )[0];
  const state = await getSyncState(deps.db, "User", id);
  if (!row) {
    if (state?.target_id && !state.deleted) await deps.target.deleteUser(ctx, state.target_id);
    await markSynced(deps.db, "User", id, state?.synced_version ?? 0, null, new Date(deps.clock()), { deleted: true, stillPending: false });
    return { outcome: "deleted", version: state?.synced_version ?? 0, requeue: false, groups: [] };
  }
  const u = row.resource;
  const divisionId = await targetDivisionId(deps, row.division_id);
  const managerId = await managerTargetId(deps, u);
  let outcome: ReconcileResult["outcome"] = "unchanged";

  // What the last run left on the target stands in for a read; a stale version or a missing user makes
  // the run read the real thing (patchUser, and the not-found case below).
  let user = state?.target_id
    ? (appliedUser(state.target_id, state.applied) ?? (await deps.target.getUser(ctx, state.target_id, { includeDeleted: true })))
    : null;
  if (!user) {
    try {
      user = await deps.target.createUser(ctx, {
        ...createBody(u, divisionId),
        ...(stateOf(u) === "inactive" ? { state: "inactive" as const } : {}),
      });
      outcome = "created";
    } catch (err) {
      if (!(err instanceof TargetError && err.kind === "conflict")) throw err;
      // The e-mail is taken, even by a deleted user (general.conflict): take that user over rather
      // than fail or duplicate it, as Genesys's Terraform provider does.
      const [existing] = await deps.target.findUsersByEmail(ctx, u.userName ?? "", ["active", "inactive", "deleted"]);
      if (!existing)
        throw new TargetError("permanent", `${err.message}; and no user with e-mail ${u.userName} was found to take over`, 409);
      user = existing;
    }
  }
  if (user.state === "deleted") {
    user = await patchUser(deps, ctx, user, { state: stateOf(u) });
    outcome = "restored";
  }
  const wanted = desiredFields(u, managerId);
  const changes: UserFields | null = fieldChanges(user, wanted);
  if (changes) {
    try {
      user = await patchUser(deps, ctx, user, changes);
    } catch (err) {
      if (!(err instanceof TargetError && err.kind === "not_found") || outcome === "created") throw err;
      // gone from the target since the last run: forget the link and let the retry create it again
      await deps.db.query("update sync_state set target_id = null, applied = null where resource_type = 'User' and resource_id = $1", [id]);
      throw new TargetError("transient", `user ${user.id} is gone from the target; it will be created again`);
    }
    if (outcome === "unchanged") outcome = "updated";
  }
  if (divisionId !== undefined && user.division?.id !== divisionId) {
    await deps.target.moveUsersToDivision(ctx, divisionId, [user.id]);
    user = (await deps.target.getUser(ctx, user.id, { includeDeleted: true })) ?? user;
    if (outcome === "unchanged") outcome = "updated";
  }
  // Genesys applies only the state when `state` is in a PATCH: it goes alone (docs/genesys-platform-api.md).
  if (user.state !== stateOf(u)) {
    user = await patchUser(deps, ctx, user, { state: stateOf(u) });
    if (outcome === "unchanged") outcome = "updated";
  }
  const now = (await deps.db.query<{ version: number }>("select version from scim_users where id = $1", [id]))[0]?.version;
  const requeue = now !== row.version;
  await markSynced(deps.db, "User", id, row.version, user.id, new Date(deps.clock()), {
    stillPending: requeue,
    applied: snapshot(user, wanted),
  });
  const groups =
    !state?.target_id || state.target_id !== user.id
      ? (await deps.db.query<{ group_id: string }>("select group_id from scim_group_members where member_id = $1", [id])).map(
          (g) => g.group_id,
        )
      : [];
  return { outcome, version: row.version, requeue, groups };
}
