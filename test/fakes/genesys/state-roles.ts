import { randomUUID } from "node:crypto";
import { FakeGenesysError, badRequest, notFound } from "./errors.js";
import { bodyObject, isObject, lower, requiredString } from "./fields.js";
import type { FakeDivisionRecord, FakeUserRecord } from "./state.js";

/**
 * The organisation's roles and each user's grants (a role in a division), after Genesys's AuthorizationApi
 * (platform-client-sdk-javascript build/docs/AuthorizationApi.md) and the Terraform provider's user_roles
 * package. Pure model, like state.ts: every refusal is a FakeGenesysError with Genesys's status and code.
 * Only user subjects are modelled: no group or OAuth-client grants, and no grants inherited from groups.
 */

export interface FakeRole {
  id: string;
  name: string;
  description: string;
  /** A built-in role of every organisation (DomainOrganizationRole.default). */
  builtIn: boolean;
}

/** What a test reads back: one grant of a user. */
export interface FakeGrant {
  roleId: string;
  roleName: string;
  divisionId: string;
}

export interface RolesOptions {
  now: () => number;
  /** A user that exists and is not deleted, or undefined. */
  liveUser: (id: string) => FakeUserRecord | undefined;
  divisions: ReadonlyMap<string, FakeDivisionRecord>;
  homeDivisionId: string;
}

/** The division id that stands for every division, present and future [code: provider schema "'*' may be set for all divisions"]. */
export const ALL_DIVISIONS = "*";

/**
 * Built-in roles every organisation has [code: the provider's TestUserRoles reads "employee" and "admin" by name as
 * "Built-in roles, not managed by terraform"]. Other default roles (Master Admin, Supervisor, …) can be added with add().
 */
export const BUILT_IN_ROLES = ["admin", "employee"];
/** Granted to every new user in the home division [code comment: "new user's automatically get this role"; division: guess]. */
export const EMPLOYEE_ROLE = "employee";
const SUBJECT_TYPES = ["PC_USER", "PC_GROUP", "PC_OAUTH_CLIENT"];

interface GrantRecord {
  roleId: string;
  divisionId: string;
  madeAt: number;
}

export class FakeRoles {
  readonly catalog = new Map<string, FakeRole>();
  /** userId → grants, in the order they were made. Kept when the user is deleted [guess]. */
  private readonly grants = new Map<string, GrantRecord[]>();
  /** userId → AuthzSubject.version, bumped on every change [guess]. */
  private readonly versions = new Map<string, number>();
  /** New users get the employee role (turn off to start users with no grant at all). */
  grantEmployeeOnCreate = true;

  constructor(private readonly opts: RolesOptions) {
    for (const name of BUILT_IN_ROLES) this.add(name, { builtIn: true });
  }

  // ---- test hooks ----

  /** A new role. Names are unique, case-insensitively [guess]: a repeat is a test bug and throws. */
  add(name: string, o: { id?: string; description?: string; builtIn?: boolean } = {}): FakeRole {
    if (this.byName(name)) throw new Error(`fake Genesys: a role named ${name} already exists`);
    const r: FakeRole = { id: o.id ?? randomUUID(), name, description: o.description ?? "", builtIn: o.builtIn ?? false };
    this.catalog.set(r.id, r);
    return r;
  }

  byName(name: string): FakeRole | undefined {
    return [...this.catalog.values()].find((r) => lower(r.name) === lower(name));
  }

  /** A grant made "by hand" (an admin, SSO, Genesys's own SCIM): any user, no API check. Division defaults to home. */
  grant(userId: string, roleId: string, divisionId: string = this.opts.homeDivisionId): void {
    if (!this.catalog.has(roleId)) throw new Error(`fake Genesys: no role ${roleId}`);
    if (divisionId !== ALL_DIVISIONS && !this.opts.divisions.has(divisionId)) throw new Error(`fake Genesys: no division ${divisionId}`);
    this.put(userId, roleId, divisionId);
  }

  /** The user's grants, in the order they were made (any user, no check). */
  grantsOf(userId: string): FakeGrant[] {
    return (this.grants.get(userId) ?? []).map((g) => ({
      roleId: g.roleId,
      roleName: this.catalog.get(g.roleId)!.name,
      divisionId: g.divisionId,
    }));
  }

  /** Called by the org when POST /api/v2/users creates a user. */
  userCreated(userId: string): void {
    const employee = this.byName(EMPLOYEE_ROLE);
    if (this.grantEmployeeOnCreate && employee) this.put(userId, employee.id, this.opts.homeDivisionId);
  }

  // ---- the catalog ----

  /**
   * GET /api/v2/authorization/roles: sorted by name; `name` keeps the roles whose name starts with it,
   * case-insensitively [guess: the SDK documents the parameter without saying how it matches, and the provider's
   * data source takes the first entity], so a caller must still pick the exact name; `id` (repeatable) keeps those ids.
   */
  list(name: string | null, ids: string[]): FakeRole[] {
    return [...this.catalog.values()]
      .filter((r) => name === null || name === "" || lower(r.name).startsWith(lower(name)))
      .filter((r) => ids.length === 0 || ids.includes(r.id))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  get(roleId: string): FakeRole {
    const r = this.catalog.get(roleId);
    if (!r) throw notFound("role", roleId);
    return r;
  }

  /** DomainOrganizationRole [doc: model fields]; permissions are not modelled (empty). */
  roleView(r: FakeRole, userCount: boolean): Record<string, unknown> {
    const view: Record<string, unknown> = {
      id: r.id,
      name: r.name,
      description: r.description,
      permissions: [],
      permissionPolicies: [],
      default: r.builtIn,
      base: false,
      selfUri: `/api/v2/authorization/roles/${r.id}`,
    };
    if (userCount)
      view.userCount = [...this.grants.entries()].filter(([u, gs]) => this.opts.liveUser(u) && gs.some((g) => g.roleId === r.id)).length;
    return view;
  }

  // ---- a user's grants ----

  private user(userId: string): FakeUserRecord {
    const u = this.opts.liveUser(userId);
    if (!u) throw notFound("user", userId);
    return u;
  }

  /** GET /api/v2/authorization/subjects/{id}: AuthzSubject {id, name, grants, version, selfUri} [doc: model]. */
  subjectView(userId: string): Record<string, unknown> {
    const u = this.user(userId);
    return {
      id: u.id,
      name: u.name,
      grants: (this.grants.get(userId) ?? []).map((g) => this.grantView(userId, g)),
      version: this.versions.get(userId) ?? 1,
      selfUri: `/api/v2/authorization/subjects/${u.id}`,
    };
  }

  /** AuthzGrant {subjectId, division, role, grantMadeAt} [doc: model]. */
  private grantView(userId: string, g: GrantRecord): Record<string, unknown> {
    const r = this.catalog.get(g.roleId)!;
    const d = this.opts.divisions.get(g.divisionId);
    const division = d
      ? {
          id: d.id,
          name: d.name,
          description: d.description,
          homeDivision: d.homeDivision,
          selfUri: `/api/v2/authorization/divisions/${d.id}`,
        }
      : { id: g.divisionId, name: "All divisions" }; // "*": how Genesys shows it is a guess
    return {
      subjectId: userId,
      division,
      role: { id: r.id, name: r.name, description: r.description, default: r.builtIn, selfUri: `/api/v2/authorization/roles/${r.id}` },
      grantMadeAt: new Date(g.madeAt).toISOString(),
    };
  }

  /** `subjectType` of bulkadd: PC_USER (the default) [doc]; the fake holds no group or OAuth-client subjects. */
  checkSubjectType(subjectType: string | null): void {
    if (subjectType === null || subjectType === "PC_USER") return;
    if (!SUBJECT_TYPES.includes(subjectType))
      throw badRequest(`The subjectType ${subjectType} is not one of ${SUBJECT_TYPES.join(", ")}.`, "subjectType");
    throw badRequest(`The fake Genesys models PC_USER subjects only, not ${subjectType}.`, "subjectType");
  }

  /**
   * A RoleDivisionGrants body {grants: [{roleId, divisionId}]} [doc: models RoleDivisionGrants, RoleDivisionPair], every
   * pair checked before any is applied [guess]. An unknown role or division is 404 [code comment, user_roles proxy: bulkadd
   * 404s while "new roles or divisions have not yet been added to the auth service cache"; bulkremove "returns failure
   * if any roles/divisions no longer exist", its status a guess: 404 too].
   */
  private pairs(body: unknown): Array<{ roleId: string; divisionId: string }> {
    const b = bodyObject(body);
    if (!Array.isArray(b.grants)) throw badRequest("The field grants is required: an array of {roleId, divisionId}.", "grants");
    return b.grants.map((raw: unknown, i) => {
      const field = `grants[${i}]`;
      if (!isObject(raw)) throw badRequest(`${field} must be an object {roleId, divisionId}.`, field);
      const roleId = requiredString(raw, "roleId");
      const divisionId = requiredString(raw, "divisionId");
      if (!this.catalog.has(roleId))
        throw new FakeGenesysError(404, `The role ${roleId} was not found.`, "not.found", { entityId: roleId, entityName: "role" });
      if (divisionId !== ALL_DIVISIONS && !this.opts.divisions.has(divisionId))
        throw new FakeGenesysError(404, `The division ${divisionId} was not found.`, "not.found", {
          entityId: divisionId,
          entityName: "division",
        });
      return { roleId, divisionId };
    });
  }

  /** POST .../bulkadd: grants each pair; one already held stays as it is [guess: no error]. */
  bulkAdd(userId: string, body: unknown, subjectType: string | null): void {
    this.checkSubjectType(subjectType);
    this.user(userId);
    for (const p of this.pairs(body)) this.put(userId, p.roleId, p.divisionId);
  }

  /** POST .../bulkremove: revokes each pair; one not held is ignored [guess]. */
  bulkRemove(userId: string, body: unknown): void {
    this.user(userId);
    const pairs = this.pairs(body);
    const list = this.grants.get(userId) ?? [];
    const kept = list.filter((g) => !pairs.some((p) => p.roleId === g.roleId && p.divisionId === g.divisionId));
    if (kept.length === list.length) return;
    this.grants.set(userId, kept);
    this.versions.set(userId, (this.versions.get(userId) ?? 1) + 1);
  }

  private put(userId: string, roleId: string, divisionId: string): void {
    const list = this.grants.get(userId) ?? [];
    if (list.some((g) => g.roleId === roleId && g.divisionId === divisionId)) return;
    list.push({ roleId, divisionId, madeAt: this.opts.now() });
    this.grants.set(userId, list);
    this.versions.set(userId, (this.versions.get(userId) ?? 1) + 1);
  }
}
