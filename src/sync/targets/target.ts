/**
 * What the workers need of a directory: the Genesys Cloud Platform API calls of docs/genesys-platform-api.md. The
 * `genesys` target sends them; the `dry-run` target records them and answers like a directory.
 */
import type {
  CreateUserBody,
  GenesysCatalogEntry,
  GenesysDivision,
  GenesysExternalId,
  GenesysGroup,
  GenesysProficiency,
  GenesysRole,
  GenesysUser,
  UpdateUserBody,
} from "../../genesys/api-types.js";
import type { RoleGrant, RoutingKind } from "../../genesys/requests.js";

/** The resource a call is made for, so the dry-run plan can be read per resource. */
export interface CallContext {
  resourceType: "User" | "Group" | "Division";
  resourceId: string;
}

export interface DirectoryTarget {
  readonly name: "genesys" | "dry-run";
  createUser(ctx: CallContext, body: CreateUserBody): Promise<GenesysUser>;
  /** The user; `deleted: true` reads a user known to be deleted (the API's `state=deleted`), else active or inactive ones. */
  getUser(ctx: CallContext, id: string, opts?: { deleted?: boolean }): Promise<GenesysUser | null>;
  updateUser(ctx: CallContext, id: string, body: UpdateUserBody): Promise<GenesysUser>;
  deleteUser(ctx: CallContext, id: string): Promise<void>;
  /** Users with this e-mail in any of the states (the search index lags writes: docs/genesys-platform-api.md). */
  findUsersByEmail(ctx: CallContext, email: string, states: Array<GenesysUser["state"]>): Promise<GenesysUser[]>;
  moveUsersToDivision(ctx: CallContext, divisionId: string, userIds: string[]): Promise<void>;
  listDivisions(ctx: CallContext): Promise<GenesysDivision[]>;
  findGroupByName(ctx: CallContext, name: string): Promise<GenesysGroup | null>;
  createGroup(ctx: CallContext, name: string): Promise<GenesysGroup>;
  /** A new name for a group (a PUT of the whole group with its current version). */
  renameGroup(ctx: CallContext, groupId: string, name: string): Promise<GenesysGroup>;
  listGroupMembers(ctx: CallContext, groupId: string): Promise<string[]>;
  addGroupMembers(ctx: CallContext, groupId: string, version: number, userIds: string[]): Promise<void>;
  removeGroupMembers(ctx: CallContext, groupId: string, userIds: string[]): Promise<void>;
  getGroup(ctx: CallContext, groupId: string): Promise<GenesysGroup | null>;
  deleteGroup(ctx: CallContext, groupId: string): Promise<void>;
  /** The catalog's skill (or language) of exactly this name (case-sensitive); null when there is none. */
  findCatalogEntry(ctx: CallContext, kind: RoutingKind, name: string): Promise<GenesysCatalogEntry | null>;
  /** The skills (or languages) a user holds, with their proficiencies. */
  listUserRouting(ctx: CallContext, kind: RoutingKind, userId: string): Promise<GenesysProficiency[]>;
  /** Adds or updates skills (or languages) of a user, MAX_IDS_PER_CALL a call; the others stay. */
  addUserRouting(ctx: CallContext, kind: RoutingKind, userId: string, entries: GenesysProficiency[]): Promise<void>;
  removeUserRouting(ctx: CallContext, kind: RoutingKind, userId: string, entryId: string): Promise<void>;
  listExternalIds(ctx: CallContext, userId: string): Promise<GenesysExternalId[]>;
  addExternalId(ctx: CallContext, userId: string, externalId: GenesysExternalId): Promise<void>;
  removeExternalId(ctx: CallContext, userId: string, externalId: GenesysExternalId): Promise<void>;
  /** The organisation's role of exactly this name; null when there is none. */
  findRole(ctx: CallContext, name: string): Promise<GenesysRole | null>;
  /** A user's role grants. */
  listRoleGrants(ctx: CallContext, userId: string): Promise<Array<RoleGrant & { roleName?: string }>>;
  changeRoleGrants(ctx: CallContext, userId: string, change: "bulkadd" | "bulkremove", grants: RoleGrant[]): Promise<void>;
}
