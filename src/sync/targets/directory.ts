import type {
  CreateUserBody,
  GenesysCatalogEntry,
  GenesysDivision,
  GenesysExternalId,
  GenesysGroup,
  GenesysPage,
  GenesysProficiency,
  GenesysRole,
  GenesysUser,
  UpdateUserBody,
} from "../../genesys/api-types.js";
import {
  MAX_IDS_PER_CALL,
  chunks,
  requests,
  type GenesysRequest,
  type ResultOf,
  type RoleGrant,
  type RoutingKind,
} from "../../genesys/requests.js";
import { TargetError } from "../target-error.js";
import type { CallContext, DirectoryTarget } from "./target.js";
import type { Transport } from "./transport.js";

/** How long a skill or language name stays resolved to its id (catalogs change rarely; names are resolved per user otherwise). */
const CATALOG_TTL_MS = 10 * 60_000;

/**
 * The directory operations, each made of the built requests of genesys/requests.ts and sent through a
 * transport: the same code, and so the same calls, for the genesys and the dry-run targets. Paging,
 * chunking and the read-then-write retries of versioned writes live here, once.
 */
export class Directory implements DirectoryTarget {
  readonly name: "genesys" | "dry-run";
  /** Skills, languages and roles by name (each `{id, name}`), as lookUp found them. */
  private readonly catalog = new Map<string, { entry: GenesysRole; at: number }>();
  private readonly lookups = new Map<string, Promise<GenesysRole | null>>();

  constructor(
    private readonly transport: Transport,
    private readonly now: () => number = Date.now,
  ) {
    this.name = transport.name;
  }

  private send<R extends GenesysRequest>(ctx: CallContext, req: R): Promise<ResultOf<R>> {
    return this.transport.send(ctx, req);
  }

  private async orNull<T>(call: Promise<T>): Promise<T | null> {
    try {
      return await call;
    } catch (err) {
      if (err instanceof TargetError && err.kind === "not_found") return null;
      throw err;
    }
  }

  private async allPages<T>(read: (page: number) => Promise<GenesysPage<T>>): Promise<T[]> {
    const out: T[] = [];
    for (let page = 1; ; page++) {
      const body = await read(page);
      const items = body.entities ?? [];
      out.push(...items);
      if (items.length === 0 || (body.pageCount ?? 0) <= page) return out;
    }
  }

  /**
   * A write guarded by the group's version: the group is read, written with that version, and on a
   * stale version read again and retried, a few times (as Genesys's Terraform provider does).
   */
  private async withFreshGroup<T>(ctx: CallContext, groupId: string, write: (group: GenesysGroup) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const group = await this.getGroup(ctx, groupId);
      if (!group) throw new TargetError("not_found", `GET /api/v2/groups/${groupId}: 404 the group is gone`, 404);
      try {
        return await write(group);
      } catch (err) {
        if (!(err instanceof TargetError && err.kind === "version_conflict") || attempt >= 5) throw err;
      }
    }
  }

  createUser(ctx: CallContext, body: CreateUserBody): Promise<GenesysUser> {
    return this.send(ctx, requests.createUser(body));
  }

  getUser(ctx: CallContext, id: string, opts: { deleted?: boolean } = {}): Promise<GenesysUser | null> {
    return this.orNull(this.send(ctx, requests.getUser(id, opts.deleted ?? false)));
  }

  updateUser(ctx: CallContext, id: string, body: UpdateUserBody): Promise<GenesysUser> {
    return this.send(ctx, requests.patchUser(id, body));
  }

  async deleteUser(ctx: CallContext, id: string): Promise<void> {
    await this.orNull(this.send(ctx, requests.deleteUser(id)));
  }

  async findUsersByEmail(ctx: CallContext, email: string, states: Array<GenesysUser["state"]>): Promise<GenesysUser[]> {
    return (await this.send(ctx, requests.searchUsersByEmail(email, states))).results ?? [];
  }

  async moveUsersToDivision(ctx: CallContext, divisionId: string, userIds: string[]): Promise<void> {
    await this.send(ctx, requests.moveUsersToDivision(divisionId, userIds));
  }

  listDivisions(ctx: CallContext): Promise<GenesysDivision[]> {
    return this.allPages((page) => this.send(ctx, requests.listDivisions(page)));
  }

  async findGroupByName(ctx: CallContext, name: string): Promise<GenesysGroup | null> {
    const found = (await this.send(ctx, requests.searchGroupsByName(name))).results ?? [];
    return found.find((g) => g.name.toLowerCase() === name.toLowerCase() && g.state !== "deleted") ?? null;
  }

  createGroup(ctx: CallContext, name: string): Promise<GenesysGroup> {
    return this.send(ctx, requests.createGroup(name));
  }

  renameGroup(ctx: CallContext, groupId: string, name: string): Promise<GenesysGroup> {
    return this.withFreshGroup(ctx, groupId, (group) => this.send(ctx, requests.putGroup(group, name)));
  }

  getGroup(ctx: CallContext, groupId: string): Promise<GenesysGroup | null> {
    return this.orNull(this.send(ctx, requests.getGroup(groupId)));
  }

  async listGroupMembers(ctx: CallContext, groupId: string): Promise<string[]> {
    const members = await this.allPages((page) => this.send(ctx, requests.listIndividuals(groupId, page)));
    return members.map((m) => m.id);
  }

  /** Each slice with the group's current version (re-read per slice: every change bumps it). `_version` is the caller's last read. */
  async addGroupMembers(ctx: CallContext, groupId: string, _version: number, userIds: string[]): Promise<void> {
    for (const slice of chunks(userIds, MAX_IDS_PER_CALL)) {
      await this.withFreshGroup(ctx, groupId, ({ version }) => this.send(ctx, requests.addMembers(groupId, version, slice)));
    }
  }

  async removeGroupMembers(ctx: CallContext, groupId: string, userIds: string[]): Promise<void> {
    for (const slice of chunks(userIds, MAX_IDS_PER_CALL)) {
      await this.withFreshGroup(ctx, groupId, () => this.send(ctx, requests.removeMembers(groupId, slice)));
    }
  }

  async deleteGroup(ctx: CallContext, groupId: string): Promise<void> {
    await this.orNull(this.send(ctx, requests.deleteGroup(groupId)));
  }

  /**
   * A name looked up in a list that filters by name but may answer others too ("Billing" also finds
   * "Billing Escalations"): the exact one is taken, case-sensitively (Genesys's SCIM names a skill by
   * "the case-sensitive name of a routing skill", and its Terraform provider compares names exactly),
   * on whichever page it is. Found names are remembered for CATALOG_TTL_MS; unknown ones are asked
   * again next time (an admin may add them meanwhile).
   */
  private lookUp(key: string, name: string, read: (page: number) => Promise<GenesysPage<GenesysRole>>): Promise<GenesysRole | null> {
    const known = this.catalog.get(key);
    if (known && this.now() - known.at < CATALOG_TTL_MS) return Promise.resolve(known.entry);
    // workers resolving the same name at once share one lookup
    let pending = this.lookups.get(key);
    if (!pending) {
      pending = (async () => {
        let entry: GenesysRole | null = null;
        for (let page = 1; !entry; page++) {
          const body = await read(page);
          const entities = body.entities ?? [];
          entry = entities.find((e) => e.name === name) ?? null;
          if (entities.length === 0 || (body.pageCount ?? 0) <= page) break;
        }
        if (entry) this.catalog.set(key, { entry, at: this.now() });
        else this.catalog.delete(key);
        return entry;
      })().finally(() => this.lookups.delete(key));
      this.lookups.set(key, pending);
    }
    return pending;
  }

  /** A write of ids that lookUp resolved: refused, the skill or role may be gone since, so names are resolved afresh next time. */
  private async withResolvedIds(write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (err) {
      if (err instanceof TargetError && (err.kind === "permanent" || err.kind === "not_found")) this.catalog.clear();
      throw err;
    }
  }

  findCatalogEntry(ctx: CallContext, kind: RoutingKind, name: string): Promise<GenesysCatalogEntry | null> {
    return this.lookUp(`${kind}:${name}`, name, (page) => this.send(ctx, requests.findCatalog(kind, name, page)));
  }

  findRole(ctx: CallContext, name: string): Promise<GenesysRole | null> {
    return this.lookUp(`role:${name}`, name, (page) => this.send(ctx, requests.findRole(name, page)));
  }

  async listRoleGrants(ctx: CallContext, userId: string): Promise<Array<RoleGrant & { roleName?: string }>> {
    const subject = await this.send(ctx, requests.getSubject(userId));
    return (subject.grants ?? []).map((g) => ({ roleId: g.role.id, roleName: g.role.name, divisionId: g.division.id }));
  }

  async changeRoleGrants(ctx: CallContext, userId: string, change: "bulkadd" | "bulkremove", grants: RoleGrant[]): Promise<void> {
    if (grants.length) await this.withResolvedIds(() => this.send(ctx, requests.changeGrants(userId, change, grants)));
  }

  listUserRouting(ctx: CallContext, kind: RoutingKind, userId: string): Promise<GenesysProficiency[]> {
    return this.allPages((page) => this.send(ctx, requests.listUserRouting(kind, userId, page)));
  }

  async addUserRouting(ctx: CallContext, kind: RoutingKind, userId: string, entries: GenesysProficiency[]): Promise<void> {
    await this.withResolvedIds(async () => {
      for (const slice of chunks(entries, MAX_IDS_PER_CALL)) await this.send(ctx, requests.addUserRouting(kind, userId, slice));
    });
  }

  async removeUserRouting(ctx: CallContext, kind: RoutingKind, userId: string, entryId: string): Promise<void> {
    await this.orNull(this.send(ctx, requests.removeUserRouting(kind, userId, entryId)));
  }

  async listExternalIds(ctx: CallContext, userId: string): Promise<GenesysExternalId[]> {
    const body = await this.send(ctx, requests.listExternalIds(userId));
    return Array.isArray(body) ? body : [];
  }

  async addExternalId(ctx: CallContext, userId: string, externalId: GenesysExternalId): Promise<void> {
    await this.send(ctx, requests.addExternalId(userId, externalId));
  }

  async removeExternalId(ctx: CallContext, userId: string, externalId: GenesysExternalId): Promise<void> {
    await this.orNull(this.send(ctx, requests.removeExternalId(userId, externalId)));
  }
}
