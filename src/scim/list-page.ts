import type { Queryable } from "../store/store.js";
import type { Catalog } from "./catalog.js";
import type { ListQuery } from "./context.js";
import type { ResourceType } from "./change-log.js";
import { compileFilter, sortExpression } from "./filter-sql.js";
import { Params } from "./filter-scalar.js";
import type { DivisionScope } from "./division-scope.js";

/**
 * One page of a resource table, filtered, sorted and paged in SQL, with the accurate total. Without a
 * filter the total comes from scim_counts (kept by every write), so a page of 100 out of 100,000 does
 * not count 100,000 rows.
 */
export async function listPage<Row extends object>(
  db: Queryable,
  args: {
    type: ResourceType;
    table: string;
    /** The select list, over the table as `r`. */
    columns: string;
    catalog: Catalog;
    list: ListQuery;
    /** Divisions the caller may see; undefined where the resource is not divided. */
    divisions?: DivisionScope;
    /** The users the caller may see as group members (filters on `members` match only those). */
    memberScope?: DivisionScope;
  },
): Promise<{ total: number; rows: Row[] }> {
  const { list, divisions } = args;
  const p = new Params();
  const where: string[] = [];
  if (divisions && !divisions.all) where.push(`r.division_id = any(${p.add(divisions.ids)}::text[])`);
  if (list.filter) where.push(compileFilter(list.filter, { catalog: args.catalog, memberScope: args.memberScope }, p));
  const whereSql = where.length ? where.join(" and ") : "true";
  const order = list.sortBy
    ? `${sortExpression(list.sortBy, args.catalog, p)} ${list.descending ? "desc" : "asc"} nulls last, r.seq`
    : "r.seq";
  const pageSql = (extra: string) =>
    `select ${args.columns}${extra} from ${args.table} r where ${whereSql} order by ${order} limit ${p.add(list.count)} offset ${p.add(list.startIndex - 1)}`;
  if (!list.filter) {
    const scoped = divisions && !divisions.all;
    const [c] = await db.query<{ n: number | null }>(
      `select sum(n)::int as n from scim_counts where resource_type = $1${scoped ? " and division_id = any($2::text[])" : ""}`,
      scoped ? [args.type, divisions.ids] : [args.type],
    );
    const total = c?.n ?? 0;
    if (list.count === 0 || total === 0) return { total, rows: [] };
    if (list.sortBy || list.startIndex === 1) return { total, rows: await db.query<Row>(pageSql(""), p.values) };
    // In insertion order, a page deep in the table is found by skipping entries of the narrow seq index
    // (an index-only scan), not whole rows: OFFSET would read every skipped row's resource.
    const seek = `select s.seq from ${args.table} s where ${whereSql.replace(/\br\./g, "s.")} order by s.seq offset ${p.add(list.startIndex - 1)} limit 1`;
    const rows = await db.query<Row>(
      `select ${args.columns} from ${args.table} r where ${whereSql} and r.seq >= (${seek}) order by r.seq limit ${p.add(list.count)}`,
      p.values,
    );
    return { total, rows };
  }
  if (list.count === 0) return { total: await countAll(db, args.table, whereSql, p.values), rows: [] };
  // a filtered page and its total in one statement: the window counts every match before LIMIT applies
  const rows = await db.query<Row & { total_count: number }>(pageSql(", count(*) over ()::int as total_count"), p.values);
  if (rows.length > 0) return { total: rows[0]!.total_count, rows };
  // no row on this page: the matches, if any, all come before it
  return { total: list.startIndex > 1 ? await countAll(db, args.table, whereSql, p.values.slice(0, -2)) : 0, rows: [] };
}

async function countAll(db: Queryable, table: string, whereSql: string, values: unknown[]): Promise<number> {
  const [c] = await db.query<{ n: number }>(`select count(*)::int as n from ${table} r where ${whereSql}`, values);
  return c?.n ?? 0;
}
