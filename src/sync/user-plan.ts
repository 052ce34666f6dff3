/**
 * What to send to make Genesys's copy of a user match SCIM: a pure plan of steps, computed from what
 * Genesys holds and what SCIM wants, and tested from tables. reconcile-user.ts reads the inputs and
 * carries the steps out.
 */
import type { CreateUserBody, GenesysExternalId, GenesysProficiency, GenesysUser } from "../genesys/api-types.js";
import type { RoutingKind } from "../genesys/requests.js";
import { fieldChanges, type UserFields } from "./genesys-mapping.js";

/** A skill or language as SCIM names it. */
export interface NamedProficiency {
  name: string;
  proficiency: number;
}

export interface DesiredUser {
  create: CreateUserBody;
  fields: UserFields;
  state: "active" | "inactive";
  /** Undefined: the user's home division is left as Genesys has it. */
  divisionId?: string;
  /** Per kind: undefined when SCIM does not send it (then the bridge leaves the user's skills or languages alone). */
  routing: Partial<Record<RoutingKind, NamedProficiency[]>>;
  /** The external ids SCIM gives (core externalId and the Genesys extension's). */
  externalIds: GenesysExternalId[];
  /** Role names to grant in the home division; undefined when the bridge does not manage roles (or SCIM sends none). */
  roles?: string[];
}

/** What Genesys holds beyond the user record: skills and languages (read, or as the last run left them) and the external ids the bridge added. */
export interface HeldExtras {
  routing: Partial<Record<RoutingKind, GenesysProficiency[]>>;
  externalIds: GenesysExternalId[];
  /** The roles the bridge granted (home division). */
  roles?: HeldRole[];
}

/** A role granted by the bridge. */
export interface HeldRole {
  roleId: string;
  name: string;
}

export type UserStep =
  | { kind: "create"; body: CreateUserBody }
  /** A deleted user is made active or inactive again (its own PATCH). */
  | { kind: "restore"; state: "active" | "inactive" }
  /** `merge`: the PATCH replaces addresses or employerInfo whole, so the parts the bridge does not own are read and kept. */
  | { kind: "patch"; fields: UserFields; merge: boolean }
  | { kind: "move"; divisionId: string }
  /** Genesys applies only the state when a PATCH carries it: it goes alone. */
  | { kind: "state"; state: "active" | "inactive" }
  /** Names to add or set (resolved to ids when carried out) and held entries to remove. */
  | { kind: "routing"; routing: RoutingKind; set: NamedProficiency[]; remove: GenesysProficiency[] }
  | { kind: "externalIds"; add: GenesysExternalId[]; remove: GenesysExternalId[] }
  /** Role names to grant, and roles the bridge granted that SCIM no longer gives, to revoke (never others'). */
  | { kind: "roles"; grant: string[]; revoke: HeldRole[] };

export const ROUTING_KINDS: readonly RoutingKind[] = ["skills", "languages"];

/** What a user just created holds: no skills, languages, external ids or roles. */
export function nothingHeld(): HeldExtras {
  return { routing: { skills: [], languages: [] }, externalIds: [], roles: [] };
}

/** The user Genesys answers a create with, as far as the plan needs it. */
function created(body: CreateUserBody): GenesysUser {
  return {
    id: "",
    version: 1,
    name: body.name,
    email: body.email,
    state: body.state ?? "inactive",
    division: body.divisionId ? { id: body.divisionId } : undefined,
    title: body.title,
    department: body.department,
    addresses: body.addresses,
  };
}

const sameExternalId = (a: GenesysExternalId, b: GenesysExternalId) =>
  a.authorityName === b.authorityName && a.externalKey === b.externalKey;

/** The routing step for one kind, or null when nothing differs (names are case-sensitive, as Genesys's). */
export function routingStep(kind: RoutingKind, want: NamedProficiency[] | undefined, held: GenesysProficiency[]): UserStep | null {
  if (!want) return null;
  const set = want.filter((w) => !held.some((h) => h.name === w.name && h.proficiency === w.proficiency));
  const remove = held.filter((h) => !want.some((w) => h.name === w.name));
  return set.length || remove.length ? { kind: "routing", routing: kind, set, remove } : null;
}

/** The roles to grant, and those the bridge granted that SCIM no longer gives (roles granted otherwise are never revoked). */
export function roleStep(want: string[] | undefined, granted: HeldRole[]): UserStep | null {
  if (!want) return null;
  const grant = want.filter((name) => !granted.some((g) => g.name === name));
  const revoke = granted.filter((g) => !want.includes(g.name));
  return grant.length || revoke.length ? { kind: "roles", grant, revoke } : null;
}

/** The external ids to add, and those the bridge added before that SCIM no longer gives (others' ids are never touched). */
export function externalIdStep(want: GenesysExternalId[], added: GenesysExternalId[]): UserStep | null {
  const add = want.filter((w) => !added.some((a) => sameExternalId(a, w)));
  const remove = added.filter((a) => !want.some((w) => sameExternalId(a, w)));
  return add.length || remove.length ? { kind: "externalIds", add, remove } : null;
}

/**
 * The steps, in the order they must go: create (then everything a create cannot carry), restore,
 * fields, division, state, skills, languages, external ids, roles. `current` null means Genesys has no such
 * user yet; the steps after a create are planned against what the create will hold, so the whole plan
 * is known before anything is sent (the executor plans again with the create's real answer).
 */
export function planUser(current: GenesysUser | null, want: DesiredUser, held: HeldExtras): UserStep[] {
  const steps: UserStep[] = [];
  let user = current;
  if (!user) {
    steps.push({ kind: "create", body: want.create });
    user = created(want.create);
    held = nothingHeld();
  }
  if (user.state === "deleted") steps.push({ kind: "restore", state: want.state });
  const changes = fieldChanges(user, want.fields);
  if (changes) steps.push({ kind: "patch", fields: changes, merge: Boolean(changes.addresses || changes.employerInfo) });
  if (want.divisionId !== undefined && user.division?.id !== want.divisionId) steps.push({ kind: "move", divisionId: want.divisionId });
  if (user.state !== "deleted" && user.state !== want.state) steps.push({ kind: "state", state: want.state });
  for (const kind of ROUTING_KINDS) {
    const step = routingStep(kind, want.routing[kind], held.routing[kind] ?? []);
    if (step) steps.push(step);
  }
  const ids = externalIdStep(want.externalIds, held.externalIds);
  if (ids) steps.push(ids);
  const roles = roleStep(want.roles, held.roles ?? []);
  if (roles) steps.push(roles);
  return steps;
}
