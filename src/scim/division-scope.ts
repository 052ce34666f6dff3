import { ALL_DIVISIONS, mayDo } from "../authz/permissions.js";
import type { ClientPrincipal } from "../authz/principal.js";
import { ScimError } from "./scim-error.js";

/** The divisions in which a principal holds `permission`: all of them, or a list. */
export type DivisionScope = { all: true } | { all: false; ids: string[] };

export function scopeFor(principal: ClientPrincipal, permission: string): DivisionScope {
  const ids = new Set<string>();
  for (const g of principal.grants) {
    if (!mayDo([g], permission)) continue;
    if (g.divisionId === ALL_DIVISIONS) return { all: true };
    ids.add(g.divisionId);
  }
  return { all: false, ids: [...ids] };
}

export function inScope(scope: DivisionScope, divisionId: string): boolean {
  return scope.all || scope.ids.includes(divisionId);
}

/** docs/architecture.md: a client changes only users in divisions where it holds the right. */
export function requireInScope(principal: ClientPrincipal, permission: string, divisionId: string, what: string): void {
  if (!mayDo(principal.grants, permission, divisionId)) {
    throw new ScimError(403, null, `this client lacks ${permission} in the division of ${what}`);
  }
}

/**
 * SQL that is true when the membership row `alias` names a member the scope may see: a group (groups
 * are not divided) or a user in one of the scope's divisions. `add` binds a parameter and returns its
 * placeholder.
 */
export function visibleMemberSql(scope: DivisionScope, add: (v: unknown) => string, alias = "m"): string {
  if (scope.all) return "true";
  return `(${alias}.member_type = 'Group' or exists (select 1 from scim_users vu where vu.id = ${alias}.member_id and vu.division_id = any(${add(scope.ids)}::text[])))`;
}

/** The users a client may see (as members of groups too): where it holds directory:user:view. */
export function userViewScope(principal: ClientPrincipal): DivisionScope {
  return scopeFor(principal, "directory:user:view");
}
