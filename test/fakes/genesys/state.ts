import { randomUUID } from "node:crypto";
import { badRequest, conflict, notFound } from "./errors.js";
import {
  bodyObject,
  checkAddresses,
  checkEmail,
  checkEmployerInfo,
  checkVersion,
  clone,
  lower,
  optionalString,
  requiredString,
  type FakeAddress,
  type FakeEmployerInfo,
  type VersionConflictStyle,
} from "./fields.js";
import { LaggingIndex, matches, parseQuery, type SearchFields } from "./search.js";
import { FakeGroups } from "./state-groups.js";
import { FakeExternalIds, type FakeExternalId } from "./state-externalids.js";
import { FakeRouting, type FakeCatalogEntry, type FakeUserAssignment } from "./state-routing.js";
import { FakeRoles } from "./state-roles.js";

export { defaultVersionConflict, type FakeAddress, type FakeEmployerInfo, type VersionConflictStyle } from "./fields.js";
export type { FakeGroupRecord, MemberRemovalAttempt } from "./state-groups.js";
export type { FakeCatalogEntry, FakeUserAssignment, RoutingKind } from "./state-routing.js";
export type { FakeExternalId } from "./state-externalids.js";
export type { FakeGrant, FakeRole } from "./state-roles.js";

/**
 * The in-memory Genesys Cloud organisation behind the fake: users, divisions (one home division),
 * groups (state-groups.ts), and the search index that lags writes (search.ts). Pure model: no HTTP
 * here; every refusal is a FakeGenesysError carrying Genesys's status and code. Source: docs/genesys-platform-api.md
 * (cited by section).
 */

export type UserState = "active" | "inactive" | "deleted";

export interface FakeUserRecord {
  id: string;
  name: string;
  email: string;
  username: string;
  state: UserState;
  divisionId: string;
  version: number;
  title?: string;
  department?: string;
  managerId?: string;
  addresses: FakeAddress[];
  employerInfo?: FakeEmployerInfo;
}

export interface FakeDivisionRecord {
  id: string;
  name: string;
  description: string;
  homeDivision: boolean;
}

export interface OrgOptions {
  now: () => number;
  /**
   * Milliseconds before a write shows in user and group search (docs/genesys-platform-api.md, "Paging and search": the lag
   * is real, its size undocumented).
   */
  searchLagMs: number;
  /** Milliseconds before a group member change lands (see state-groups.ts). */
  memberApplyDelayMs: number;
  homeDivisionName: string;
  versionConflict: VersionConflictStyle;
  /** Told when a member change is queued for later. */
  onMemberChangeQueued?: (applyAt: number) => void;
}

const USER_STATES: UserState[] = ["active", "inactive", "deleted"];
const SEARCH_FIELDS: SearchFields<FakeUserRecord> = {
  id: (u) => u.id,
  email: (u) => u.email,
  name: (u) => u.name,
  username: (u) => u.username,
  state: (u) => u.state,
  title: (u) => u.title,
  department: (u) => u.department,
  "division.id": (u) => u.divisionId,
  "manager.id": (u) => u.managerId,
};

export class FakeGenesysOrg {
  readonly users = new Map<string, FakeUserRecord>();
  readonly divisions = new Map<string, FakeDivisionRecord>();
  readonly groups: FakeGroups;
  /** Routing skills and languages (state-routing.ts), external ids (state-externalids.ts). */
  readonly routing: FakeRouting;
  readonly externalIds: FakeExternalIds;
  /** Roles and each user's role grants (state-roles.ts). */
  readonly roles: FakeRoles;
  readonly homeDivisionId: string;
  private readonly index: LaggingIndex<FakeUserRecord>;

  constructor(readonly opts: OrgOptions) {
    this.homeDivisionId = this.addDivision(opts.homeDivisionName, { home: true, description: "The organisation's home division" }).id;
    this.index = new LaggingIndex(opts.now, opts.searchLagMs);
    const liveUser = (id: string): FakeUserRecord | undefined => {
      const u = this.users.get(id);
      return u && u.state !== "deleted" ? u : undefined;
    };
    this.groups = new FakeGroups({
      now: opts.now,
      searchLagMs: opts.searchLagMs,
      memberApplyDelayMs: opts.memberApplyDelayMs,
      versionConflict: opts.versionConflict,
      liveUser,
      onQueued: opts.onMemberChangeQueued,
    });
    this.routing = new FakeRouting({ now: opts.now, liveUser });
    this.externalIds = new FakeExternalIds({ liveUser });
    this.roles = new FakeRoles({ now: opts.now, liveUser, divisions: this.divisions, homeDivisionId: this.homeDivisionId });
  }

  // ---- test hooks over this.routing ----
  addSkill = (name: string): FakeCatalogEntry => this.routing.add("skill", name);
  addLanguage = (name: string): FakeCatalogEntry => this.routing.add("language", name);
  userSkills = (userId: string): FakeUserAssignment[] => this.routing.assignments("skill", userId);
  userLanguages = (userId: string): FakeUserAssignment[] => this.routing.assignments("language", userId);
  userExternalIds = (userId: string): FakeExternalId[] => this.externalIds.of(userId);

  // ---- divisions ----

  addDivision(name: string, o: { id?: string; description?: string; home?: boolean } = {}): FakeDivisionRecord {
    const d: FakeDivisionRecord = { id: o.id ?? randomUUID(), name, description: o.description ?? "", homeDivision: o.home ?? false };
    this.divisions.set(d.id, d);
    return d;
  }

  /** n more divisions, "Division 0001"…, for paging tests. */
  seedDivisions(n: number, prefix = "Division"): FakeDivisionRecord[] {
    const start = this.divisions.size;
    return Array.from({ length: n }, (_, i) => this.addDivision(`${prefix} ${String(start + i).padStart(4, "0")}`));
  }

  divisionByName(name: string): FakeDivisionRecord | undefined {
    return [...this.divisions.values()].find((d) => lower(d.name) === lower(name));
  }

  divisionView(d: FakeDivisionRecord): Record<string, unknown> {
    return {
      id: d.id,
      name: d.name,
      description: d.description,
      homeDivision: d.homeDivision,
      selfUri: `/api/v2/authorization/divisions/${d.id}`,
    };
  }

  /** POST /api/v2/authorization/divisions/{id}/objects/USER: division and version change [guess]. */
  moveUsers(divisionId: string, body: unknown): void {
    const d = this.divisions.get(divisionId);
    if (!d) throw notFound("division", divisionId);
    if (!Array.isArray(body) || body.some((x) => typeof x !== "string")) throw badRequest("The body must be a JSON array of object ids.");
    const users = body.map((id: string) => {
      const u = this.users.get(id);
      if (!u) throw badRequest(`The object ${id} of type USER was not found.`);
      return u;
    });
    for (const u of users) {
      if (u.divisionId === d.id) continue;
      u.divisionId = d.id;
      this.touch(u);
    }
  }

  // ---- users ----

  userView(u: FakeUserRecord, expand: string[] = []): Record<string, unknown> {
    const d = this.divisions.get(u.divisionId);
    const view: Record<string, unknown> = {
      id: u.id,
      name: u.name,
      division: { id: u.divisionId, name: d?.name, selfUri: `/api/v2/authorization/divisions/${u.divisionId}` },
      email: u.email,
      primaryContactInfo: [{ address: u.email, mediaType: "EMAIL", type: "PRIMARY" }],
      addresses: clone(u.addresses),
      state: u.state,
      username: u.username,
      version: u.version,
      acdAutoAnswer: false,
      selfUri: `/api/v2/users/${u.id}`,
    };
    if (u.title !== undefined) view.title = u.title;
    if (u.department !== undefined) view.department = u.department;
    if (u.managerId) view.manager = { id: u.managerId, selfUri: `/api/v2/users/${u.managerId}` };
    if (expand.includes("employerInfo") && u.employerInfo) view.employerInfo = clone(u.employerInfo);
    if (expand.includes("skills")) view.skills = this.routing.entriesView("skill", u.id);
    if (expand.includes("languages")) view.languages = this.routing.entriesView("language", u.id);
    return view;
  }

  /** Any state, deleted included: the email stays reserved after a soft delete [doc]. */
  userByEmail(email: string): FakeUserRecord | undefined {
    const id = this.byEmail.get(lower(email));
    const hit = id === undefined ? undefined : this.users.get(id);
    return hit && lower(hit.email) === lower(email) ? hit : undefined;
  }

  /** Users by lower-cased e-mail: a scan of every user per create cost the benches more than the bridge did. */
  private readonly byEmail = new Map<string, string>();

  private emailTaken(email: string, exceptId?: string): void {
    const other = this.userByEmail(email);
    if (other && other.id !== exceptId)
      throw conflict(
        `A user with the email address ${email} already exists${other.state === "deleted" ? " (the user is deleted)" : ""}.`,
        other.id,
      );
  }

  /** Bumps the version and queues the new state for the search index. */
  private touch(u: FakeUserRecord): void {
    u.version += 1;
    this.index.put(u.id, u);
  }

  /**
   * POST /api/v2/users: name and email required; divisionId optional (home division). Without `state`
   * the user is created inactive: "If not specified, state will be Active if invites are sent, otherwise
   * Inactive" (model CreateUser; docs/genesys-platform-api.md, "Users"), and the fake sends no invites.
   */
  createUser(body: unknown): FakeUserRecord {
    const b = bodyObject(body);
    const name = requiredString(b, "name");
    const email = checkEmail(requiredString(b, "email"));
    const divisionId = optionalString(b, "divisionId") ?? this.homeDivisionId;
    if (!this.divisions.has(divisionId)) throw badRequest(`The division ${divisionId} does not exist.`, "divisionId");
    const state = b.state ?? "inactive";
    if (state !== "active" && state !== "inactive") throw badRequest("The field state must be active or inactive.", "state");
    const addresses = b.addresses === undefined || b.addresses === null ? [] : checkAddresses(b.addresses);
    this.emailTaken(email);
    const u: FakeUserRecord = { id: randomUUID(), name, email, username: email, state, divisionId, version: 1, addresses };
    const title = optionalString(b, "title");
    const department = optionalString(b, "department");
    if (title !== undefined) u.title = title;
    if (department !== undefined) u.department = department;
    // Genesys's create body has no manager and no employerInfo (docs/genesys-platform-api.md): they are not read here.
    this.users.set(u.id, u);
    this.byEmail.set(lower(u.email), u.id);
    this.index.put(u.id, u);
    this.roles.userCreated(u.id); // the employee role [code comment, state-roles.ts]
    return u;
  }

  /**
   * GET /api/v2/users/{id}?state=…: `state` is "Search for a user with this state", default active,
   * values active and deleted (UsersApi getUser; docs/genesys-platform-api.md, "Users"). Without it (or with active) active
   * and inactive users answer and a deleted one is 404 (the provider reads inactive users so; the 404 is implied, UNCONFIRMED).
   * With state=deleted only a deleted user answers, any other is 404 [strict reading, unconfirmed].
   */
  getUser(id: string, state: string | null): FakeUserRecord {
    if (state !== null && state !== "active" && state !== "deleted")
      throw badRequest(`The state ${state} is not one of active, deleted.`, "state");
    const u = this.users.get(id);
    if (!u || (u.state === "deleted") !== (state === "deleted")) throw notFound("user", id);
    return u;
  }

  /**
   * PATCH /api/v2/users/{id} [doc]: version required and current; a body with `state` changes only the
   * state (which is also how a deleted user is restored); manager written as an id and cleared with ""
   * as Genesys's provider sends it (docs/genesys-platform-api.md, "Users"); null is refused [strict: no Genesys source sends null].
   */
  updateUser(id: string, body: unknown): FakeUserRecord {
    const b = bodyObject(body);
    const u = this.users.get(id);
    if (!u) throw notFound("user", id);
    if (u.state === "deleted" && b.state === undefined) throw notFound("user", id);
    checkVersion(this.opts.versionConflict, b.version, u.version, "user");
    if (b.state !== undefined) {
      if (b.state !== "active" && b.state !== "inactive") throw badRequest("The field state must be active or inactive.", "state");
      u.state = b.state;
      this.touch(u);
      return u;
    }
    const next: FakeUserRecord = clone(u);
    if (b.name !== undefined) next.name = requiredString(b, "name");
    if (b.email !== undefined) {
      next.email = checkEmail(requiredString(b, "email"));
      next.username = next.email;
      this.emailTaken(next.email, u.id);
    }
    for (const f of ["title", "department"] as const) {
      if (b[f] === undefined) continue;
      const v = optionalString(b, f);
      if (v === undefined) delete next[f];
      else next[f] = v;
    }
    if (b.manager !== undefined) {
      const m = b.manager;
      if (typeof m !== "string") throw badRequest('The field manager must be a user id, or "" to remove the manager.', "manager");
      if (m === "") delete next.managerId;
      else {
        const mu = this.users.get(m);
        if (!mu || mu.state === "deleted") throw badRequest(`The manager ${m} is not a user of this organisation.`, "manager");
        if (m === u.id) throw badRequest("A user cannot be their own manager.", "manager");
        next.managerId = m;
      }
    }
    if (b.addresses !== undefined) next.addresses = b.addresses === null ? [] : checkAddresses(b.addresses);
    if (b.employerInfo !== undefined) {
      const e = checkEmployerInfo(b.employerInfo);
      if (e) next.employerInfo = e;
      else delete next.employerInfo;
    }
    Object.assign(u, next);
    for (const k of Object.keys(u) as Array<keyof FakeUserRecord>) if (!(k in next)) delete u[k];
    this.byEmail.set(lower(u.email), u.id);
    this.touch(u);
    return u;
  }

  /** DELETE /api/v2/users/{id}: soft delete; the email stays reserved; the user leaves its groups. */
  deleteUser(id: string): void {
    const u = this.users.get(id);
    if (!u || u.state === "deleted") throw notFound("user", id);
    u.state = "deleted";
    this.groups.forgetUser(id);
    this.touch(u);
  }

  /** GET /api/v2/users?state=active|inactive|deleted|any (default active). */
  listUsers(state: string | null): FakeUserRecord[] {
    const s = state ?? "active";
    if (s !== "any" && !USER_STATES.includes(s as UserState))
      throw badRequest(`The state ${s} is not one of active, inactive, deleted, any.`, "state");
    return [...this.users.values()].filter((u) => s === "any" || u.state === s);
  }

  /**
   * POST /api/v2/users/search (search.ts): without a state criterion deleted users are left out
   * [guess]. Answers what the lagging index has seen.
   */
  searchUsers(body: unknown): FakeUserRecord[] {
    const criteria = parseQuery(body, SEARCH_FIELDS);
    const hasState = criteria.some((c) => c.fields.includes("state"));
    return this.index.visible().filter((u) => (hasState || u.state !== "deleted") && matches(u, criteria, SEARCH_FIELDS));
  }
}
