import { type Clock, systemClock } from "../../clock.js";
import { randomUUID } from "node:crypto";
import type { Queryable } from "../../store/store.js";
import type { GenesysExternalId, GenesysGroup, GenesysProficiency, GenesysUser } from "../../genesys/api-types.js";
import { MAX_PAGE_SIZE, isWrite, type GenesysRequest, type ResultOf, type RoleGrant } from "../../genesys/requests.js";
import type { CallContext } from "./target.js";
import type { Transport } from "./transport.js";
import { Directory } from "./directory.js";
import { TargetError } from "../target-error.js";

type StoredGroup = GenesysGroup & { members: string[] };

function notFound(req: GenesysRequest): TargetError {
  return new TargetError("not_found", `${req.method} ${req.path}: 404 not.found`, 404, undefined, "not.found");
}

function staleVersion(req: GenesysRequest, sent: number, current: number): TargetError {
  return new TargetError(
    "version_conflict",
    `${req.method} ${req.path}: 409 general.conflict the version ${sent} does not match the current version ${current}`,
    409,
    undefined,
    "general.conflict",
  );
}

/**
 * Records in `dry_run_plan` every write the genesys target would send (the very request objects of
 * genesys/requests.ts: method, path, body), and answers every call from a stand-in directory in
 * `dry_run_directory`, so that ids, versions and conflicts behave as Genesys's do. Reads change
 * nothing and are not recorded. The dry run has no skill or language catalog: every name is taken to
 * exist, with the id `dry-run:<kind>:<name>` (roles: `dry-run:role:<name>`).
 */
export class DryRunTransport implements Transport {
  readonly name = "dry-run" as const;

  constructor(
    private readonly db: Queryable,
    private readonly now: Clock = systemClock,
  ) {}

  private async record(ctx: CallContext, req: GenesysRequest): Promise<void> {
    await this.db.query("insert into dry_run_plan(at, resource_type, resource_id, method, path, body) values ($1,$2,$3,$4,$5,$6::jsonb)", [
      new Date(this.now()),
      ctx.resourceType,
      ctx.resourceId,
      req.method,
      req.path,
      req.body === undefined ? null : JSON.stringify(req.body),
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

  private async usersByEmail(email: string): Promise<GenesysUser[]> {
    const rows = await this.db.query<{ data: GenesysUser }>(
      "select data from dry_run_directory where kind = 'user' and lower(data->>'email') = lower($1)",
      [email],
    );
    return rows.map((r) => r.data);
  }

  async send<R extends GenesysRequest>(ctx: CallContext, req: R): Promise<ResultOf<R>> {
    if (isWrite(req)) await this.record(ctx, req);
    return (await this.answer(req)) as ResultOf<R>;
  }

  private async user(req: GenesysRequest, id: string): Promise<GenesysUser> {
    const u = await this.load<GenesysUser>("user", id);
    if (!u) throw notFound(req);
    return u;
  }

  private async group(req: GenesysRequest, id: string): Promise<StoredGroup> {
    const g = await this.load<StoredGroup>("group", id);
    if (!g) throw notFound(req);
    return g;
  }

  private async answer(req: GenesysRequest): Promise<unknown> {
    switch (req.op) {
      case "createUser": {
        const { divisionId, ...rest } = req.args.body;
        if ((await this.usersByEmail(rest.email)).length)
          throw new TargetError(
            "conflict",
            `POST /api/v2/users: 409 general.conflict email ${rest.email} is in use`,
            409,
            undefined,
            "general.conflict",
          );
        // without `state` Genesys makes the user inactive (it awaits an invitation)
        const user: GenesysUser = {
          ...rest,
          id: randomUUID(),
          state: rest.state ?? "inactive",
          version: 1,
          division: divisionId ? { id: divisionId } : undefined,
        };
        await this.save("user", user.id, user);
        return user;
      }
      case "getUser": {
        const u = await this.user(req, req.args.id);
        if ((u.state === "deleted") !== req.args.deleted) throw notFound(req);
        return u;
      }
      case "patchUser": {
        const u = await this.user(req, req.args.id);
        const { version, manager, ...changes } = req.args.body;
        if (u.version !== version) throw staleVersion(req, version, u.version);
        const next: GenesysUser = {
          ...u,
          ...changes,
          ...(manager !== undefined ? { manager: manager ? { id: manager } : null } : {}),
          version: u.version + 1,
        };
        await this.save("user", u.id, next);
        return next;
      }
      case "deleteUser": {
        const u = await this.user(req, req.args.id);
        await this.save("user", u.id, { ...u, state: "deleted", version: u.version + 1 });
        return undefined;
      }
      case "searchUsers":
        return { results: (await this.usersByEmail(req.args.email)).filter((u) => req.args.states.includes(u.state)) };
      case "moveUsers": {
        for (const id of req.args.userIds) {
          const u = await this.load<GenesysUser>("user", id);
          if (u) await this.save("user", id, { ...u, division: { id: req.args.divisionId }, version: u.version + 1 });
        }
        return undefined;
      }
      case "listDivisions": {
        // the dry run's divisions are the bridge's own: each local division stands for itself
        const rows = await this.db.query<{ id: string; name: string; description: string; home: boolean }>(
          "select id, name, description, home from divisions order by name",
        );
        return { entities: rows.map((r) => ({ id: r.id, name: r.name, description: r.description, homeDivision: r.home })), pageCount: 1 };
      }
      case "searchGroups": {
        const rows = await this.db.query<{ data: StoredGroup }>(
          "select data from dry_run_directory where kind = 'group' and lower(data->>'name') = lower($1)",
          [req.args.name],
        );
        return { results: rows.map((r) => r.data) };
      }
      case "createGroup": {
        const group: StoredGroup = { id: randomUUID(), name: req.args.name, version: 1, memberCount: 0, state: "active", members: [] };
        await this.save("group", group.id, group);
        return group;
      }
      case "putGroup": {
        const g = await this.group(req, req.args.group.id);
        if (g.version !== req.args.group.version) throw staleVersion(req, req.args.group.version, g.version);
        const renamed = { ...g, name: req.args.name, version: g.version + 1 };
        await this.save("group", g.id, renamed);
        return renamed;
      }
      case "getGroup":
        return this.group(req, req.args.id);
      case "deleteGroup": {
        // a deleted group still answers GET, with state "deleted", as Genesys's do
        const g = await this.group(req, req.args.id);
        await this.save("group", g.id, { ...g, state: "deleted", members: [], memberCount: 0 });
        return undefined;
      }
      case "listIndividuals": {
        const { members } = await this.group(req, req.args.groupId);
        const { page, pageSize } = req.args;
        const entities = members.slice((page - 1) * pageSize, page * pageSize).map((id) => ({ id }));
        return { entities, pageNumber: page, pageCount: Math.ceil(members.length / pageSize) };
      }
      case "addMembers":
      case "removeMembers": {
        const g = await this.group(req, req.args.groupId);
        if (req.op === "addMembers" && g.version !== req.args.version) throw staleVersion(req, req.args.version, g.version);
        const ids = new Set(req.args.userIds);
        const members = req.op === "addMembers" ? [...new Set([...g.members, ...ids])] : g.members.filter((m) => !ids.has(m));
        await this.save("group", g.id, { ...g, members, memberCount: members.length, version: g.version + 1 });
        return undefined;
      }
      case "findCatalog":
        return { entities: [{ id: `dry-run:${req.args.kind}:${req.args.name}`, name: req.args.name }], pageCount: 1 };
      case "listUserRouting": {
        const held = (await this.load<GenesysProficiency[]>(`routing${req.args.kind}`, req.args.userId)) ?? [];
        const { page } = req.args;
        return {
          entities: held.slice((page - 1) * MAX_PAGE_SIZE, page * MAX_PAGE_SIZE),
          pageCount: Math.ceil(held.length / MAX_PAGE_SIZE),
        };
      }
      case "addUserRouting": {
        await this.user(req, req.args.userId);
        const key = `routing${req.args.kind}`;
        const held = new Map(((await this.load<GenesysProficiency[]>(key, req.args.userId)) ?? []).map((e) => [e.id, e]));
        for (const e of req.args.entries) held.set(e.id, { ...held.get(e.id), id: e.id, proficiency: e.proficiency });
        await this.save(key, req.args.userId, [...held.values()]);
        return [...held.values()];
      }
      case "removeUserRouting": {
        const key = `routing${req.args.kind}`;
        const held = (await this.load<GenesysProficiency[]>(key, req.args.userId)) ?? [];
        if (!held.some((e) => e.id === req.args.entryId)) throw notFound(req);
        await this.save(
          key,
          req.args.userId,
          held.filter((e) => e.id !== req.args.entryId),
        );
        return undefined;
      }
      case "listExternalIds":
        await this.user(req, req.args.userId);
        return (await this.load<GenesysExternalId[]>("externalids", req.args.userId)) ?? [];
      case "addExternalId": {
        await this.user(req, req.args.userId);
        const held = (await this.load<GenesysExternalId[]>("externalids", req.args.userId)) ?? [];
        const { authorityName, externalKey } = req.args.externalId;
        if (!held.some((e) => e.authorityName === authorityName && e.externalKey === externalKey))
          held.push({ authorityName, externalKey });
        await this.save("externalids", req.args.userId, held);
        return held;
      }
      case "findRole":
        return { entities: [{ id: `dry-run:role:${req.args.name}`, name: req.args.name }], pageCount: 1 };
      case "getSubject": {
        await this.user(req, req.args.userId);
        const grants = (await this.load<RoleGrant[]>("grants", req.args.userId)) ?? [];
        return { id: req.args.userId, grants: grants.map((g) => ({ role: { id: g.roleId }, division: { id: g.divisionId } })) };
      }
      case "changeGrants": {
        await this.user(req, req.args.userId);
        const key = (g: RoleGrant) => `${g.roleId}|${g.divisionId}`;
        const held = new Map(((await this.load<RoleGrant[]>("grants", req.args.userId)) ?? []).map((g) => [key(g), g]));
        for (const g of req.args.grants) {
          if (req.args.change === "bulkadd") held.set(key(g), g);
          else held.delete(key(g));
        }
        await this.save("grants", req.args.userId, [...held.values()]);
        return undefined;
      }
      case "removeExternalId": {
        const held = (await this.load<GenesysExternalId[]>("externalids", req.args.userId)) ?? [];
        const { authorityName, externalKey } = req.args.externalId;
        const rest = held.filter((e) => !(e.authorityName === authorityName && e.externalKey === externalKey));
        if (rest.length === held.length) throw notFound(req);
        await this.save("externalids", req.args.userId, rest);
        return undefined;
      }
    }
  }
}

/** The default target: the directory operations over the recording transport. */
export class DryRunTarget extends Directory {
  constructor(db: Queryable, now: Clock = systemClock) {
    super(new DryRunTransport(db, now), now);
  }
}
