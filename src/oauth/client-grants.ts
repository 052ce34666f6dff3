/**
 * A client's role grants: each a role in a division (or `*`), checked against the roles and
 * divisions that exist and against the grant rule (an admin grants only what it holds), then
 * written in the transaction that changes the client (docs/oauth-clients.md).
 */
import type { Queryable } from "../store/store.js";
import { DomainError, type FieldError } from "../errors/domain-error.js";
import type { Actor } from "../authz/principal.js";
import { mayGrant, ALL_DIVISIONS } from "../authz/permissions.js";
import { getRolesByIds, type Role } from "../authz/roles.js";
import { existingDivisionIds } from "../authz/divisions.js";
import type { RoleDivision } from "./client-rules.js";

/** Each client's role grants, in a stable order. */
export async function grantsOf(db: Queryable, clientIds: readonly string[]): Promise<Map<string, RoleDivision[]>> {
  const out = new Map<string, RoleDivision[]>(clientIds.map((id) => [id, []]));
  if (clientIds.length === 0) return out;
  const rows = await db.query<{ client_id: string; role_id: string; division_id: string }>(
    "select client_id, role_id, division_id from client_role_divisions where client_id = any($1::text[]) order by role_id, division_id",
    [clientIds],
  );
  for (const r of rows) out.get(r.client_id)?.push({ roleId: r.role_id, divisionId: r.division_id });
  return out;
}

/** The permission lists of the roles a set of grants names (once per role). */
export function rolePermissionSets(grants: readonly RoleDivision[], roles: ReadonlyMap<string, Role>): string[][] {
  return [...new Set(grants.map((g) => g.roleId))].map((id) => roles.get(id)?.permissions ?? []);
}

/**
 * Resolves grants against roles and divisions and applies rule 5 (an admin grants only what it holds)
 * to the grants the client does not have yet; those it has were checked by `assertMayManage` (an admin
 * acts only on clients whose every role it could grant).
 */
export async function checkGrants(
  tx: Queryable,
  actor: Actor,
  grants: RoleDivision[],
  existing: RoleDivision[],
): Promise<Map<string, Role>> {
  const roles = await getRolesByIds(tx, [...new Set([...grants, ...existing].map((g) => g.roleId))]);
  const divisions = await existingDivisionIds(
    tx,
    grants.map((g) => g.divisionId).filter((d) => d !== ALL_DIVISIONS),
  );
  const errors: FieldError[] = [];
  grants.forEach((g, i) => {
    if (!roles.has(g.roleId)) errors.push({ field: `roleDivisions[${i}].roleId`, message: `unknown role ${JSON.stringify(g.roleId)}` });
    if (g.divisionId !== ALL_DIVISIONS && !divisions.has(g.divisionId))
      errors.push({ field: `roleDivisions[${i}].divisionId`, message: `unknown division ${JSON.stringify(g.divisionId)}` });
  });
  if (errors.length) throw DomainError.validation(errors);
  if (actor.kind === "client") {
    const held = new Set(existing.map((g) => `${g.roleId}\u0000${g.divisionId}`));
    const denied: FieldError[] = [];
    grants.forEach((g, i) => {
      const role = roles.get(g.roleId)!;
      if (!held.has(`${g.roleId}\u0000${g.divisionId}`) && !mayGrant(actor.grants, role, g.divisionId)) {
        denied.push({
          field: `roleDivisions[${i}]`,
          message: `you cannot grant role ${JSON.stringify(role.name)} in division ${JSON.stringify(g.divisionId)}: an admin grants only roles it holds there itself`,
        });
      }
    });
    if (denied.length) throw DomainError.forbidden(denied.map((e) => e.message).join("; "), denied);
  }
  return roles;
}

/** Replaces a client's grants with `grants`; call in the transaction that changes the client. */
export async function writeGrants(tx: Queryable, clientId: string, grants: readonly RoleDivision[]): Promise<void> {
  await tx.query("delete from client_role_divisions where client_id = $1", [clientId]);
  for (const g of grants) {
    await tx.query("insert into client_role_divisions(client_id, role_id, division_id) values ($1,$2,$3)", [
      clientId,
      g.roleId,
      g.divisionId,
    ]);
  }
}
