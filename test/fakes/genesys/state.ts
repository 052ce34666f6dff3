import { randomUUID } from "node:crypto";
import { FakeGenesysError, badRequest, conflict, notFound } from "./errors.js";

/**
 * The in-memory Genesys Cloud organisation behind the fake: users, divisions (one home division),
 * groups with members, and the search index that lags writes. Pure model: no HTTP here; every
 * refusal is a FakeGenesysError carrying Genesys's status and code (docs/genesys-platform-api.md).
 */

export type UserState = "active" | "inactive" | "deleted";

export interface FakeAddress {
  address: string;
  mediaType: "PHONE" | "EMAIL" | "SMS";
  type: string;
  extension?: string;
}

export interface FakeEmployerInfo {
  officialName?: string;
  employeeId?: string;
  employeeType?: string;
  dateHire?: string;
}

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

export interface FakeGroupRecord {
  id: string;
  name: string;
  description?: string;
  type: "official" | "social";
  visibility: "public" | "owners" | "members";
  rulesVisible: boolean;
  state: "active";
  version: number;
  memberIds: string[];
  dateModified: string;
}

/** How a stale or missing `version` is answered ([guess] beyond "409 ... does not match the current version"). */
export interface VersionConflictStyle {
  status: number;
  code: string;
  message: (given: number, current: number, entity: string) => string;
}

export const defaultVersionConflict: VersionConflictStyle = {
  status: 409,
  // docs/genesys-platform-api.md lists general.conflict as the code of a 409; the code of a version conflict is not documented.
  code: "general.conflict",
  message: (given, current, entity) => `The version ${given} supplied for the ${entity} does not match the current version ${current}.`,
};

export interface OrgOptions {
  now: () => number;
  /** Milliseconds before a write shows in POST /api/v2/users/search (docs/genesys-platform-api.md: seconds to minutes). Default 0. */
  searchLagMs: number;
  homeDivisionName: string;
  versionConflict: VersionConflictStyle;
}

const USER_STATES: UserState[] = ["active", "inactive", "deleted"];
const ADDRESS_MEDIA = ["PHONE", "EMAIL", "SMS"];
const ADDRESS_TYPES = ["PRIMARY", "WORK", "WORK2", "WORK3", "WORK4", "HOME", "MOBILE", "MAIN", "OTHER"];
const SEARCH_FIELDS: Record<string, (u: FakeUserRecord) => string | undefined> = {
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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const lower = (s: string): string => s.toLowerCase();
const clone = <T>(v: T): T => structuredClone(v);

function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw badRequest(`The field ${field} must be a string.`, field);
  return v;
}

function requiredString(body: Record<string, unknown>, field: string): string {
  const v = optionalString(body, field);
  if (v === undefined || v.trim() === "") throw badRequest(`The field ${field} is required.`, field);
  return v;
}

function checkEmail(email: string): string {
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw badRequest(`The email ${email} is not a valid email address.`, "email");
  return email;
}

function checkAddresses(v: unknown): FakeAddress[] {
  if (!Array.isArray(v)) throw badRequest("The field addresses must be an array.", "addresses");
  return v.map((a, i) => {
    if (
      !isObject(a) ||
      typeof a.address !== "string" ||
      !ADDRESS_MEDIA.includes(a.mediaType as string) ||
      !ADDRESS_TYPES.includes(a.type as string)
    ) {
      throw badRequest(
        `addresses[${i}] must have an address, a mediaType of ${ADDRESS_MEDIA.join("|")} and a type of ${ADDRESS_TYPES.join("|")}.`,
        `addresses[${i}]`,
      );
    }
    const out: FakeAddress = { address: a.address, mediaType: a.mediaType as FakeAddress["mediaType"], type: a.type as string };
    if (a.extension !== undefined && a.extension !== null) out.extension = String(a.extension);
    return out;
  });
}

function checkEmployerInfo(v: unknown): FakeEmployerInfo | undefined {
  if (v === null) return undefined;
  if (!isObject(v)) throw badRequest("The field employerInfo must be an object.", "employerInfo");
  const out: FakeEmployerInfo = {};
  for (const k of ["officialName", "employeeId", "employeeType", "dateHire"] as const) {
    const x = v[k];
    if (x === undefined || x === null) continue;
    if (typeof x !== "string") throw badRequest(`The field employerInfo.${k} must be a string.`, `employerInfo.${k}`);
    out[k] = x;
  }
  if (out.dateHire !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(out.dateHire))
    throw badRequest("employerInfo.dateHire must be an ISO-8601 date (yyyy-MM-dd).", "employerInfo.dateHire");
  return out;
}

export class FakeGenesysOrg {
  readonly users = new Map<string, FakeUserRecord>();
  readonly divisions = new Map<string, FakeDivisionRecord>();
  readonly groups = new Map<string, FakeGroupRecord>();
  readonly homeDivisionId: string;
  /** What the search index has seen of each user: snapshots with the time they become searchable. */
  private readonly index = new Map<string, Array<{ visibleAt: number; user: FakeUserRecord }>>();

  constructor(readonly opts: OrgOptions) {
    this.homeDivisionId = this.addDivision(opts.homeDivisionName, { home: true, description: "The organisation's home division" }).id;
  }

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

  private division(id: string): FakeDivisionRecord {
    const d = this.divisions.get(id);
    if (!d) throw notFound("division", id);
    return d;
  }

  /** POST /api/v2/authorization/divisions/{id}/objects/USER: division and version change [guess]. */
  moveUsers(divisionId: string, body: unknown): void {
    const d = this.division(divisionId);
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
    return view;
  }

  /** Any state, deleted included: the email stays reserved after a soft delete [doc]. */
  userByEmail(email: string): FakeUserRecord | undefined {
    return [...this.users.values()].find((u) => lower(u.email) === lower(email));
  }

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
    this.reindex(u);
  }

  private reindex(u: FakeUserRecord): void {
    const list = this.index.get(u.id) ?? [];
    list.push({ visibleAt: this.opts.now() + this.opts.searchLagMs, user: clone(u) });
    this.index.set(u.id, list);
  }

  /** POST /api/v2/users: name and email required; divisionId optional (home division) [doc]. */
  createUser(body: unknown): FakeUserRecord {
    if (!isObject(body)) throw badRequest("The request body must be a JSON object.");
    const name = requiredString(body, "name");
    const email = checkEmail(requiredString(body, "email"));
    const divisionId = optionalString(body, "divisionId") ?? this.homeDivisionId;
    if (!this.divisions.has(divisionId)) throw badRequest(`The division ${divisionId} does not exist.`, "divisionId");
    const state = body.state ?? "active";
    if (state !== "active" && state !== "inactive") throw badRequest("The field state must be active or inactive.", "state");
    this.emailTaken(email);
    const u: FakeUserRecord = {
      id: randomUUID(),
      name,
      email,
      username: email,
      state,
      divisionId,
      version: 1,
      addresses: body.addresses === undefined || body.addresses === null ? [] : checkAddresses(body.addresses),
    };
    const title = optionalString(body, "title");
    const department = optionalString(body, "department");
    if (title !== undefined) u.title = title;
    if (department !== undefined) u.department = department;
    // Genesys's create body has no manager and no employerInfo (docs/genesys-platform-api.md): they are not read here.
    this.users.set(u.id, u);
    this.reindex(u);
    return u;
  }

  /** GET /api/v2/users/{id}: a deleted user only with ?state=deleted [doc]. */
  getUser(id: string, includeDeleted: boolean): FakeUserRecord {
    const u = this.users.get(id);
    if (!u || (u.state === "deleted" && !includeDeleted)) throw notFound("user", id);
    return u;
  }

  private checkVersion(given: unknown, current: number, entity: string): void {
    if (given === undefined || given === null) throw badRequest(`The field version is required to update the ${entity}.`, "version");
    if (typeof given !== "number" || !Number.isInteger(given)) throw badRequest("The field version must be an integer.", "version");
    if (given !== current) {
      const style = this.opts.versionConflict;
      throw new FakeGenesysError(style.status, style.message(given, current, entity), style.code, { fieldName: "version" });
    }
  }

  /**
   * PATCH /api/v2/users/{id} [doc]: version required and current; a body with `state` changes only the
   * state (which is also how a deleted user is restored); manager written as an id.
   */
  updateUser(id: string, body: unknown): FakeUserRecord {
    if (!isObject(body)) throw badRequest("The request body must be a JSON object.");
    const u = this.users.get(id);
    if (!u) throw notFound("user", id);
    if (u.state === "deleted" && body.state === undefined) throw notFound("user", id);
    this.checkVersion(body.version, u.version, "user");
    if (body.state !== undefined) {
      if (body.state !== "active" && body.state !== "inactive") throw badRequest("The field state must be active or inactive.", "state");
      u.state = body.state;
      this.touch(u);
      return u;
    }
    const next: FakeUserRecord = clone(u);
    if (body.name !== undefined) next.name = requiredString(body, "name");
    if (body.email !== undefined) {
      next.email = checkEmail(requiredString(body, "email"));
      next.username = next.email;
      this.emailTaken(next.email, u.id);
    }
    for (const f of ["title", "department"] as const) {
      if (body[f] === undefined) continue;
      const v = optionalString(body, f);
      if (v === undefined) delete next[f];
      else next[f] = v;
    }
    if (body.manager !== undefined) {
      const m = body.manager;
      if (m === null || m === "") delete next.managerId;
      else {
        if (typeof m !== "string") throw badRequest("The field manager must be a user id.", "manager");
        const mu = this.users.get(m);
        if (!mu || mu.state === "deleted") throw badRequest(`The manager ${m} is not a user of this organisation.`, "manager");
        if (m === u.id) throw badRequest("A user cannot be their own manager.", "manager");
        next.managerId = m;
      }
    }
    if (body.addresses !== undefined) next.addresses = body.addresses === null ? [] : checkAddresses(body.addresses);
    if (body.employerInfo !== undefined) {
      const e = checkEmployerInfo(body.employerInfo);
      if (e) next.employerInfo = e;
      else delete next.employerInfo;
    }
    Object.assign(u, next);
    for (const k of Object.keys(u) as Array<keyof FakeUserRecord>) if (!(k in next)) delete u[k];
    this.touch(u);
    return u;
  }

  /** DELETE /api/v2/users/{id}: soft delete; the email stays reserved; the user leaves its groups. */
  deleteUser(id: string): void {
    const u = this.users.get(id);
    if (!u || u.state === "deleted") throw notFound("user", id);
    u.state = "deleted";
    for (const g of this.groups.values()) {
      if (g.memberIds.includes(id)) g.memberIds = g.memberIds.filter((m) => m !== id);
    }
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
   * POST /api/v2/users/search: every criterion must hold; a criterion holds when one of its fields
   * matches. EXACT, CONTAINS and STARTS_WITH (case-insensitive). Without a state criterion deleted
   * users are left out [guess]. Answers what the lagging index has seen.
   */
  searchUsers(body: unknown): FakeUserRecord[] {
    if (!isObject(body) || !Array.isArray(body.query) || body.query.length === 0)
      throw badRequest("The search request needs a non-empty query array.", "query");
    const criteria = body.query.map((c, i) => {
      if (!isObject(c)) throw badRequest(`query[${i}] must be an object.`, `query[${i}]`);
      const type = c.type;
      if (type !== "EXACT" && type !== "CONTAINS" && type !== "STARTS_WITH")
        throw badRequest(
          `query[${i}].type ${String(type)} is not supported by the fake (EXACT, CONTAINS, STARTS_WITH).`,
          `query[${i}].type`,
        );
      const fields = Array.isArray(c.fields) ? c.fields : typeof c.field === "string" ? [c.field] : undefined;
      if (!fields || fields.length === 0 || fields.some((f) => typeof f !== "string" || !(f in SEARCH_FIELDS))) {
        throw badRequest(`query[${i}].fields must name fields among ${Object.keys(SEARCH_FIELDS).join(", ")}.`, `query[${i}].fields`);
      }
      const values = Array.isArray(c.values) ? c.values : c.value !== undefined ? [c.value] : undefined;
      if (!values || values.length === 0 || values.some((v) => typeof v !== "string"))
        throw badRequest(`query[${i}] needs a value or values.`, `query[${i}].value`);
      return { type, fields: fields as string[], values: (values as string[]).map(lower) };
    });
    const hasState = criteria.some((c) => c.fields.includes("state"));
    const now = this.opts.now();
    const seen: FakeUserRecord[] = [];
    for (const list of this.index.values()) {
      let latest: FakeUserRecord | undefined;
      for (const e of list) if (e.visibleAt <= now) latest = e.user;
      if (latest) seen.push(latest);
    }
    return seen.filter((u) => {
      if (!hasState && u.state === "deleted") return false;
      return criteria.every((c) =>
        c.fields.some((f) => {
          const raw = SEARCH_FIELDS[f]!(u);
          if (raw === undefined) return false;
          const v = lower(raw);
          return c.values.some((want) => (c.type === "EXACT" ? v === want : c.type === "CONTAINS" ? v.includes(want) : v.startsWith(want)));
        }),
      );
    });
  }

  // ---- groups ----

  groupView(g: FakeGroupRecord): Record<string, unknown> {
    const view: Record<string, unknown> = {
      id: g.id,
      name: g.name,
      dateModified: g.dateModified,
      memberCount: g.memberIds.length,
      state: g.state,
      version: g.version,
      type: g.type,
      rulesVisible: g.rulesVisible,
      visibility: g.visibility,
      selfUri: `/api/v2/groups/${g.id}`,
    };
    if (g.description !== undefined) view.description = g.description;
    return view;
  }

  group(id: string): FakeGroupRecord {
    const g = this.groups.get(id);
    if (!g) throw notFound("group", id);
    return g;
  }

  /** POST /api/v2/groups: name, type, rulesVisible and visibility required [doc]; names unique [guess: 409]. */
  createGroup(body: unknown): FakeGroupRecord {
    if (!isObject(body)) throw badRequest("The request body must be a JSON object.");
    const name = requiredString(body, "name");
    if (body.type !== "official" && body.type !== "social") throw badRequest("The field type is required: official or social.", "type");
    if (typeof body.rulesVisible !== "boolean") throw badRequest("The field rulesVisible is required: true or false.", "rulesVisible");
    if (body.visibility !== "public" && body.visibility !== "owners" && body.visibility !== "members")
      throw badRequest("The field visibility is required: public, owners or members.", "visibility");
    const same = [...this.groups.values()].find((g) => lower(g.name) === lower(name));
    if (same) throw conflict(`A group named ${name} already exists.`, same.id);
    const g: FakeGroupRecord = {
      id: randomUUID(),
      name,
      type: body.type,
      visibility: body.visibility,
      rulesVisible: body.rulesVisible,
      state: "active",
      version: 1,
      memberIds: [],
      dateModified: new Date(this.opts.now()).toISOString(),
    };
    const description = optionalString(body, "description");
    if (description !== undefined) g.description = description;
    this.groups.set(g.id, g);
    return g;
  }

  deleteGroup(id: string): void {
    this.group(id);
    this.groups.delete(id);
  }

  private touchGroup(g: FakeGroupRecord): void {
    g.version += 1;
    g.dateModified = new Date(this.opts.now()).toISOString();
  }

  private memberIdList(ids: unknown, field: string, max: number): string[] {
    if (!Array.isArray(ids) || ids.length === 0 || ids.some((x) => typeof x !== "string" || x === ""))
      throw badRequest(`The field ${field} must be a non-empty list of user ids.`, field);
    if (ids.length > max) throw badRequest(`At most ${max} ${field} can be given in one request; got ${ids.length}.`, field);
    return ids as string[];
  }

  /** POST /api/v2/groups/{id}/members {memberIds (≤ 50), version} [doc]. */
  addMembers(id: string, body: unknown, max: number): void {
    const g = this.group(id);
    if (!isObject(body)) throw badRequest("The request body must be a JSON object.");
    const ids = this.memberIdList(body.memberIds, "memberIds", max);
    this.checkVersion(body.version, g.version, "group");
    for (const uid of ids) {
      const u = this.users.get(uid);
      if (!u || u.state === "deleted") throw badRequest(`The user ${uid} does not exist.`, "memberIds");
    }
    g.memberIds = [...new Set([...g.memberIds, ...ids])];
    this.touchGroup(g);
  }

  /** DELETE /api/v2/groups/{id}/members?ids=a,b (≤ 50) [doc]. */
  removeMembers(id: string, idsParam: string | null, max: number): void {
    const g = this.group(id);
    const ids = this.memberIdList(idsParam ? idsParam.split(",").map((s) => s.trim()) : [], "ids", max);
    g.memberIds = g.memberIds.filter((m) => !ids.includes(m));
    this.touchGroup(g);
  }

  members(id: string): FakeUserRecord[] {
    return this.group(id)
      .memberIds.map((m) => this.users.get(m))
      .filter((u): u is FakeUserRecord => u !== undefined && u.state !== "deleted");
  }
}
