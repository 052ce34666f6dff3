/**
 * The grant rule ("an admin grants only what it holds") applied to every action on a client or a
 * role, and the guard that keeps at least one full Bridge Admin, so that admins cannot lock everyone
 * out. Store reads here; the rules themselves are the pure functions of permissions.ts.
 */
import type { Queryable } from "../store/store.js";
import { DomainError } from "../errors/domain-error.js";
import type { Actor } from "./principal.js";
import { type HeldGrant, isFullAdmin, missingForRoleChange, ungrantable } from "./permissions.js";

/**
 * Serialises changes to the registry (clients, grants, roles): the last-admin check below must not
 * pass in two transactions at once, each removing a different one of the last two admins.
 */
export async function lockRegistry(tx: Queryable): Promise<void> {
  await tx.query("select n from registry_generation where id = 1 for update");
}

/** A client's grants with their roles' current permissions. */
export async function heldGrantsOf(db: Queryable, clientId: string): Promise<HeldGrant[]> {
  const rows = await db.query<{ role_id: string; name: string; permissions: string[]; division_id: string }>(
    "select g.role_id, r.name, r.permissions, g.division_id from client_role_divisions g join roles r on r.id = g.role_id where g.client_id = $1 order by r.name, g.division_id",
    [clientId],
  );
  return rows.map((r) => ({ role: { id: r.role_id, name: r.name, permissions: r.permissions }, divisionId: r.division_id }));
}

/** Refuses (403) an action on a client holding a role the acting client could not grant where it is held. */
export function assertMayManage(actor: Actor, held: readonly HeldGrant[], what: string): void {
  if (actor.kind !== "client") return;
  const denied = ungrantable(actor.grants, held);
  if (denied.length === 0) return;
  const list = denied.map((g) => `${JSON.stringify(g.role.name ?? g.role.id)} in division ${JSON.stringify(g.divisionId)}`).join(", ");
  throw DomainError.forbidden(
    `you cannot ${what}: it holds ${list}, which you could not grant (an admin acts only on clients whose roles it could grant)`,
  );
}

/** Refuses (403) a change to a role's permissions that the actor does not hold wherever the role is granted. */
export async function assertMayChangeRole(
  tx: Queryable,
  actor: Actor,
  roleId: string,
  roleName: string,
  changed: readonly string[],
  verb: string,
): Promise<void> {
  if (actor.kind !== "client" || changed.length === 0) return;
  const grantedIn = (
    await tx.query<{ division_id: string }>("select distinct division_id from client_role_divisions where role_id = $1 order by 1", [
      roleId,
    ])
  ).map((r) => r.division_id);
  const missing = missingForRoleChange(actor.grants, changed, grantedIn);
  if (missing.length === 0) return;
  const detail = missing.map((m) => `${m.permissions.join(", ")} in division ${JSON.stringify(m.divisionId)}`).join("; ");
  throw DomainError.forbidden(
    `you cannot ${verb} role ${JSON.stringify(roleName)}: it is granted where you lack ${detail} (an admin changes a role only with permissions it holds wherever the role is granted)`,
    missing.map((m) => ({ field: "permissions", message: `lacking ${m.permissions.join(", ")} in division ${m.divisionId}` })),
  );
}

/** Active clients that hold every Bridge Admin permission in all divisions. */
export async function fullAdminCount(db: Queryable): Promise<number> {
  const rows = await db.query<{ client_id: string; division_id: string; permissions: string[] }>(
    `select g.client_id, g.division_id, r.permissions from client_role_divisions g join roles r on r.id = g.role_id join clients c on c.id = g.client_id
      where c.state = 'active' and g.division_id = '*'`,
  );
  const byClient = new Map<string, Array<{ divisionId: string; permissions: string[] }>>();
  for (const r of rows)
    byClient.set(r.client_id, [...(byClient.get(r.client_id) ?? []), { divisionId: r.division_id, permissions: r.permissions }]);
  return [...byClient.values()].filter(isFullAdmin).length;
}

/**
 * Runs a registry change (inside the caller's transaction) and refuses it (409, rolled back) when it
 * would leave no active client holding every Bridge Admin permission in all divisions.
 */
export async function keepingAnAdmin<T>(tx: Queryable, change: () => Promise<T>): Promise<T> {
  await lockRegistry(tx);
  const before = await fullAdminCount(tx);
  const result = await change();
  if (before > 0 && (await fullAdminCount(tx)) === 0) {
    throw DomainError.conflict(
      "this change would leave no active client holding the Bridge Admin permissions in all divisions (*), and no one could administer the bridge; grant Bridge Admin in * to another client first",
    );
  }
  return result;
}
