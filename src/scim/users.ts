import { randomUUID } from "node:crypto";
import type { Queryable } from "../store/store.js";
import { isUniqueViolation } from "../store/store.js";
import type { Catalog, Column } from "./catalog.js";
import { listPage } from "./list-page.js";
import type { ScimContext } from "./context.js";
import { ScimError, invalidValue } from "./scim-error.js";
import { COUNT_UPSERT, COUNT_UPSERT_CONFLICT, adjustCount, etagOf } from "./change-log.js";
import { RECORD_CHANGE_INSERT, recordChange } from "../sync/outbox.js";
import { inScope, requireInScope, scopeFor, userViewScope } from "./division-scope.js";
import { CORE_USER, ENTERPRISE_USER, GENESYS_USER } from "./schemas.js";
import { checkIfMatch } from "./versions.js";
import { homeDivisionId } from "../authz/divisions.js";
import { mayDo } from "../authz/permissions.js";
import { LIMITS } from "./limits.js";

export const USER_COLUMNS: Record<string, Column> = {
  id: { sql: "r.id", kind: "text" },
  username: { sql: "r.user_name_lc", kind: "lc" },
  externalid: { sql: "r.external_id", kind: "text" },
  displayname: { sql: "r.display_name_lc", kind: "lc" },
  active: { sql: "r.active", kind: "bool" },
  "meta.created": { sql: "r.created_at", kind: "time" },
  "meta.lastmodified": { sql: "r.last_modified", kind: "time" },
  "emails.value": { sql: "r.email_values", kind: "emails" },
  groups: { sql: "", kind: "groups" },
  "groups.value": { sql: "", kind: "groups" },
  "groups.type": { sql: "", kind: "groups" },
};

interface UserRow {
  id: string;
  groups: Array<{ value: string; display: string }>;
  user_name: string;
  division_id: string;
  version: number;
  resource: Record<string, unknown>;
  created_at: Date;
  last_modified: Date;
}

/** The row a read with `lockOnRead` (a PATCH's, in its transaction) locked, for that context's write. */
const lockedRows = new WeakMap<ScimContext, UserRow>();

const notFound = (id: string) => new ScimError(404, null, `User ${id} not found`);

/** A client without the right in any division is refused outright (403): the answer tells nothing of the data. */
function needSomewhere(ctx: ScimContext, permission: string): void {
  if (!mayDo(ctx.principal.grants, permission)) throw new ScimError(403, null, `this client lacks ${permission} in every division`);
}

/** With the user's groups, which the store keeps on the row (migrations/009_user_groups.sql): one read per GET. */
const COLUMNS = "r.id, r.user_name, r.division_id, r.version, r.resource, r.created_at, r.last_modified, r.groups";
const SELECT = `select ${COLUMNS} from scim_users r`;

/** The user as SCIMMY should render it ("out"): stored attributes plus id, meta and the read-only groups. */
function toResource(row: UserRow, groups: Array<{ value: string; display: string }>): Record<string, unknown> {
  return {
    ...row.resource,
    id: row.id,
    groups: groups.map((g) => ({ value: g.value, display: g.display, type: "direct" })),
    meta: {
      resourceType: "User",
      created: row.created_at.toISOString(),
      lastModified: row.last_modified.toISOString(),
      version: etagOf(row.version),
    },
  };
}

export class Users {
  constructor(readonly catalog: Catalog) {}

  async get(ctx: ScimContext, id: string): Promise<Record<string, unknown>> {
    needSomewhere(ctx, "directory:user:view");
    const row = (await ctx.store.query<UserRow>(`${SELECT} where r.id = $1${ctx.lockOnRead ? " for update" : ""}`, [id]))[0];
    // A user in a division the client cannot view is absent for it, as lists already show it.
    if (!row || !inScope(userViewScope(ctx.principal), row.division_id)) throw notFound(id);
    if (ctx.lockOnRead) lockedRows.set(ctx, row);
    return toResource(row, row.groups);
  }

  /** Filter, sort and page in SQL; returns the page and the accurate total (RFC 7644 §3.4.2.4). */
  async list(ctx: ScimContext): Promise<{ total: number; resources: Record<string, unknown>[] }> {
    const divisions = userViewScope(ctx.principal);
    if (!divisions.all && divisions.ids.length === 0)
      throw new ScimError(403, null, "this client lacks directory:user:view in every division");
    const { total, rows } = await listPage<UserRow>(ctx.store, {
      type: "User",
      table: "scim_users",
      columns: COLUMNS,
      catalog: this.catalog,
      list: ctx.list,
      divisions,
    });
    return { total, resources: rows.map((r) => toResource(r, r.groups)) };
  }

  /** POST (no id) or PUT/PATCH (id): one transaction writes the row, its version and an outbox row. */
  async write(ctx: ScimContext, id: string | undefined, incoming: Record<string, unknown>): Promise<Record<string, unknown>> {
    const stored = storedForm(incoming);
    checkValueCounts(stored);
    const userName = String(stored.userName ?? "").trim();
    if (!userName) throw new ScimError(400, "invalidValue", "userName is required and must not be empty");
    validateGenesysExtension(stored);
    const emails = Array.isArray(stored.emails)
      ? (stored.emails as Array<{ value?: unknown }>).map((e) => String(e.value ?? "").toLowerCase()).filter(Boolean)
      : [];
    const displayName = typeof stored.displayName === "string" ? stored.displayName : null;
    const externalId = typeof stored.externalId === "string" ? stored.externalId : null;
    const active = stored.active === undefined ? true : stored.active === true;
    const divisionName = divisionNameOf(stored);
    const values = { userName, externalId, displayName, active, emails, resource: JSON.stringify(stored) };
    try {
      if (id === undefined) {
        // With the right in every division, which division the user lands in changes nothing: one
        // statement resolves it, inserts, counts and records the change. Otherwise it is resolved first.
        const anywhere = scopeFor(ctx.principal, "directory:user:add").all;
        if (anywhere) return await insertUser(ctx.store, ctx, values, divisionName, null);
        const divisionId = await resolveDivision(ctx.store, divisionName);
        requireInScope(ctx.principal, "directory:user:add", divisionId, "the new User");
        return await insertUser(ctx.store, ctx, values, divisionName, divisionId);
      }
      return await ctx.store.transaction(async (tx) => {
        // A PATCH has just read and locked the row in this transaction; where nothing depends on which
        // division the user lands in (the home one, and the right to edit in every division), the
        // write needs no read of its own: the home division is resolved by the update itself.
        const locked = lockedRows.get(ctx);
        const reuse = locked?.id === id && divisionName === null && scopeFor(ctx.principal, "directory:user:edit").all;
        let current: UserRow | undefined = reuse ? locked : undefined;
        let divisionId: string | null = null;
        if (!reuse) {
          // the row, locked, and the division named, in one round trip
          const [read] = await tx.query<UserRow & { named: string | null; home: string }>(
            `select ${COLUMNS}, (select d.id from divisions d where lower(d.name) = lower($2)) as named,
                    (select d.id from divisions d where d.home) as home
               from scim_users r where r.id = $1 for update of r`,
            [id, divisionName ?? ""],
          );
          current = read;
          // no such user: the division is still checked first, as it always was
          divisionId = (read ? (divisionName === null ? read.home : read.named) : await resolveDivision(tx, divisionName)) ?? null;
          if (!divisionId) throw noDivision(divisionName);
        }
        needSomewhere(ctx, "directory:user:edit");
        if (!current || !inScope(userViewScope(ctx.principal), current.division_id)) throw notFound(id);
        requireInScope(ctx.principal, "directory:user:edit", current.division_id, `User ${id}`);
        if (divisionId !== null && divisionId !== current.division_id)
          requireInScope(ctx.principal, "directory:user:edit", divisionId, `the division User ${id} would move to`);
        checkIfMatch(ctx.ifMatch, current.version, `User ${id}`);
        const [row] = await tx.query<UserRow>(
          `with u as (
             update scim_users set user_name=$2, user_name_lc=lower($2), external_id=$3, display_name=$4, display_name_lc=lower($4), active=$5,
                    division_id=coalesce($6::text, (select d.id from divisions d where d.home)),
                    email_values=$7::text[], version=version+1, resource=$8::jsonb, last_modified=$9
              where id=$1 returning ${COLUMNS.replace(/r\./g, "")}),
           o as (${RECORD_CHANGE_INSERT} select 'User', id, version, 'upsert', $9 from u),
           c as (${COUNT_UPSERT} select 'User', x.d, x.n from u cross join lateral (values ($10::text, -1), (u.division_id, 1)) x(d, n)
                 where u.division_id <> $10::text ${COUNT_UPSERT_CONFLICT})
           select * from u`,
          [
            id,
            values.userName,
            values.externalId,
            values.displayName,
            values.active,
            divisionId,
            values.emails,
            values.resource,
            ctx.now,
            current.division_id,
          ],
        );
        if (!row) throw noDivision(null);
        return toResource(row, row.groups);
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new ScimError(
          409,
          "uniqueness",
          `userName ${JSON.stringify(userName)} is already taken (userName is unique, case-insensitively)`,
        );
      throw err;
    }
  }

  async delete(ctx: ScimContext, id: string): Promise<void> {
    needSomewhere(ctx, "directory:user:delete");
    await ctx.store.transaction(async (tx) => {
      const current = (await tx.query<UserRow>(`${SELECT} where r.id = $1 for update`, [id]))[0];
      if (!current || !inScope(userViewScope(ctx.principal), current.division_id)) throw notFound(id);
      requireInScope(ctx.principal, "directory:user:delete", current.division_id, `User ${id}`);
      checkIfMatch(ctx.ifMatch, current.version, `User ${id}`);
      await tx.query("delete from scim_group_members where member_id = $1", [id]);
      await tx.query("delete from scim_users where id = $1", [id]);
      await adjustCount(tx, "User", current.division_id, -1);
      await recordChange(tx, "User", id, current.version + 1, "delete", ctx.now);
    });
  }
}

/** What is kept of an accepted user: its attributes, never id, meta, groups or a password. */
function storedForm(incoming: Record<string, unknown>): Record<string, unknown> {
  const {
    id: _id,
    meta: _meta,
    groups: _groups,
    password: _password,
    ...rest
  } = JSON.parse(JSON.stringify(incoming)) as Record<string, unknown>;
  const schemas = new Set<string>([CORE_USER]);
  if (rest[ENTERPRISE_USER]) schemas.add(ENTERPRISE_USER);
  if (rest[GENESYS_USER]) schemas.add(GENESYS_USER);
  return { ...rest, schemas: [...schemas] };
}

/** docs/architecture.md: the enterprise extension's division names the division; none (null here) means the home division. */
function divisionNameOf(stored: Record<string, unknown>): string | null {
  const name = (stored[ENTERPRISE_USER] as { division?: unknown } | undefined)?.division;
  return name === undefined || name === null || name === "" ? null : String(name);
}

const noDivision = (name: string | null) =>
  name === null
    ? new Error("no home division: run `scim-bridge migrate`")
    : invalidValue(`${ENTERPRISE_USER}:division: no division named ${JSON.stringify(name)}`);

async function resolveDivision(db: Queryable, name: string | null): Promise<string> {
  if (name === null) return homeDivisionId(db);
  const rows = await db.query<{ id: string }>("select id from divisions where lower(name) = lower($1)", [name]);
  if (!rows[0]) throw noDivision(name);
  return rows[0].id;
}

interface UserValues {
  userName: string;
  externalId: string | null;
  displayName: string | null;
  active: boolean;
  emails: string[];
  /** The stored form, as JSON. */
  resource: string;
}

/**
 * POST's write, one statement (atomic without a transaction): the division (given, or named, or the
 * home one), the row, its count and its outbox row. A new user belongs to no group yet.
 */
async function insertUser(
  db: Queryable,
  ctx: ScimContext,
  v: UserValues,
  divisionName: string | null,
  divisionId: string | null,
): Promise<Record<string, unknown>> {
  const division =
    divisionId !== null
      ? "select $6::text as id"
      : divisionName === null
        ? "select id from divisions where home and $6::text = ''"
        : "select id from divisions where lower(name) = lower($6)";
  const [row] = await db.query<UserRow>(
    `with d as (${division}),
       u as (
         insert into scim_users(id, user_name, user_name_lc, external_id, display_name, display_name_lc, active, division_id, email_values, version, resource, created_at, last_modified)
         select $1,$2,lower($2),$3,$4,lower($4),$5,d.id,$7::text[],1,$8::jsonb,$9,$9 from d
         returning ${COLUMNS.replace(/r\./g, "")}),
       c as (${COUNT_UPSERT} select 'User', division_id, 1 from u ${COUNT_UPSERT_CONFLICT}),
       o as (${RECORD_CHANGE_INSERT} select 'User', id, version, 'upsert', $9 from u)
     select * from u`,
    [randomUUID(), v.userName, v.externalId, v.displayName, v.active, divisionId ?? divisionName ?? "", v.emails, v.resource, ctx.now],
  );
  if (!row) throw noDivision(divisionName);
  return toResource(row, []);
}

/** Every multi-valued attribute, of the core schema and of each extension, holds at most LIMITS.valuesPerAttribute values. */
function checkValueCounts(stored: Record<string, unknown>): void {
  const check = (obj: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      if (k === "schemas") continue;
      if (Array.isArray(v) && v.length > LIMITS.valuesPerAttribute)
        throw new ScimError(400, "tooMany", `${prefix}${k}: at most ${LIMITS.valuesPerAttribute} values; got ${v.length}`);
      if (/^urn:/i.test(k) && typeof v === "object" && v !== null && !Array.isArray(v)) check(v as Record<string, unknown>, `${k}:`);
    }
  };
  check(stored, "");
}

function validateGenesysExtension(stored: Record<string, unknown>): void {
  const ext = stored[GENESYS_USER] as Record<string, unknown> | undefined;
  if (!ext) return;
  for (const key of ["routingSkills", "routingLanguages"] as const) {
    const list = ext[key] as unknown[] | undefined;
    if (!list) continue;
    if (list.length > 50) throw invalidValue(`${GENESYS_USER}:${key}: at most 50 entries`);
  }
}
