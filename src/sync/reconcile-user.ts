import type { CallContext } from "./targets/target.js";
import type { GenesysUser, UpdateUserBody } from "../genesys/api-types.js";
import { TargetError } from "./target-error.js";
import {
  createBody,
  desiredFields,
  externalIdsOf,
  managerScimId,
  rolesOf,
  mergeWithTarget,
  routingOf,
  stateOf,
  type ScimUserResource,
  type UserFields,
} from "./genesys-mapping.js";
import { ROUTING_KINDS, nothingHeld, planUser, type DesiredUser, type HeldExtras, type UserStep } from "./user-plan.js";
import { applyExternalIds, applyRoles, applyRouting, heldExtras, type AppliedExtras } from "./user-extras.js";
import { StoreBatcher, batcherOf, type ReconcileDeps } from "./reconcile-deps.js";
import { divisionTargetOf } from "./division-target.js";
import {
  forgetTarget,
  managerIdSql,
  markSynced,
  markUserSynced,
  recordBeforeTarget,
  recordTarget,
  type SyncStateRow,
} from "./sync-state.js";

export interface ReconcileResult {
  outcome: "created" | "updated" | "unchanged" | "deleted" | "restored";
  /** The version applied. */
  version: number;
  /** The desired state moved on during the run: queue again. */
  requeue: boolean;
  /** Groups to sync because this user's target id is new. */
  groups: string[];
  /** Users whose manager this user is, to sync because its target id is new (their manager can now be set). */
  reports: string[];
  /** Since when the change this run applied had been waiting (the sync lag); null when nothing was. */
  pendingSince: Date | null;
  /** The run found the user already applied at its version (a repeated job): it sent and wrote nothing. */
  repeat: boolean;
}

/** What a run leaves on the target, kept in sync_state.applied. */
interface Applied extends AppliedExtras {
  version: number;
  state: GenesysUser["state"];
  divisionId?: string;
  fields: UserFields;
}

/** The fields are what this run made true (the target's answers may leave some out, e.g. employerInfo without expand). */
function snapshot(user: GenesysUser, fields: UserFields, held?: HeldExtras): Applied {
  return {
    version: user.version,
    state: user.state,
    divisionId: user.division?.id,
    fields,
    ...(held ? { routing: held.routing, externalIds: held.externalIds, ...(held.roles ? { roles: held.roles } : {}) } : {}),
  };
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
    manager: f.manager ? { id: f.manager } : f.manager === undefined ? undefined : null,
    addresses: f.addresses,
    employerInfo: f.employerInfo,
  };
}

/**
 * The manager's Genesys id; null for none (no manager, or one deleted or gone: it never blocks the
 * user); undefined while the manager is not yet in Genesys: the user is written without it, and the
 * manager's own first run queues its reports again (ReconcileResult.reports).
 */
export async function managerTargetId(deps: ReconcileDeps, u: ScimUserResource): Promise<string | null | undefined> {
  const managerId = managerScimId(u);
  if (!managerId) return null;
  const [m] = await deps.db.query<{ exists: boolean; target_id: string | null; deleted: boolean | null }>(
    `select exists(select 1 from scim_users where id = $1) as exists, s.target_id, s.deleted
       from (select 1) one left join sync_state s on s.resource_type = 'User' and s.resource_id = $1`,
    [managerId],
  );
  if (!m?.exists || m.deleted) return null;
  return m.target_id ?? undefined;
}

/** The user as Genesys holds it now: an active or inactive user, else a deleted one (the API's `state` filters). */
export async function readUser(deps: ReconcileDeps, ctx: CallContext, id: string, deleted = false): Promise<GenesysUser | null> {
  const first = await deps.target.getUser(ctx, id, { deleted });
  return first ?? (await deps.target.getUser(ctx, id, { deleted: !deleted }));
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
      const fresh = await readUser(deps, ctx, current.id, current.state === "deleted");
      if (!fresh) throw new TargetError("transient", `user ${current.id} vanished from the target during an update`);
      current = fresh;
    }
  }
}

/** What SCIM wants of Genesys for this user. */
export function desiredUser(
  u: ScimUserResource,
  divisionId: string | undefined,
  managerId: string | null | undefined,
  grantableRoles?: ReadonlySet<string>,
): DesiredUser {
  const routing: DesiredUser["routing"] = {};
  for (const kind of ROUTING_KINDS) {
    const list = routingOf(u, kind);
    if (list) routing[kind] = list;
  }
  return {
    // `state` always: without it Genesys makes the user inactive unless it sends an invitation
    create: { ...createBody(u, divisionId), state: stateOf(u) },
    fields: desiredFields(u, managerId),
    state: stateOf(u),
    divisionId,
    routing,
    externalIds: externalIdsOf(u),
    ...(grantableRoles?.size ? { roles: rolesOf(u) } : {}),
  };
}

/** How long a create whose answer was lost may take to show in the search (Genesys's index lags by seconds to minutes). */
const LOST_CREATE_SEARCH_MS = 15 * 60_000;

/** Kept in `sync_state.applied` while a user has no target id: a create was sent for this e-mail. */
interface CreateAttempt {
  createAttempt: { email: string; at: number };
}

function createAttemptOf(applied: unknown): CreateAttempt["createAttempt"] | null {
  const a = (applied as Partial<CreateAttempt> | null)?.createAttempt;
  return a && typeof a.email === "string" && typeof a.at === "number" ? a : null;
}

/**
 * A SCIM user deleted before any run learnt its Genesys id, though a create was sent: its answer may
 * have been lost while the user was made. It is looked up by e-mail and deleted; while the search may
 * still be catching up, the deletion is retried, for at most LOST_CREATE_SEARCH_MS after the create.
 */
async function deleteUnlinkedCreate(deps: ReconcileDeps, ctx: CallContext, applied: unknown): Promise<void> {
  const attempt = createAttemptOf(applied);
  if (!attempt) return;
  const [made] = await deps.target.findUsersByEmail(ctx, attempt.email, ["active", "inactive"]);
  if (made) return deps.target.deleteUser(ctx, made.id);
  if (deps.clock() - attempt.at < LOST_CREATE_SEARCH_MS)
    throw new TargetError(
      "transient",
      `a create for ${attempt.email} was sent but never answered; waiting for the search to show it, to delete it`,
    );
}

/** Creates the user; an e-mail already taken (a lost create answer, or a user made elsewhere) is taken over. */
async function createOrAdopt(
  deps: ReconcileDeps,
  ctx: CallContext,
  id: string,
  u: ScimUserResource,
  step: Extract<UserStep, { kind: "create" }>,
  recorded: string | null,
) {
  // remembered before sending: should the answer be lost and the SCIM user deleted, the user is found by
  // e-mail (the run's read has usually recorded it already, readForRun)
  if (recorded !== step.body.email) {
    const attempt: CreateAttempt = { createAttempt: { email: step.body.email, at: deps.clock() } };
    await recordBeforeTarget(deps.db, "User", id, attempt);
  }
  try {
    return { user: await deps.target.createUser(ctx, step.body), created: true };
  } catch (err) {
    if (!(err instanceof TargetError && err.kind === "conflict")) throw err;
    // The e-mail is taken, even by a deleted user (general.conflict): take that user over rather
    // than fail or duplicate it, as Genesys's Terraform provider does. A create whose answer was
    // lost lands here too; its user may not be searchable yet (the index lags): try again later.
    const [existing] = await deps.target.findUsersByEmail(ctx, u.userName ?? "", ["active", "inactive", "deleted"]);
    if (!existing)
      throw new TargetError("transient", `${err.message}; the user with e-mail ${u.userName} is not searchable yet: retrying`, 409);
    return { user: existing, created: false };
  }
}

/** Everything a user's run reads, from one statement (readForRun). */
interface RunRow {
  version: number | null;
  resource: ScimUserResource | null;
  division_id: string | null;
  division_found: boolean;
  division_target_id: string | null;
  division_name: string | null;
  division_home: boolean | null;
  has_state: boolean;
  synced_version: number | null;
  target_id: string | null;
  state: SyncStateRow["state"] | null;
  pending_since: Date | null;
  deleted: boolean | null;
  applied: unknown;
  manager_ref: string | null;
  manager_exists: boolean;
  manager_target_id: string | null;
  manager_deleted: boolean | null;
  /** The e-mail of the create attempt this read recorded (null: none recorded). */
  attempt_email: string | null;
}

/**
 * The user, its sync state, its division's target id and its manager's target id in one statement: a
 * run (or a repeated job, dropped after it) costs the store one read before it knows what to do, and
 * the concurrent runs of a worker share it (StoreBatcher).
 *
 * A user the target has not named yet, whose division resolves (divisionTargetOf), is certain to be
 * created by its run: nothing else can be sent first (planUser), nothing but the division can fail
 * before. The create attempt createOrAdopt must record before sending is then recorded by this same
 * statement (`attempt`), and the run sends the create without another write.
 */
async function readForRun(deps: ReconcileDeps, id: string): Promise<RunRow> {
  const { db } = deps;
  const batcher = batcherOf(
    db,
    "readForRun:User",
    () =>
      new StoreBatcher<string, RunRow>(
        async (ids) => {
          // driven by the users' primary key, the division and the manager in scalar subqueries: a plan of
          // two relations, cheap to make (on the embedded store, planning a wider join cost more than running it)
          const rows = await db.query<RunRow & { id: string }>(
            `with run as (
               select u.id, u.version, u.resource, u.division_id,
                      d.id is not null as division_found, d.target_id as division_target_id, d.name as division_name, d.home as division_home,
                      s.resource_id is not null as has_state, s.synced_version, s.target_id, s.state, s.pending_since, s.deleted, s.applied,
                      ${managerIdSql("u")} as manager_ref,
                      (select jsonb_build_object('target_id', ms.target_id, 'deleted', ms.deleted)
                         from scim_users m left join sync_state ms on ms.resource_type = 'User' and ms.resource_id = m.id
                        where m.id = ${managerIdSql("u")}) as manager
                 from scim_users u
                 left join sync_state s on s.resource_type = 'User' and s.resource_id = u.id
                 left join divisions d on d.id = u.division_id
                where u.id = any($1::text[])
             ), attempt as (
               insert into sync_state(resource_type, resource_id, state, applied)
               select 'User', id, 'pending', jsonb_build_object('createAttempt', jsonb_build_object('email', coalesce(resource->>'userName', ''), 'at', $2::bigint))
                 from run
                where target_id is null and (division_target_id is not null or division_home or $3::boolean)
               on conflict (resource_type, resource_id) do update set applied = excluded.applied where sync_state.target_id is null
               returning resource_id, applied->'createAttempt'->>'email' as email
             )
             select run.*, manager is not null as manager_exists, manager->>'target_id' as manager_target_id,
                    (manager->>'deleted')::boolean as manager_deleted, attempt.email as attempt_email
               from run left join attempt on attempt.resource_id = run.id`,
            [ids, deps.clock(), deps.target.name === "dry-run"],
          );
          const byId = new Map<string, RunRow>(rows.map((r) => [r.id, r]));
          // users no longer in the store (deletions): their sync state alone
          const gone = ids.filter((i) => !byId.has(i));
          if (gone.length)
            for (const s of await db.query<RunRow & { id: string }>(
              `select resource_id as id, null as version, null as resource, null as division_id, false as division_found,
                      null as division_target_id, null as division_name, null as division_home, true as has_state,
                      synced_version, target_id, state, pending_since, deleted, applied, null as manager_ref,
                      false as manager_exists, null as manager_target_id, null as manager_deleted, null as attempt_email
                 from sync_state where resource_type = 'User' and resource_id = any($1::text[])`,
              [gone],
            ))
              byId.set(s.id, s);
          return ids.map((i) => byId.get(i) ?? ABSENT);
        },
        (i) => i,
      ),
  );
  return batcher.submit(id);
}

/** A user the store knows nothing of: neither the user nor a sync state. */
const ABSENT: RunRow = {
  version: null,
  resource: null,
  division_id: null,
  division_found: false,
  division_target_id: null,
  division_name: null,
  division_home: null,
  has_state: false,
  synced_version: null,
  target_id: null,
  state: null,
  pending_since: null,
  deleted: null,
  applied: null,
  manager_ref: null,
  manager_exists: false,
  manager_target_id: null,
  manager_deleted: null,
  attempt_email: null,
};

function syncStateOf(id: string, r: RunRow): SyncStateRow | null {
  if (!r.has_state) return null;
  return {
    resource_type: "User",
    resource_id: id,
    synced_version: r.synced_version ?? 0,
    target_id: r.target_id,
    state: r.state ?? "pending",
    last_error: null,
    last_synced_at: null,
    pending_since: r.pending_since,
    deleted: r.deleted ?? false,
    applied: r.applied,
  };
}

/** managerTargetId, answered from the run's read when it read the same manager id (it always should). */
async function managerOf(deps: ReconcileDeps, u: ScimUserResource, r: RunRow): Promise<string | null | undefined> {
  const managerId = managerScimId(u);
  if (!managerId) return null;
  if (managerId !== r.manager_ref) return managerTargetId(deps, u);
  if (!r.manager_exists || r.manager_deleted) return null;
  return r.manager_target_id ?? undefined;
}

/**
 * Brings the target's copy of one SCIM user to the user's current state (docs/architecture.md): the
 * inputs are read, planUser says what to send, and the steps are carried out in order. Reads the
 * latest desired state itself (jobs carry ids only), so many quick changes cost one run. A job for a
 * user already applied at its current version (the sweep's, a repeated add) is dropped after the read.
 */
export async function reconcileUser(deps: ReconcileDeps, id: string): Promise<ReconcileResult> {
  const ctx: CallContext = { resourceType: "User", resourceId: id };
  const r = await readForRun(deps, id);
  const state = syncStateOf(id, r);
  const pendingSince = state?.pending_since ?? null;
  const nothing = { requeue: false, groups: [], reports: [], pendingSince };
  if (r.version === null || r.resource === null || r.division_id === null) {
    // the deletion is already applied: nothing to send, nothing to write
    if (state?.state === "synced" && state.deleted) return { outcome: "deleted", version: state.synced_version, ...nothing, repeat: true };
    if (state?.target_id && !state.deleted) await deps.target.deleteUser(ctx, state.target_id);
    else if (!state?.target_id) await deleteUnlinkedCreate(deps, ctx, state?.applied);
    await markSynced(deps.db, "User", id, state?.synced_version ?? 0, null, new Date(deps.clock()), { deleted: true, stillPending: false });
    return { outcome: "deleted", version: state?.synced_version ?? 0, ...nothing, repeat: false };
  }
  const row = { version: r.version, resource: r.resource, division_id: r.division_id };
  const u = row.resource;
  const managerId = await managerOf(deps, u, r);
  const division = r.division_found
    ? { target_id: r.division_target_id, name: r.division_name ?? "", home: r.division_home ?? false }
    : null;
  const want = desiredUser(u, divisionTargetOf(deps, row.division_id, division), managerId, deps.grantableRoles);
  const applied = (state?.applied as Applied | null) ?? null;

  // What the last run left on the target stands in for a read; a stale version or a missing user makes
  // the run read the real thing (patchUser, and the not-found case below).
  let user = state?.target_id ? (appliedUser(state.target_id, applied) ?? (await readUser(deps, ctx, state.target_id))) : null;
  let held: HeldExtras = user ? await heldExtras(deps, ctx, user, want, applied) : { routing: {}, externalIds: [] };
  let outcome: ReconcileResult["outcome"] = "unchanged";
  const steps = planUser(user, want, held);
  // Already applied at this version, with nothing to send (its manager's and division's ids included):
  // a repeated job (the sweep's, a second add). Its run would write what the store already says.
  if (steps.length === 0 && managerId !== undefined && state?.state === "synced" && state.synced_version === row.version && !state.deleted)
    return { outcome, version: row.version, ...nothing, repeat: true };
  for (let step = steps.shift(); step; step = steps.shift()) {
    switch (step.kind) {
      case "create": {
        const made = await createOrAdopt(deps, ctx, id, u, step, r.attempt_email);
        user = made.user;
        // The link is kept the moment Genesys names the user, before anything else is sent: whatever fails
        // after this, the next run updates this user instead of creating another. A user the create made
        // whole (nothing left to send) is linked by the run's last write alone.
        if (!made.created) await recordTarget(deps.db, "User", id, user.id, snapshot(user, {}));
        held = made.created ? nothingHeld() : await heldExtras(deps, ctx, user, want, null);
        // the rest is planned again against what Genesys answered (an adopted user holds what it holds)
        steps.splice(0, steps.length, ...planUser(user, want, held));
        if (made.created && steps.length) await recordTarget(deps.db, "User", id, user.id, snapshot(user, {}));
        outcome = made.created ? "created" : "updated";
        continue;
      }
      case "restore":
        user = await patchUser(deps, ctx, user!, { state: step.state });
        outcome = "restored";
        // restored, the user's skills and ids can be read: the rest is planned against them
        held = await heldExtras(deps, ctx, user, want, null);
        steps.splice(0, steps.length, ...planUser(user, want, held));
        continue;
      case "patch": {
        let fields = step.fields;
        try {
          // these replace whole lists: keep what Genesys holds that the bridge does not own (nothing yet,
          // for a user this run created: no read then)
          if (step.merge && outcome !== "created") {
            const current = await readUser(deps, ctx, user!.id, user!.state === "deleted");
            if (current) fields = mergeWithTarget(fields, current);
          }
          user = await patchUser(deps, ctx, user!, fields);
        } catch (err) {
          if (!(err instanceof TargetError && err.kind === "not_found") || outcome === "created") throw err;
          // gone from the target since the last run: forget the link and let the retry create it again
          await forgetTarget(deps.db, "User", id);
          throw new TargetError("transient", `user ${user!.id} is gone from the target; it will be created again`);
        }
        break;
      }
      case "move":
        await deps.target.moveUsersToDivision(ctx, step.divisionId, [user!.id]);
        user = (await readUser(deps, ctx, user!.id, user!.state === "deleted")) ?? user!;
        break;
      case "state":
        user = await patchUser(deps, ctx, user!, { state: step.state });
        break;
      case "routing":
        held.routing[step.routing] = await applyRouting(deps, ctx, user!.id, step, held.routing[step.routing] ?? []);
        break;
      case "externalIds":
        held.externalIds = await applyExternalIds(deps, ctx, user!.id, step, held.externalIds);
        break;
      case "roles":
        held.roles = await applyRoles(deps, ctx, user!.id, step, held.roles ?? []);
        break;
    }
    if (outcome === "unchanged") outcome = "updated";
  }
  if (!user) throw new TargetError("transient", `user ${id}: nothing answered for it`);
  const isNew = !state?.target_id || state.target_id !== user.id;
  // One write: the version applied, and whether the user moved on meanwhile (then it stays pending and is
  // queued again). Awaiting its manager, the user is not yet as asked: it stays pending too (the
  // manager's first run, or the sweep, queues it again). Genesys takes a deleted user out of its groups:
  // a restored user's groups are queued again like a new user's, or a group synced while the user was
  // still deleted would stay one member short.
  const done = await markUserSynced(deps.db, id, row.version, user.id, new Date(deps.clock()), {
    stillPending: managerId === undefined,
    applied: snapshot(user, want.fields, held),
    groups: isNew || outcome === "restored",
    reports: isNew,
  });
  return { outcome, version: row.version, requeue: done.moved, groups: done.groups, reports: done.reports, pendingSince, repeat: false };
}
