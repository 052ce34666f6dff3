/**
 * One definition of each Platform API call the sync makes: pure builders of `{method, path, body}`
 * (docs/genesys-platform-api.md). The genesys target sends what they build; the dry-run target records
 * the same objects, so a dry-run plan is what production sends, by construction.
 *
 * Each request also carries its `op` and the arguments it was built from, typed, so the dry run can
 * answer it like a directory without parsing paths, and `result`, a phantom naming the answer's type.
 */
import type {
  CreateUserBody,
  GenesysCatalogEntry,
  GenesysDivision,
  GenesysExternalId,
  GenesysGroup,
  GenesysPage,
  GenesysProficiency,
  GenesysRole,
  GenesysSubject,
  GenesysUser,
  UpdateUserBody,
} from "./api-types.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** How a 409 is read: on a write guarded by a version it is a stale version; on a create, a duplicate. */
export type ConflictMeaning = "version" | "duplicate";

interface Call<Op extends string, Args, Result> {
  op: Op;
  args: Args;
  method: HttpMethod;
  /** Path and query, every id percent-encoded. */
  path: string;
  body?: unknown;
  conflict?: ConflictMeaning;
  /** Never set: names the answer's type for `send`. */
  readonly result?: Result;
}

/** The most ids Genesys takes in one member or bulk call [doc]. */
export const MAX_IDS_PER_CALL = 50;

/** The users, groups or skills the API lists per page at most [doc]. */
export const MAX_PAGE_SIZE = 100;

const id = encodeURIComponent;

export type CreateUser = Call<"createUser", { body: CreateUserBody }, GenesysUser>;
export type GetUser = Call<"getUser", { id: string; deleted: boolean }, GenesysUser>;
export type PatchUser = Call<"patchUser", { id: string; body: UpdateUserBody }, GenesysUser>;
export type DeleteUser = Call<"deleteUser", { id: string }, void>;
export type SearchUsers = Call<"searchUsers", { email: string; states: Array<GenesysUser["state"]> }, GenesysPage<GenesysUser>>;
export type MoveUsers = Call<"moveUsers", { divisionId: string; userIds: string[] }, void>;
export type ListDivisions = Call<"listDivisions", { page: number; pageSize: number }, GenesysPage<GenesysDivision>>;
export type SearchGroups = Call<"searchGroups", { name: string }, GenesysPage<GenesysGroup>>;
export type CreateGroup = Call<"createGroup", { name: string }, GenesysGroup>;
export type PutGroup = Call<"putGroup", { group: GenesysGroup; name: string }, GenesysGroup>;
export type GetGroup = Call<"getGroup", { id: string }, GenesysGroup>;
export type DeleteGroup = Call<"deleteGroup", { id: string }, void>;
export type ListIndividuals = Call<"listIndividuals", { groupId: string; page: number; pageSize: number }, GenesysPage<{ id: string }>>;
export type AddMembers = Call<"addMembers", { groupId: string; version: number; userIds: string[] }, void>;
export type RemoveMembers = Call<"removeMembers", { groupId: string; userIds: string[] }, void>;
/** Skills and languages share one shape: `kind` picks the catalog. */
export type RoutingKind = "skills" | "languages";
export type FindCatalog = Call<"findCatalog", { kind: RoutingKind; name: string; page: number }, GenesysPage<GenesysCatalogEntry>>;
export type ListUserRouting = Call<"listUserRouting", { kind: RoutingKind; userId: string; page: number }, GenesysPage<GenesysProficiency>>;
export type AddUserRouting = Call<"addUserRouting", { kind: RoutingKind; userId: string; entries: GenesysProficiency[] }, unknown>;
export type RemoveUserRouting = Call<"removeUserRouting", { kind: RoutingKind; userId: string; entryId: string }, void>;
export type ListExternalIds = Call<"listExternalIds", { userId: string }, GenesysExternalId[]>;
export type AddExternalId = Call<"addExternalId", { userId: string; externalId: GenesysExternalId }, unknown>;
export type RemoveExternalId = Call<"removeExternalId", { userId: string; externalId: GenesysExternalId }, void>;

export type FindRole = Call<"findRole", { name: string; page: number }, GenesysPage<GenesysRole>>;
export type GetSubject = Call<"getSubject", { userId: string }, GenesysSubject>;
/** A role granted in one division. */
export interface RoleGrant {
  roleId: string;
  divisionId: string;
}
export type ChangeGrants = Call<"changeGrants", { userId: string; change: "bulkadd" | "bulkremove"; grants: RoleGrant[] }, void>;

export type GenesysRequest =
  | CreateUser
  | GetUser
  | PatchUser
  | DeleteUser
  | SearchUsers
  | MoveUsers
  | ListDivisions
  | SearchGroups
  | CreateGroup
  | PutGroup
  | GetGroup
  | DeleteGroup
  | ListIndividuals
  | AddMembers
  | RemoveMembers
  | FindCatalog
  | ListUserRouting
  | AddUserRouting
  | RemoveUserRouting
  | ListExternalIds
  | AddExternalId
  | RemoveExternalId
  | FindRole
  | GetSubject
  | ChangeGrants;

/** The type a request answers. */
export type ResultOf<R extends GenesysRequest> = R extends Call<string, unknown, infer T> ? T : never;

/** Whether a request changes the directory (reads are not part of a plan). */
export function isWrite(req: GenesysRequest): boolean {
  return req.method !== "GET" && req.op !== "searchUsers" && req.op !== "searchGroups";
}

/** `items` in slices of at most `size`. */
export function chunks<T>(items: readonly T[], size = MAX_IDS_PER_CALL): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export const requests = {
  /** `POST /api/v2/users`; a 409 is a duplicate e-mail (general.conflict), even of a deleted user. */
  createUser: (body: CreateUserBody): CreateUser => ({
    op: "createUser",
    args: { body },
    method: "POST",
    path: "/api/v2/users",
    body,
    conflict: "duplicate",
  }),

  /** `state` filters: without it active and inactive users answer, with state=deleted only deleted ones. */
  getUser: (userId: string, deleted = false): GetUser => ({
    op: "getUser",
    args: { id: userId, deleted },
    method: "GET",
    path: `/api/v2/users/${id(userId)}?expand=employerInfo${deleted ? "&state=deleted" : ""}`,
  }),

  patchUser: (userId: string, body: UpdateUserBody): PatchUser => ({
    op: "patchUser",
    args: { id: userId, body },
    method: "PATCH",
    path: `/api/v2/users/${id(userId)}`,
    body,
    conflict: "version",
  }),

  deleteUser: (userId: string): DeleteUser => ({
    op: "deleteUser",
    args: { id: userId },
    method: "DELETE",
    path: `/api/v2/users/${id(userId)}`,
  }),

  /** The user search: EXACT e-mail among the given states (the index lags writes by seconds). */
  searchUsersByEmail: (email: string, states: Array<GenesysUser["state"]>): SearchUsers => ({
    op: "searchUsers",
    args: { email, states },
    method: "POST",
    path: "/api/v2/users/search",
    body: {
      query: [
        { type: "EXACT", fields: ["email"], value: email },
        { type: "EXACT", fields: ["state"], values: states },
      ],
      pageSize: 25,
      pageNumber: 1,
    },
  }),

  moveUsersToDivision: (divisionId: string, userIds: string[]): MoveUsers => ({
    op: "moveUsers",
    args: { divisionId, userIds },
    method: "POST",
    path: `/api/v2/authorization/divisions/${id(divisionId)}/objects/USER`,
    body: userIds,
  }),

  listDivisions: (page: number, pageSize = MAX_PAGE_SIZE): ListDivisions => ({
    op: "listDivisions",
    args: { page, pageSize },
    method: "GET",
    path: `/api/v2/authorization/divisions?pageSize=${pageSize}&pageNumber=${page}`,
  }),

  /** The group search, an EXACT name query (as the provider finds groups); the index lags writes. */
  searchGroupsByName: (name: string): SearchGroups => ({
    op: "searchGroups",
    args: { name },
    method: "POST",
    path: "/api/v2/groups/search",
    body: { query: [{ type: "EXACT", fields: ["name"], value: name }], pageSize: 25, pageNumber: 1 },
  }),

  createGroup: (name: string): CreateGroup => ({
    op: "createGroup",
    args: { name },
    method: "POST",
    path: "/api/v2/groups",
    body: { name, type: "official", visibility: "public", rulesVisible: true },
  }),

  /**
   * PUT replaces the whole group: type, visibility, rulesVisible and description go back as read, with
   * the version of that read. A 409 is a stale version only when it says so: another group may hold the name.
   */
  putGroup: (group: GenesysGroup, name: string): PutGroup => ({
    op: "putGroup",
    args: { group, name },
    method: "PUT",
    path: `/api/v2/groups/${id(group.id)}`,
    body: {
      name,
      type: group.type ?? "official",
      visibility: group.visibility ?? "public",
      rulesVisible: group.rulesVisible ?? true,
      ...(group.description !== undefined ? { description: group.description } : {}),
      version: group.version,
    },
  }),

  getGroup: (groupId: string): GetGroup => ({
    op: "getGroup",
    args: { id: groupId },
    method: "GET",
    path: `/api/v2/groups/${id(groupId)}`,
  }),

  deleteGroup: (groupId: string): DeleteGroup => ({
    op: "deleteGroup",
    args: { id: groupId },
    method: "DELETE",
    path: `/api/v2/groups/${id(groupId)}`,
  }),

  /** The members added one by one: not owners, not rule-based members, which are not the bridge's to change. */
  listIndividuals: (groupId: string, page: number, pageSize = MAX_PAGE_SIZE): ListIndividuals => ({
    op: "listIndividuals",
    args: { groupId, page, pageSize },
    method: "GET",
    path: `/api/v2/groups/${id(groupId)}/individuals?pageSize=${pageSize}&pageNumber=${page}`,
  }),

  /** At most MAX_IDS_PER_CALL ids, with the group's current version; answered 202 and applied later. */
  addMembers: (groupId: string, version: number, userIds: string[]): AddMembers => ({
    op: "addMembers",
    args: { groupId, version, userIds },
    method: "POST",
    path: `/api/v2/groups/${id(groupId)}/members`,
    body: { memberIds: userIds, version },
    conflict: "version",
  }),

  removeMembers: (groupId: string, userIds: string[]): RemoveMembers => ({
    op: "removeMembers",
    args: { groupId, userIds },
    method: "DELETE",
    path: `/api/v2/groups/${id(groupId)}/members?ids=${userIds.map(id).join(",")}`,
    conflict: "version",
  }),

  /** The catalog's entries whose name starts with `name` (the caller picks the exact match). */
  findCatalog: (kind: RoutingKind, name: string, page = 1): FindCatalog => ({
    op: "findCatalog",
    args: { kind, name, page },
    method: "GET",
    path: `/api/v2/routing/${kind}?pageSize=${MAX_PAGE_SIZE}&pageNumber=${page}&name=${id(name)}`,
  }),

  listUserRouting: (kind: RoutingKind, userId: string, page: number): ListUserRouting => ({
    op: "listUserRouting",
    args: { kind, userId, page },
    method: "GET",
    path: `/api/v2/users/${id(userId)}/routing${kind}?pageSize=${MAX_PAGE_SIZE}&pageNumber=${page}`,
  }),

  /** Adds or updates at most MAX_IDS_PER_CALL skills (or languages) of a user; the others stay. */
  addUserRouting: (kind: RoutingKind, userId: string, entries: GenesysProficiency[]): AddUserRouting => ({
    op: "addUserRouting",
    args: { kind, userId, entries },
    method: "PATCH",
    path: `/api/v2/users/${id(userId)}/routing${kind}/bulk`,
    body: entries.map((e) => ({ id: e.id, proficiency: e.proficiency })),
  }),

  removeUserRouting: (kind: RoutingKind, userId: string, entryId: string): RemoveUserRouting => ({
    op: "removeUserRouting",
    args: { kind, userId, entryId },
    method: "DELETE",
    path: `/api/v2/users/${id(userId)}/routing${kind}/${id(entryId)}`,
  }),

  listExternalIds: (userId: string): ListExternalIds => ({
    op: "listExternalIds",
    args: { userId },
    method: "GET",
    path: `/api/v2/users/${id(userId)}/externalid`,
  }),

  addExternalId: (userId: string, externalId: GenesysExternalId): AddExternalId => ({
    op: "addExternalId",
    args: { userId, externalId },
    method: "POST",
    path: `/api/v2/users/${id(userId)}/externalid`,
    body: externalId,
  }),

  removeExternalId: (userId: string, externalId: GenesysExternalId): RemoveExternalId => ({
    op: "removeExternalId",
    args: { userId, externalId },
    method: "DELETE",
    path: `/api/v2/users/${id(userId)}/externalid/${id(externalId.authorityName)}/${id(externalId.externalKey)}`,
  }),

  /** The organisation's roles whose name matches `name` (the caller picks the exact one). */
  findRole: (name: string, page = 1): FindRole => ({
    op: "findRole",
    args: { name, page },
    method: "GET",
    path: `/api/v2/authorization/roles?pageSize=${MAX_PAGE_SIZE}&pageNumber=${page}&name=${id(name)}`,
  }),

  /** A user's role grants, each in a division. */
  getSubject: (userId: string): GetSubject => ({
    op: "getSubject",
    args: { userId },
    method: "GET",
    path: `/api/v2/authorization/subjects/${id(userId)}`,
  }),

  /** Grants (`bulkadd`) or revokes (`bulkremove`) roles of a user, each in a division. */
  changeGrants: (userId: string, change: "bulkadd" | "bulkremove", grants: RoleGrant[]): ChangeGrants => ({
    op: "changeGrants",
    args: { userId, change, grants },
    method: "POST",
    path: `/api/v2/authorization/subjects/${id(userId)}/${change}${change === "bulkadd" ? "?subjectType=PC_USER" : ""}`,
    body: { grants: grants.map((g) => ({ roleId: g.roleId, divisionId: g.divisionId })) },
  }),
};
