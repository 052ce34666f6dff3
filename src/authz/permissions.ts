/**
 * Permissions are Genesys-style `domain:entity:action` strings; any segment may be `*`.
 * Pure functions, no I/O.
 */
export const PERMISSION_PATTERN = /^([A-Za-z0-9_-]+|\*):([A-Za-z0-9_-]+|\*):([A-Za-z0-9_-]+|\*)$/;

/** The division that stands for "all divisions" in a grant. */
export const ALL_DIVISIONS = "*";

/** The permissions Genesys Cloud's SDK documentation lists for its SCIM endpoints (see README, "SCIM Integration role"). */
export const SCIM_INTEGRATION_PERMISSIONS: readonly string[] = Object.freeze([
  "authorization:grant:add",
  "authorization:grant:delete",
  "directory:user:add",
  "directory:user:edit",
  "directory:user:delete",
  "directory:user:setPassword",
  "directory:user:view",
  "directory:group:add",
  "directory:group:edit",
  "directory:group:delete",
  "directory:group:view",
  "routing:skill:assign",
  "routing:language:assign",
  "telephony:extension:assign",
  "authorization:division:view",
]);

/** The bridge's own administration permissions; the Bridge Admin role carries them all. */
export const BRIDGE_ADMIN_PERMISSIONS: readonly string[] = Object.freeze([
  "bridge:client:view",
  "bridge:client:add",
  "bridge:client:edit",
  "bridge:client:delete",
  "bridge:role:view",
  "bridge:role:add",
  "bridge:role:edit",
  "bridge:role:delete",
  "bridge:division:view",
  "bridge:division:add",
  "bridge:audit:view",
  "bridge:token:revoke",
  "bridge:job:view",
  "bridge:job:retry",
]);

export interface EffectiveGrant {
  roleId: string;
  divisionId: string;
  permissions: readonly string[];
}

/**
 * Answers of permissionCovers, which every request asks several times over the same few pairs (its
 * role's permissions against the route's): a pure function of two strings, remembered up to a bound.
 */
const covers = new Map<string, boolean>();
const MAX_REMEMBERED = 10_000;

/** Does `held` (possibly with `*` segments) cover the concrete or wildcard permission `wanted`? */
export function permissionCovers(held: string, wanted: string): boolean {
  const key = `${held}\n${wanted}`;
  let answer = covers.get(key);
  if (answer === undefined) {
    answer = coversNow(held, wanted);
    if (covers.size >= MAX_REMEMBERED) covers.clear();
    covers.set(key, answer);
  }
  return answer;
}

function coversNow(held: string, wanted: string): boolean {
  if (!PERMISSION_PATTERN.test(held) || !PERMISSION_PATTERN.test(wanted)) return false;
  const h = held.split(":");
  const w = wanted.split(":");
  // A wildcard is covered only by a wildcard: `directory:*:*` is not inside `directory:user:*`.
  return h.every((seg, i) => seg === "*" || seg === w[i]);
}

export function isCoveredBy(wanted: string, held: readonly string[]): boolean {
  return held.some((h) => permissionCovers(h, wanted));
}

export function isSubset(wanted: readonly string[], held: readonly string[]): boolean {
  return wanted.every((w) => isCoveredBy(w, held));
}

/** The permissions a principal holds in `divisionId`: grants there and grants in all divisions. */
export function permissionsIn(grants: readonly EffectiveGrant[], divisionId: string): string[] {
  const out = new Set<string>();
  for (const g of grants) {
    if (g.divisionId === ALL_DIVISIONS || g.divisionId === divisionId) for (const p of g.permissions) out.add(p);
  }
  return [...out];
}

/** May the principal do `permission` in `divisionId` (or, with no division, in any division)? */
export function mayDo(grants: readonly EffectiveGrant[], permission: string, divisionId?: string): boolean {
  return grants.some(
    (g) =>
      (divisionId === undefined || g.divisionId === ALL_DIVISIONS || g.divisionId === divisionId) && isCoveredBy(permission, g.permissions),
  );
}

/**
 * Genesys's rule that an admin grants only what it holds: the admin holds the role in that division
 * (or in all divisions), or holds there every permission the role carries. A grant in `*` needs the
 * admin's own grants in `*`.
 */
export function mayGrant(
  adminGrants: readonly EffectiveGrant[],
  role: { id: string; permissions: readonly string[] },
  divisionId: string,
): boolean {
  const inScope = adminGrants.filter(
    (g) => g.divisionId === ALL_DIVISIONS || (divisionId !== ALL_DIVISIONS && g.divisionId === divisionId),
  );
  if (inScope.some((g) => g.roleId === role.id)) return true;
  return isSubset(
    role.permissions,
    inScope.flatMap((g) => g.permissions),
  );
}

/** A grant with the role it names, as the grant rule needs it. */
export interface HeldGrant {
  role: { id: string; name?: string; permissions: readonly string[] };
  divisionId: string;
}

/**
 * The grant rule applied to acting on a client (rotate its secret, update, deactivate or delete it,
 * revoke its tokens): allowed only if the admin could grant every role the client holds, where it
 * holds it. Returns the grants the admin could not give (empty: allowed).
 */
export function ungrantable(adminGrants: readonly EffectiveGrant[], held: readonly HeldGrant[]): HeldGrant[] {
  return held.filter((g) => !mayGrant(adminGrants, g.role, g.divisionId));
}

/**
 * The grant rule applied to a role's permissions: the admin may add or remove a permission only if it
 * holds it in every division where the role is granted (a role granted nowhere reaches no one yet;
 * granting it later is checked by `mayGrant`). Returns, per division, what the admin lacks there.
 */
export function missingForRoleChange(
  adminGrants: readonly EffectiveGrant[],
  changed: readonly string[],
  grantedIn: readonly string[],
): Array<{ divisionId: string; permissions: string[] }> {
  const out: Array<{ divisionId: string; permissions: string[] }> = [];
  for (const divisionId of grantedIn) {
    const held = permissionsIn(adminGrants, divisionId);
    const lacking = changed.filter((p) => !isCoveredBy(p, held));
    if (lacking.length) out.push({ divisionId, permissions: lacking });
  }
  return out;
}

/** The permissions of `next` not covered by `prev`, and those of `prev` not covered by `next`. */
export function permissionDelta(prev: readonly string[], next: readonly string[]): { added: string[]; removed: string[] } {
  return { added: next.filter((p) => !isCoveredBy(p, prev)), removed: prev.filter((p) => !isCoveredBy(p, next)) };
}

/** Does a client with these grants hold every Bridge Admin permission in all divisions? */
export function isFullAdmin(grants: readonly { divisionId: string; permissions: readonly string[] }[]): boolean {
  return isSubset(
    BRIDGE_ADMIN_PERMISSIONS,
    grants.filter((g) => g.divisionId === ALL_DIVISIONS).flatMap((g) => g.permissions),
  );
}
