import { randomUUID } from "node:crypto";
import type { Queryable } from "../store/store.js";
import { isUniqueViolation } from "../store/store.js";
import { mayDo } from "../authz/permissions.js";
import type { Catalog, Column } from "./catalog.js";
import { listPage } from "./list-page.js";
import type { ScimContext } from "./context.js";
import { ScimError } from "./scim-error.js";
import { adjustCount, etagOf } from "./change-log.js";
import { recordChange } from "../sync/outbox.js";
import { CORE_GROUP } from "./schemas.js";
import { checkIfMatch } from "./versions.js";
import { userViewScope, visibleMemberSql, type DivisionScope } from "./division-scope.js";
import { Params } from "./filter-scalar.js";
import { LIMITS } from "./limits.js";

export const GROUP_COLUMNS: Record<string, Column> = {
  id: { sql: "r.id", kind: "text" },
  displayname: { sql: "r.display_name_lc", kind: "lc" },
  externalid: { sql: "r.external_id", kind: "text" },
  "meta.created": { sql: "r.created_at", kind: "time" },
  "meta.lastmodified": { sql: "r.last_modified", kind: "time" },
  members: { sql: "", kind: "members" },
  "members.value": { sql: "", kind: "members" },
  "members.type": { sql: "", kind: "members" },
};

interface GroupRow {
  id: string;
  display_name: string;
  version: number;
  resource: Record<string, unknown>;
  created_at: Date;
  last_modified: Date;
}

export interface Member {
  value: string;
  type: "User" | "Group";
  display?: string | null;
}

/** A member reference as a client sent it. */
export interface MemberRef {
  value: string;
  display?: string;
}

const COLUMNS = "r.id, r.display_name, r.version, r.resource, r.created_at, r.last_modified";
const SELECT = `select ${COLUMNS} from scim_groups r`;
/** Groups are not divided; a client needs the group permission in some division. */
const ANY_DIVISION = undefined;

function toResource(row: GroupRow, members: Array<Member & { display: string | null }> | null): Record<string, unknown> {
  return {
    ...row.resource,
    id: row.id,
    ...(members ? { members: members.map((m) => ({ value: m.value, type: m.type, ...(m.display ? { display: m.display } : {}) })) } : {}),
    meta: {
      resourceType: "Group",
      created: row.created_at.toISOString(),
      lastModified: row.last_modified.toISOString(),
      version: etagOf(row.version),
    },
  };
}

/** The members of each group that `scope` may see, with their display names. */
async function membersOf(
  db: Queryable,
  groupIds: string[],
  scope: DivisionScope,
): Promise<Map<string, Array<Member & { display: string | null }>>> {
  const out = new Map<string, Array<Member & { display: string | null }>>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return out;
  const p = new Params(1);
  const rows = await db.query<{ group_id: string; member_id: string; member_type: "User" | "Group"; display: string | null }>(
    `select m.group_id, m.member_id, m.member_type, coalesce(m.display, u.display_name, g.display_name) as display
       from scim_group_members m
       left join scim_users u on m.member_type = 'User' and u.id = m.member_id
       left join scim_groups g on m.member_type = 'Group' and g.id = m.member_id
      where m.group_id = any($1::text[]) and ${visibleMemberSql(scope, (v) => p.add(v))} order by m.group_id, m.member_id`,
    [groupIds, ...p.values],
  );
  for (const r of rows) out.get(r.group_id)?.push({ value: r.member_id, type: r.member_type, display: r.display });
  return out;
}

function need(ctx: ScimContext, permission: string): void {
  if (!mayDo(ctx.principal.grants, permission, ANY_DIVISION)) throw new ScimError(403, null, `this client lacks ${permission}`);
}

/**
 * Resolves member references to known users and groups that `scope` may see. Unknown ids are left
 * out: Microsoft's reference suite adds the member "string id 1" and expects 204, and a membership of
 * nothing could never be applied downstream. A user the client may not see is left out the same way,
 * so that the answer does not tell it from an unknown id.
 */
export async function resolveMembers(db: Queryable, refs: MemberRef[], scope: DivisionScope): Promise<Member[]> {
  const byId = new Map(refs.filter((r) => r.value).map((r) => [r.value, r]));
  if (byId.size === 0) return [];
  const rows = await db.query<{ id: string; type: "User" | "Group" }>(
    `select id, 'User' as type from scim_users where id = any($1::text[])${scope.all ? "" : " and division_id = any($2::text[])"}
     union all select id, 'Group' as type from scim_groups where id = any($1::text[])`,
    scope.all ? [[...byId.keys()]] : [[...byId.keys()], scope.ids],
  );
  return rows.map((r) => ({ value: r.id, type: r.type, display: byId.get(r.id)?.display ?? null }));
}

/** Removes the memberships of a group that `scope` may see (all of them, or those of `memberIds`); others stay. */
export async function removeVisibleMembers(tx: Queryable, groupId: string, scope: DivisionScope, memberIds?: string[]): Promise<void> {
  const p = new Params(memberIds ? 2 : 1);
  const only = memberIds ? " and m.member_id = any($2::text[])" : "";
  const visible = visibleMemberSql(scope, (v) => p.add(v));
  await tx.query(`delete from scim_group_members m where m.group_id = $1${only} and ${visible}`, [
    groupId,
    ...(memberIds ? [memberIds] : []),
    ...p.values,
  ]);
}

/** Member references as clients send them: `[{value, display}]`, one object, or bare id strings. */
export function memberRefs(value: unknown, where: string): MemberRef[] {
  const list = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return list.map((m) => {
    if (typeof m === "string") return { value: m };
    const o = m as { value?: unknown; display?: unknown; displayName?: unknown } | null;
    if (typeof o === "object" && o !== null && typeof o.value === "string") {
      // `displayName` is not the RFC's name for it, but Microsoft's reference suite sends it
      const display = typeof o.display === "string" ? o.display : typeof o.displayName === "string" ? o.displayName : undefined;
      return display === undefined ? { value: o.value } : { value: o.value, display };
    }
    throw new ScimError(400, "invalidValue", `${where}: each member needs a string "value"`);
  });
}

export class Groups {
  constructor(readonly catalog: Catalog) {}

  async get(ctx: ScimContext, id: string): Promise<Record<string, unknown>> {
    need(ctx, "directory:group:view");
    const row = (await ctx.store.query<GroupRow>(`${SELECT} where r.id = $1`, [id]))[0];
    if (!row) throw new ScimError(404, null, `Group ${id} not found`);
    return toResource(row, ctx.excludeMembers ? null : ((await membersOf(ctx.store, [id], userViewScope(ctx.principal))).get(id) ?? []));
  }

  async list(ctx: ScimContext): Promise<{ total: number; resources: Record<string, unknown>[] }> {
    need(ctx, "directory:group:view");
    const scope = userViewScope(ctx.principal);
    const { total, rows } = await listPage<GroupRow>(ctx.store, {
      type: "Group",
      table: "scim_groups",
      columns: COLUMNS,
      catalog: this.catalog,
      list: ctx.list,
      memberScope: scope,
    });
    const members = ctx.excludeMembers
      ? null
      : await membersOf(
          ctx.store,
          rows.map((r) => r.id),
          scope,
        );
    return { total, resources: rows.map((r) => toResource(r, members ? (members.get(r.id) ?? []) : null)) };
  }

  /**
   * POST or PUT: the whole group, members included. PUT replaces the members the client may see; the
   * others (users in divisions it cannot view) stay, since it can neither see nor name them.
   */
  async write(ctx: ScimContext, id: string | undefined, incoming: Record<string, unknown>): Promise<Record<string, unknown>> {
    need(ctx, id === undefined ? "directory:group:add" : "directory:group:edit");
    const { id: _id, meta: _meta, members: rawMembers, ...rest } = JSON.parse(JSON.stringify(incoming)) as Record<string, unknown>;
    const stored: Record<string, unknown> = { ...rest, schemas: [CORE_GROUP] };
    const displayName = String(stored.displayName ?? "").trim();
    if (!displayName) throw new ScimError(400, "invalidValue", "displayName is required and must not be empty");
    const externalId = typeof stored.externalId === "string" ? stored.externalId : null;
    const members = memberRefs(rawMembers, "members");
    if (members.length > LIMITS.membersPerRequest)
      throw new ScimError(400, "tooMany", `a request may name at most ${LIMITS.membersPerRequest} members; got ${members.length}`);
    const scope = userViewScope(ctx.principal);
    try {
      return await ctx.store.transaction(async (tx) => {
        let row: GroupRow;
        if (id === undefined) {
          row = (
            await tx.query<GroupRow>(
              `insert into scim_groups(id, display_name, display_name_lc, external_id, version, resource, created_at, last_modified)
               values ($1,$2,lower($2),$3,1,$4::jsonb,$5,$5) returning id, display_name, version, resource, created_at, last_modified`,
              [randomUUID(), displayName, externalId, JSON.stringify(stored), ctx.now],
            )
          )[0]!;
          await adjustCount(tx, "Group", "", 1);
        } else {
          const current = (await tx.query<GroupRow>(`${SELECT} where r.id = $1 for update`, [id]))[0];
          if (!current) throw new ScimError(404, null, `Group ${id} not found`);
          checkIfMatch(ctx.ifMatch, current.version, `Group ${id}`);
          row = (
            await tx.query<GroupRow>(
              `update scim_groups set display_name=$2, display_name_lc=lower($2), external_id=$3, version=version+1, resource=$4::jsonb, last_modified=$5
                where id=$1 returning id, display_name, version, resource, created_at, last_modified`,
              [id, displayName, externalId, JSON.stringify(stored), ctx.now],
            )
          )[0]!;
          await removeVisibleMembers(tx, id, scope);
        }
        await addMembers(tx, row.id, await resolveMembers(tx, members, scope));
        await recordChange(tx, "Group", row.id, row.version, "upsert", ctx.now);
        return toResource(row, (await membersOf(tx, [row.id], scope)).get(row.id) ?? []);
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new ScimError(
          409,
          "uniqueness",
          `a group named ${JSON.stringify(displayName)} exists (displayName is unique, case-insensitively)`,
        );
      throw err;
    }
  }

  async delete(ctx: ScimContext, id: string): Promise<void> {
    need(ctx, "directory:group:delete");
    await ctx.store.transaction(async (tx) => {
      const current = (await tx.query<GroupRow>(`${SELECT} where r.id = $1 for update`, [id]))[0];
      if (!current) throw new ScimError(404, null, `Group ${id} not found`);
      checkIfMatch(ctx.ifMatch, current.version, `Group ${id}`);
      await tx.query("delete from scim_group_members where member_id = $1", [id]);
      await tx.query("delete from scim_groups where id = $1", [id]);
      await adjustCount(tx, "Group", "", -1);
      await recordChange(tx, "Group", id, current.version + 1, "delete", ctx.now);
    });
  }
}

/** Inserts memberships, one row each; re-adding an existing member changes nothing. */
export async function addMembers(tx: Queryable, groupId: string, members: Member[]): Promise<void> {
  if (members.length === 0) return;
  await tx.query(
    `insert into scim_group_members(group_id, member_id, member_type, display)
     select $1, m.id, m.type, m.display from unnest($2::text[], $3::text[], $4::text[]) as m(id, type, display)
     on conflict (group_id, member_id) do update set display = coalesce(excluded.display, scim_group_members.display)`,
    [groupId, members.map((m) => m.value), members.map((m) => m.type), members.map((m) => m.display ?? null)],
  );
}
