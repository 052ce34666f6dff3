import { badRequest } from "./errors.js";
import { isObject, lower } from "./fields.js";

/**
 * Genesys's search index (POST /api/v2/users/search, POST /api/v2/groups/search): it sees a write only
 * searchLagMs after it happened, on the fake's clock. Genesys gives no figure for the lag
 * (docs/genesys-platform-api.md, "Paging and search"); its provider polls user search for up to 3 minutes after a delete and retries "No
 * groups found" for 15 s.
 */

/** A few seconds, the fake's default: Genesys's search index lags writes by seconds to minutes. */
export const REALISTIC_SEARCH_LAG_MS = 3000;

export class LaggingIndex<T> {
  /** Per entity id: the snapshots written, each with the time it becomes searchable. */
  private readonly entries = new Map<string, Array<{ visibleAt: number; item: T }>>();

  constructor(
    private readonly now: () => number,
    private readonly lagMs: number,
  ) {}

  put(id: string, item: T): void {
    const t = this.now();
    const all = this.entries.get(id) ?? [];
    const lastVisible = all.findLastIndex((e) => e.visibleAt <= t);
    const list = lastVisible > 0 ? all.slice(lastVisible) : all; // older searchable snapshots can no longer be seen
    list.push({ visibleAt: t + this.lagMs, item: structuredClone(item) });
    this.entries.set(id, list);
  }

  /** The latest searchable snapshot of every entity the index has seen by now. */
  visible(): T[] {
    const t = this.now();
    const out: T[] = [];
    for (const list of this.entries.values()) {
      let latest: T | undefined;
      for (const e of list) if (e.visibleAt <= t) latest = e.item;
      if (latest !== undefined) out.push(latest);
    }
    return out;
  }
}

export interface Criterion {
  type: "EXACT" | "CONTAINS" | "STARTS_WITH";
  fields: string[];
  values: string[];
}

export type SearchFields<T> = Record<string, (item: T) => string | undefined>;

/**
 * The `query` of a search body: every criterion must hold; a criterion holds when one of its fields
 * matches one of its values. EXACT, CONTAINS and STARTS_WITH, case-insensitive (Genesys documents also
 * REGEX, TERM, TERMS, REQUIRED_FIELDS, MATCH_ALL and operator/group: the fake refuses them).
 */
export function parseQuery<T>(body: unknown, fields: SearchFields<T>): Criterion[] {
  if (!isObject(body) || !Array.isArray(body.query) || body.query.length === 0)
    throw badRequest("The search request needs a non-empty query array.", "query");
  return body.query.map((c, i) => {
    if (!isObject(c)) throw badRequest(`query[${i}] must be an object.`, `query[${i}]`);
    const type = c.type;
    if (type !== "EXACT" && type !== "CONTAINS" && type !== "STARTS_WITH")
      throw badRequest(`query[${i}].type ${String(type)} is not supported by the fake (EXACT, CONTAINS, STARTS_WITH).`, `query[${i}].type`);
    const names = Array.isArray(c.fields) ? c.fields : typeof c.field === "string" ? [c.field] : undefined;
    if (!names || names.length === 0 || names.some((f) => typeof f !== "string" || !(f in fields)))
      throw badRequest(`query[${i}].fields must name fields among ${Object.keys(fields).join(", ")}.`, `query[${i}].fields`);
    const values = Array.isArray(c.values) ? c.values : c.value !== undefined ? [c.value] : undefined;
    if (!values || values.length === 0 || values.some((v) => typeof v !== "string"))
      throw badRequest(`query[${i}] needs a value or values.`, `query[${i}].value`);
    return { type, fields: names as string[], values: (values as string[]).map(lower) };
  });
}

export function matches<T>(item: T, criteria: Criterion[], fields: SearchFields<T>): boolean {
  return criteria.every((c) =>
    c.fields.some((f) => {
      const raw = fields[f]!(item);
      if (raw === undefined) return false;
      const v = lower(raw);
      return c.values.some((want) => (c.type === "EXACT" ? v === want : c.type === "CONTAINS" ? v.includes(want) : v.startsWith(want)));
    }),
  );
}
