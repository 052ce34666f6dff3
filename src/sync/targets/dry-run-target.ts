import { type Clock, systemClock } from "../../clock.js";
import { randomUUID } from "node:crypto";
import type { Queryable } from "../../store/store.js";
import type { CallContext, CreateUserBody, DirectoryTarget, GenesysDivision, GenesysGroup, GenesysUser, UpdateUserBody } from "./target.js";
import { TargetError } from "../target-error.js";

/**
 * The default target: records every call the genesys target would send (method, path, body) in
 * `dry_run_plan`, and keeps a stand-in directory so that ids and versions behave as Genesys's do.
 * Reads (GET, search) are not recorded: they change nothing.
 */
export class DryRunTarget implements DirectoryTarget {
  readonly name = "dry-run" as const;
  constructor(
    private readonly db: Queryable,
    private readonly now: Clock = systemClock,
  ) {}

  private async plan(ctx: CallContext, method: string, path: string, body?: unknown): Promise<void> {
    await this.db.query("insert into dry_run_plan(at, resource_type, resource_id, method, path, body) values ($1,$2,$3,$4,$5,$6::jsonb)", [
      new Date(this.now()),
      ctx.resourceType,
      ctx.resourceId,
      method,
      path,
      body === undefined ? null : JSON.stringify(body),
    ]);
  }

  private async load<T>(kind: string, id: string): Promise<T | null> {
    const rows = await this.db.query<{ data: T }>("select data from dry_run_directory where kind = $1 and id = $2", [kind, id]);
    return rows[0]?.data ?? null;
  }

  private async save(kind: string, id: string, data: unknown): Promise<void> {
    await this.db.query(
      "insert into dry_run_directory(kind, id, data) values ($1,$2,$3::jsonb) on conflict (kind, id) do update set data = excluded.data",
      [kind, id, JSON.stringify(data)],
    );
  }

  async createUser(ctx: CallContext, body: CreateUserBody): Promise<GenesysUser> {
    await this.plan(ctx, "POST", "/api/v2/users", body);
    const existing = await this.findUsersByEmail(ctx, body.email, ["active", "inactive", "deleted"]);
    if (existing.length)
      throw new TargetError(
        "conflict",
        `POST /api/v2/users: 409 general.conflict email ${body.email} is in use`,
        409,
        undefined,
        "general.conflict",
      );
    const { divisionId, ...rest } = body;
    const user: GenesysUser = {
      ...rest,
      id: randomUUID(),
      state: body.state ?? "active",
      version: 1,
      division: divisionId ? { id: divisionId } : undefined,
    };
    await this.save("user", user.id, user);
    return user;
  }

  async getUser(_ctx: CallContext, id: string, opts: { deleted?: boolean } = {}): Promise<GenesysUser | null> {
    const u = await this.load<GenesysUser>("user", id);
    if (!u || (u.state === "deleted") !== (opts.deleted ?? false)) return null;
    return u;
  }

  async updateUser(ctx: CallContext, id: string, body: UpdateUserBody): Promise<GenesysUser> {
    await this.plan(ctx, "PATCH", `/api/v2/users/${id}`, body);
    const u = await this.load<GenesysUser>("user", id);
    if (!u) throw new TargetError("not_found", `PATCH /api/v2/users/${id}: 404 not.found`, 404);
    if (u.version !== body.version)
      throw new TargetError(
        "version_conflict",
        `PATCH /api/v2/users/${id}: 409 the version ${body.version} does not match the current version ${u.version}`,
        409,
      );
    const { version: _v, manager, ...changes } = body;
    const next: GenesysUser = {
      ...u,
      ...changes,
      ...(manager !== undefined ? { manager: manager ? { id: manager } : null } : {}),
      version: u.version + 1,
    };
    await this.save("user", id, next);
    return next;
  }

  async deleteUser(ctx: CallContext, id: string): Promise<void> {
    await this.plan(ctx, "DELETE", `/api/v2/users/${id}`);
    const u = await this.load<GenesysUser>("user", id);
    if (u) await this.save("user", id, { ...u, state: "deleted", version: u.version + 1 });
  }

  async findUsersByEmail(_ctx: CallContext, email: string, states: Array<GenesysUser["state"]>): Promise<GenesysUser[]> {
    const rows = await this.db.query<{ data: GenesysUser }>(
      "select data from dry_run_directory where kind = 'user' and lower(data->>'email') = lower($1)",
      [email],
    );
    return rows.map((r) => r.data).filter((u) => states.includes(u.state));
  }

  async moveUsersToDivision(ctx: CallContext, divisionId: string, userIds: string[]): Promise<void> {
    await this.plan(ctx, "POST", `/api/v2/authorization/divisions/${divisionId}/objects/USER`, userIds);
    for (const id of userIds) {
      const u = await this.load<GenesysUser>("user", id);
      if (u) await this.save("user", id, { ...u, division: { id: divisionId }, version: u.version + 1 });
    }
  }

  /** The dry run's divisions are the bridge's own: each local division stands for itself. */
  async listDivisions(): Promise<GenesysDivision[]> {
    const rows = await this.db.query<{ id: string; name: string; description: string; home: boolean }>(
      "select id, name, description, home from divisions order by name",
    );
    return rows.map((r) => ({ id: r.id, name: r.name, description: r.description, homeDivision: r.home }));
  }

  async findGroupByName(_ctx: CallContext, name: string): Promise<GenesysGroup | null> {
    const rows = await this.db.query<{ data: GenesysGroup }>(
      "select data from dry_run_directory where kind = 'group' and lower(data->>'name') = lower($1)",
      [name],
    );
    return rows[0]?.data ?? null;
  }

  async createGroup(ctx: CallContext, name: string): Promise<GenesysGroup> {
    const body = { name, type: "official", visibility: "public", rulesVisible: true };
    await this.plan(ctx, "POST", "/api/v2/groups", body);
    const group: GenesysGroup = { id: randomUUID(), name, version: 1, memberCount: 0 };
    await this.save("group", group.id, { ...group, members: [] });
    return group;
  }

  async renameGroup(ctx: CallContext, groupId: string, name: string): Promise<GenesysGroup> {
    const g = await this.load<GenesysGroup & { members: string[] }>("group", groupId);
    if (!g) throw new TargetError("not_found", `PUT /api/v2/groups/${groupId}: 404 no such group`, 404);
    await this.plan(ctx, "PUT", `/api/v2/groups/${groupId}`, {
      name,
      type: "official",
      visibility: "public",
      rulesVisible: true,
      version: g.version,
    });
    const renamed = { ...g, name, version: g.version + 1 };
    await this.save("group", groupId, renamed);
    return renamed;
  }

  async getGroup(_ctx: CallContext, id: string): Promise<GenesysGroup | null> {
    return this.load<GenesysGroup>("group", id);
  }

  async listGroupMembers(_ctx: CallContext, groupId: string): Promise<string[]> {
    return (await this.load<{ members: string[] }>("group", groupId))?.members ?? [];
  }

  async addGroupMembers(ctx: CallContext, groupId: string, version: number, userIds: string[]): Promise<void> {
    const g = await this.load<GenesysGroup & { members: string[] }>("group", groupId);
    for (let i = 0; i < userIds.length; i += 50) {
      await this.plan(ctx, "POST", `/api/v2/groups/${groupId}/members`, { memberIds: userIds.slice(i, i + 50), version: version + i / 50 });
    }
    if (g) {
      const members = [...new Set([...g.members, ...userIds])];
      await this.save("group", groupId, {
        ...g,
        members,
        memberCount: members.length,
        version: g.version + Math.ceil(userIds.length / 50),
      });
    }
  }

  async removeGroupMembers(ctx: CallContext, groupId: string, userIds: string[]): Promise<void> {
    for (let i = 0; i < userIds.length; i += 50)
      await this.plan(ctx, "DELETE", `/api/v2/groups/${groupId}/members?ids=${userIds.slice(i, i + 50).join(",")}`);
    const g = await this.load<GenesysGroup & { members: string[] }>("group", groupId);
    if (g) {
      const members = g.members.filter((m) => !userIds.includes(m));
      await this.save("group", groupId, { ...g, members, memberCount: members.length, version: g.version + 1 });
    }
  }

  async deleteGroup(ctx: CallContext, groupId: string): Promise<void> {
    await this.plan(ctx, "DELETE", `/api/v2/groups/${groupId}`);
    await this.db.query("delete from dry_run_directory where kind = 'group' and id = $1", [groupId]);
  }
}
