/**
 * What the workers need of a directory: the Genesys Cloud Platform API calls of docs/genesys-platform-api.md. The
 * `genesys` target sends them; the `dry-run` target records them and answers like a directory.
 */
export interface GenesysAddress {
  address: string;
  mediaType: "PHONE" | "EMAIL" | "SMS";
  type: string;
  extension?: string;
}

export interface GenesysUser {
  id: string;
  name: string;
  email: string;
  state: "active" | "inactive" | "deleted";
  version: number;
  division?: { id: string; name?: string };
  title?: string;
  department?: string;
  manager?: { id: string } | null;
  addresses?: GenesysAddress[];
  employerInfo?: { officialName?: string; employeeId?: string; employeeType?: string; dateHire?: string };
}

export interface CreateUserBody {
  name: string;
  email: string;
  divisionId?: string;
  state?: "active" | "inactive";
  title?: string;
  department?: string;
  addresses?: GenesysAddress[];
}

export interface UpdateUserBody {
  version: number;
  name?: string;
  email?: string;
  title?: string;
  department?: string;
  /** The manager's id; "" clears it. */
  manager?: string;
  addresses?: GenesysAddress[];
  employerInfo?: { employeeId?: string; dateHire?: string };
  state?: "active" | "inactive";
}

export interface GenesysDivision {
  id: string;
  name: string;
  description?: string;
  homeDivision: boolean;
}

export interface GenesysGroup {
  id: string;
  name: string;
  version: number;
  type?: "official" | "social";
  visibility?: "public" | "owners" | "members";
  rulesVisible?: boolean;
  description?: string;
  /** A deleted group still answers GET, with state "deleted". */
  state?: "active" | "inactive" | "deleted";
  memberCount?: number;
}

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
}
