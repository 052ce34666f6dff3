/**
 * What a user holds in Genesys beside its record: skills, languages, external ids and roles. How much
 * of it the bridge knows (what the last run left, else a read), and the steps of the user plan that
 * change it (src/sync/user-plan.ts), carried out.
 */
import type { GenesysExternalId, GenesysProficiency, GenesysUser } from "../genesys/api-types.js";
import type { RoutingKind } from "../genesys/requests.js";
import type { CallContext } from "./targets/target.js";
import { TargetError } from "./target-error.js";
import { ROUTING_KINDS, type DesiredUser, type HeldExtras, type HeldRole, type UserStep } from "./user-plan.js";
import type { ReconcileDeps } from "./reconcile-deps.js";
import { targetDivisionId } from "./division-target.js";

/** What the last run left of these (kept in sync_state.applied with the user's snapshot). */
export interface AppliedExtras {
  /** Skills and languages the user holds, per kind the bridge manages. */
  routing?: Partial<Record<RoutingKind, GenesysProficiency[]>>;
  /** The external ids the bridge added. */
  externalIds?: GenesysExternalId[];
  /** The roles the bridge granted (home division). */
  roles?: HeldRole[];
}

/**
 * Skills, languages and external ids as Genesys holds them, for the kinds SCIM manages: from what the
 * last run left, else read (a user adopted by e-mail, or linked before the bridge managed them). Of
 * the external ids read, those under an authority SCIM gives count as the bridge's (one key per
 * authority: SCIM's says which).
 */
export async function heldExtras(
  deps: ReconcileDeps,
  ctx: CallContext,
  user: GenesysUser,
  want: DesiredUser,
  applied: AppliedExtras | null,
): Promise<HeldExtras> {
  const held: HeldExtras = { routing: {}, externalIds: applied?.externalIds ?? [] };
  // a deleted user's skills and ids cannot be read (404): nothing is known until it is restored
  const readable = user.state !== "deleted";
  for (const kind of ROUTING_KINDS) {
    if (!want.routing[kind]) continue;
    held.routing[kind] = applied?.routing?.[kind] ?? (readable ? await deps.target.listUserRouting(ctx, kind, user.id) : []);
  }
  if (!applied?.externalIds && want.externalIds.length && readable) {
    const authorities = new Set(want.externalIds.map((e) => e.authorityName));
    held.externalIds = (await deps.target.listExternalIds(ctx, user.id)).filter((e) => authorities.has(e.authorityName));
  }
  if (want.roles) {
    // read when unknown: of the user's grants in the home division, those of wanted roles count as given
    held.roles = applied?.roles ?? (readable && want.roles.length ? await grantedWanted(deps, ctx, user.id, want.roles) : []);
  }
  return held;
}

/**
 * The home division's Genesys id, where the sync grants roles (the division Genesys's own role grants
 * default to). Resolved as every division is (targetDivisionId); a home division not yet matched has none.
 */
async function homeDivisionTargetId(deps: ReconcileDeps): Promise<string> {
  const [home] = await deps.db.query<{ id: string }>("select id from divisions where home");
  const id = home && (await targetDivisionId(deps, home.id));
  if (id) return id;
  throw new TargetError("permanent", "the home division has no Genesys Cloud id: run a division sync (POST /admin/v1/divisions/sync)");
}

/** `role "A"`, `roles "A", "B"`: the names quoted, the noun plural when there are several. */
function named(noun: string, names: readonly string[]): string {
  return `${noun}${names.length > 1 ? "s" : ""} ${names.map((n) => JSON.stringify(n)).join(", ")}`;
}

const itOrThem = (names: readonly string[]) => (names.length > 1 ? "them" : "it");

/**
 * Every name looked up before anything changes: one Genesys does not know fails the user with its
 * name (names are case-sensitive). Answers what `find` made of each, in order.
 */
async function resolveNames<I extends { name: string }, T>(
  items: readonly I[],
  noun: string,
  find: (item: I) => Promise<T | null>,
): Promise<T[]> {
  const found: T[] = [];
  const unknown: string[] = [];
  for (const item of items) {
    const t = await find(item);
    if (t) found.push(t);
    else unknown.push(item.name);
  }
  if (unknown.length)
    throw new TargetError(
      "permanent",
      `${named(noun, unknown)} not found in Genesys Cloud (names are case-sensitive): create ${itOrThem(unknown)} in Genesys or correct the SCIM value`,
    );
  return found;
}

/** The user's grants, in the home division, of the roles SCIM wants. */
async function grantedWanted(deps: ReconcileDeps, ctx: CallContext, userId: string, names: string[]): Promise<HeldRole[]> {
  const home = await homeDivisionTargetId(deps);
  const out: HeldRole[] = [];
  for (const g of await deps.target.listRoleGrants(ctx, userId)) {
    if (g.divisionId !== home) continue;
    if (g.roleName && names.includes(g.roleName)) out.push({ roleId: g.roleId, name: g.roleName });
  }
  return out;
}

/**
 * Grants the roles SCIM gives and revokes those the bridge granted that it no longer gives, in the
 * home division. Every name must be one GENESYS_GRANTABLE_ROLES allows and one Genesys knows, checked
 * before anything changes. Answers the roles the bridge has now granted.
 */
export async function applyRoles(
  deps: ReconcileDeps,
  ctx: CallContext,
  userId: string,
  step: Extract<UserStep, { kind: "roles" }>,
  held: HeldRole[],
): Promise<HeldRole[]> {
  const refused = step.grant.filter((name) => !deps.grantableRoles?.has(name));
  if (refused.length)
    throw new TargetError(
      "permanent",
      `${named("role", refused)} may not be granted by the sync: list ${itOrThem(refused)} in GENESYS_GRANTABLE_ROLES, or take ${itOrThem(refused)} out of the user's SCIM roles`,
    );
  const found = await resolveNames(
    step.grant.map((name) => ({ name })),
    "role",
    async ({ name }): Promise<HeldRole | null> => {
      const role = await deps.target.findRole(ctx, name);
      return role && { roleId: role.id, name };
    },
  );
  const home = await homeDivisionTargetId(deps);
  await deps.target.changeRoleGrants(
    ctx,
    userId,
    "bulkremove",
    step.revoke.map((r) => ({ roleId: r.roleId, divisionId: home })),
  );
  await deps.target.changeRoleGrants(
    ctx,
    userId,
    "bulkadd",
    found.map((r) => ({ roleId: r.roleId, divisionId: home })),
  );
  const revoked = new Set(step.revoke.map((r) => r.roleId));
  return [...held.filter((r) => !revoked.has(r.roleId)), ...found];
}

/**
 * Sets a user's skills or languages: every name is resolved first (an unknown one fails the user with
 * its name, before anything changes), then the ones no longer wanted are removed and the rest added or
 * updated, MAX_IDS_PER_CALL a call. Answers what the user now holds.
 */
export async function applyRouting(
  deps: ReconcileDeps,
  ctx: CallContext,
  userId: string,
  step: Extract<UserStep, { kind: "routing" }>,
  held: GenesysProficiency[],
): Promise<GenesysProficiency[]> {
  const entries = await resolveNames(
    step.set,
    step.routing === "skills" ? "routing skill" : "routing language",
    async (want): Promise<GenesysProficiency | null> => {
      const entry = await deps.target.findCatalogEntry(ctx, step.routing, want.name);
      return entry && { id: entry.id, name: entry.name, proficiency: want.proficiency };
    },
  );
  for (const r of step.remove) await deps.target.removeUserRouting(ctx, step.routing, userId, r.id);
  if (entries.length) await deps.target.addUserRouting(ctx, step.routing, userId, entries);
  const removed = new Set(step.remove.map((r) => r.id));
  const now = new Map(held.filter((h) => !removed.has(h.id)).map((h) => [h.id, h]));
  for (const e of entries) now.set(e.id, e);
  return [...now.values()];
}

/** Removes the external ids the bridge no longer gives, then adds the new ones (one key per authority: removal first). */
export async function applyExternalIds(
  deps: ReconcileDeps,
  ctx: CallContext,
  userId: string,
  step: Extract<UserStep, { kind: "externalIds" }>,
  held: GenesysExternalId[],
): Promise<GenesysExternalId[]> {
  for (const e of step.remove) await deps.target.removeExternalId(ctx, userId, e);
  for (const e of step.add) await deps.target.addExternalId(ctx, userId, e);
  const gone = (e: GenesysExternalId) => step.remove.some((r) => r.authorityName === e.authorityName && r.externalKey === e.externalKey);
  return [...held.filter((e) => !gone(e)), ...step.add];
}
