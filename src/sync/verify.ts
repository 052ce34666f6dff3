/**
 * The drift check (`scim-bridge sync verify`): every synced user and group read back from Genesys
 * and planned against what SCIM wants, as a sync run would plan it. A plan that is not empty is
 * drift: something changed in Genesys behind the bridge's back (an edit by hand, a deletion). The
 * runs themselves never read what they last applied, so they cannot see it.
 */
import type { Queryable } from "../store/store.js";
import type { CallContext } from "./targets/target.js";
import { planUser, type UserStep } from "./user-plan.js";
import { planGroup, type GroupStep } from "./group-plan.js";
import { desiredUser, managerTargetId, readUser } from "./reconcile-user.js";
import { targetDivisionId } from "./division-target.js";
import { heldExtras } from "./user-extras.js";
import type { ReconcileDeps } from "./reconcile-deps.js";
import type { ScimUserResource } from "./genesys-mapping.js";
import type { SyncResourceType } from "./sync-state.js";
import { TargetError } from "./target-error.js";

export interface Drift {
  type: SyncResourceType;
  id: string;
  targetId: string;
  /** What a run would send to set it right, in words. */
  differences: string[];
}

export interface VerifyResult {
  checked: { users: number; groups: number };
  drifted: Drift[];
  /** Resources that could not be read or planned (the target's message). */
  errors: Array<{ type: SyncResourceType; id: string; error: string }>;
}

const PAGE = 200;

function describeUserStep(step: UserStep): string {
  switch (step.kind) {
    case "create":
      return "missing from Genesys: would be created";
    case "restore":
      return `deleted in Genesys: would be restored as ${step.state}`;
    case "patch":
      return `fields differ: ${Object.keys(step.fields).join(", ")}`;
    case "move":
      return `in another division: would move to ${step.divisionId}`;
    case "state":
      return `state differs: would be ${step.state}`;
    case "routing": {
      const set = step.set.map((s) => `${s.name} (${s.proficiency})`);
      const remove = step.remove.map((r) => r.name ?? r.id);
      return `routing ${step.routing} differ:${set.length ? ` set ${set.join(", ")}` : ""}${remove.length ? ` remove ${remove.join(", ")}` : ""}`;
    }
    case "roles":
      return `roles differ:${step.grant.length ? ` grant ${step.grant.join(", ")}` : ""}${step.revoke.length ? ` revoke ${step.revoke.map((r) => r.name).join(", ")}` : ""}`;
    case "externalIds": {
      const name = (e: { authorityName: string; externalKey: string }) => `${e.authorityName}/${e.externalKey}`;
      return `external ids differ:${step.add.length ? ` add ${step.add.map(name).join(", ")}` : ""}${step.remove.length ? ` remove ${step.remove.map(name).join(", ")}` : ""}`;
    }
  }
}

function describeGroupStep(step: GroupStep): string {
  if (step.kind === "rename") return `named otherwise: would be renamed ${JSON.stringify(step.name)}`;
  return step.kind === "addMembers"
    ? `${step.userIds.length} member(s) missing`
    : `${step.userIds.length} member(s) the SCIM group does not have`;
}

async function verifyUser(deps: ReconcileDeps, id: string, targetId: string): Promise<string[]> {
  const ctx: CallContext = { resourceType: "User", resourceId: id };
  const [row] = await deps.db.query<{ resource: ScimUserResource; division_id: string }>(
    "select resource, division_id from scim_users where id = $1",
    [id],
  );
  if (!row) return [];
  const want = desiredUser(
    row.resource,
    await targetDivisionId(deps, row.division_id),
    await managerTargetId(deps, row.resource),
    deps.grantableRoles,
  );
  const user = await readUser(deps, ctx, targetId);
  if (!user) return ["missing from Genesys: would be created"];
  return planUser(user, want, await heldExtras(deps, ctx, user, want, null)).map(describeUserStep);
}

async function verifyGroup(deps: ReconcileDeps, id: string, targetId: string): Promise<string[]> {
  const ctx: CallContext = { resourceType: "Group", resourceId: id };
  const [row] = await deps.db.query<{ display_name: string }>("select display_name from scim_groups where id = $1", [id]);
  if (!row) return [];
  const group = await deps.target.getGroup(ctx, targetId);
  if (!group || group.state === "deleted") return ["missing from Genesys (or deleted there): would be made again"];
  const members = await deps.db.query<{ target_id: string }>(
    `select s.target_id from scim_group_members m
       join sync_state s on s.resource_type = 'User' and s.resource_id = m.member_id and not s.deleted and s.target_id is not null
      where m.group_id = $1 and m.member_type = 'User'`,
    [id],
  );
  const current = await deps.target.listGroupMembers(ctx, targetId);
  return planGroup(
    group,
    row.display_name,
    members.map((m) => m.target_id),
    current,
  ).map(describeGroupStep);
}

async function* synced(db: Queryable, type: SyncResourceType): AsyncGenerator<{ id: string; target_id: string }> {
  for (let after = ""; ;) {
    const rows = await db.query<{ id: string; target_id: string }>(
      `select resource_id as id, target_id from sync_state
        where resource_type = $1 and state = 'synced' and not deleted and target_id is not null and resource_id > $2
        order by resource_id limit ${PAGE}`,
      [type, after],
    );
    yield* rows;
    if (rows.length < PAGE) return;
    after = rows.at(-1)!.id;
  }
}

/**
 * Reads back every synced resource (of a type), page by page, through the target (paced like the
 * workers when the target is). Resources still pending or failed are the sync's to finish, not drift.
 */
export async function verifySync(deps: ReconcileDeps, type?: SyncResourceType): Promise<VerifyResult> {
  const result: VerifyResult = { checked: { users: 0, groups: 0 }, drifted: [], errors: [] };
  for (const t of type ? [type] : (["User", "Group"] as const)) {
    for await (const r of synced(deps.db, t)) {
      for (let attempt = 1; ; attempt++) {
        try {
          const differences = t === "User" ? await verifyUser(deps, r.id, r.target_id) : await verifyGroup(deps, r.id, r.target_id);
          if (differences.length) result.drifted.push({ type: t, id: r.id, targetId: r.target_id, differences });
        } catch (err) {
          // a rate-limited target is waited for, a few times; anything else is reported and the check goes on
          if (err instanceof TargetError && err.kind === "rate_limited" && attempt < 5) {
            await new Promise((resolve) => setTimeout(resolve, err.retryAfterMs ?? 1_000));
            continue;
          }
          result.errors.push({ type: t, id: r.id, error: err instanceof Error ? err.message : String(err) });
        }
        break;
      }
      if (t === "User") result.checked.users++;
      else result.checked.groups++;
    }
  }
  return result;
}
