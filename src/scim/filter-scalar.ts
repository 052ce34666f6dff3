/**
 * The scalar half of the filter compiler (filter-sql.ts): how one attribute value, in a column or
 * in the stored JSON, is compared with a filter's value (RFC 7644 §3.4.2.2), with `$n` parameters.
 * Case-insensitive unless the attribute is caseExact (RFC 7643 §2.2); dateTime values must be
 * xsd:dateTime (RFC 7643 §2.3.5).
 */
import type { AttrPath, CompareOp, FilterValue } from "./filter.js";
import { invalidFilter } from "./scim-error.js";

export class Params {
  readonly values: unknown[] = [];
  constructor(private readonly offset = 0) {}
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.offset + this.values.length}`;
  }
}

export type ScalarKind = "text" | "bool" | "time" | "num";

/** A scalar SQL expression and how to compare it. */
export interface Scalar {
  sql: string;
  kind: ScalarKind;
  caseExact: boolean;
  /** The expression already holds a lower-cased value (an `lc` column). */
  lowered?: boolean;
}

export const SQL_OPS: Record<"eq" | "ne" | "gt" | "lt" | "ge" | "le", string> = { eq: "=", ne: "<>", gt: ">", lt: "<", ge: ">=", le: "<=" };

export function kindOf(type: string): ScalarKind | null {
  switch (type) {
    case "string":
    case "reference":
    case "binary":
      return "text";
    case "boolean":
      return "bool";
    case "dateTime":
      return "time";
    case "decimal":
    case "integer":
      return "num";
    default:
      return null;
  }
}

export function cast(textSql: string, kind: ScalarKind): string {
  return kind === "text"
    ? textSql
    : kind === "bool"
      ? `(${textSql})::boolean`
      : kind === "time"
        ? `(${textSql})::timestamptz`
        : `(${textSql})::numeric`;
}

/**
 * An xsd:dateTime (RFC 7643 §2.3.5) in the shape RFC 3339 §5.6 gives it: `2011-05-13T04:42:34Z`,
 * optional fractional seconds, `Z` or a `+hh:mm`/`-hh:mm` offset (`T` and `Z` in either case). Only
 * four-digit years: the store holds years 0001 to 9999. Without an offset the time is read as UTC
 * (xsd:dateTime allows it; RFC 3339 does not), never as the server's local time.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})?$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** The instant an xsd:dateTime names (to the millisecond, further digits cut off), or null when `s` is not one. */
function parseDateTime(s: string): Date | null {
  const m = DATE_TIME.exec(s);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  // second 60: RFC 3339's leap second, which rolls over into the next minute as PostgreSQL reads it
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 60) return null;
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, "0")) : 0;
  let offset = 0;
  const zone = m[8];
  if (zone && zone !== "Z" && zone !== "z") {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return null;
    offset = (zone.startsWith("-") ? -1 : 1) * (oh * 60 + om);
  }
  // setUTCFullYear, not Date.UTC: Date.UTC reads the years 0 to 99 as 1900 to 1999
  const at = new Date(0);
  at.setUTCFullYear(year, month - 1, day);
  at.setUTCHours(hour, minute - offset, second, ms);
  return at;
}

export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export function describe(path: AttrPath): string {
  return `${path.schema ? `${path.schema}:` : ""}${path.attr}${path.sub ? `.${path.sub}` : ""}`;
}

export function compareScalar(x: Scalar, op: CompareOp, value: FilterValue, p: Params, label: string): string {
  if (value === null) {
    if (op === "eq") return `(${x.sql} is null)`;
    if (op === "ne") return `(${x.sql} is not null)`;
    throw invalidFilter(`"${op} null" is not a comparison on ${label}`);
  }
  switch (x.kind) {
    case "bool": {
      const b =
        typeof value === "boolean"
          ? value
          : typeof value === "string" && /^(true|false)$/i.test(value)
            ? value.toLowerCase() === "true"
            : undefined;
      if (b === undefined) throw invalidFilter(`${label} is a boolean: compare it with true or false`);
      if (op === "eq") return `(${x.sql} = ${p.add(b)})`;
      if (op === "ne") return `(${x.sql} is distinct from ${p.add(b)})`;
      throw invalidFilter(`operator "${op}" does not apply to the boolean ${label}`);
    }
    case "time": {
      const at = typeof value === "string" ? parseDateTime(value) : null;
      if (!at) throw invalidFilter(`${label} is a dateTime: ${JSON.stringify(value)} is not one (write it as 2011-05-13T04:42:34Z)`);
      // xsd:dateTime (RFC 7643 §2.3.5) as the store can hold it: years 0001 to 9999
      const year = at.getUTCFullYear();
      if (year < 1 || year > 9999) throw invalidFilter(`${label}: ${JSON.stringify(value)} is outside the years 0001 to 9999`);
      if (op === "co" || op === "sw" || op === "ew") throw invalidFilter(`operator "${op}" does not apply to the dateTime ${label}`);
      const v = `${p.add(at.toISOString())}::timestamptz`;
      return op === "ne" ? `(${x.sql} is distinct from ${v})` : `(${x.sql} ${SQL_OPS[op]} ${v})`;
    }
    case "num": {
      if (typeof value !== "number") throw invalidFilter(`${label} is a number: ${JSON.stringify(value)} is not one`);
      if (op === "co" || op === "sw" || op === "ew") throw invalidFilter(`operator "${op}" does not apply to the number ${label}`);
      const v = `${p.add(value)}::numeric`;
      return op === "ne" ? `(${x.sql} is distinct from ${v})` : `(${x.sql} ${SQL_OPS[op]} ${v})`;
    }
    case "text": {
      const s = String(value);
      const left = x.caseExact || x.lowered ? x.sql : `lower(${x.sql})`;
      const right = (param: string) => (x.caseExact ? param : `lower(${param})`);
      switch (op) {
        case "co":
          return `(${left} like '%' || ${right(p.add(escapeLike(s)))} || '%')`;
        case "sw":
          return `(${left} like ${right(p.add(escapeLike(s)))} || '%')`;
        case "ew":
          return `(${left} like '%' || ${right(p.add(escapeLike(s)))})`;
        case "ne":
          return `(${x.sql} is null or ${left} <> ${right(p.add(s))})`;
        default:
          return `(${left} ${SQL_OPS[op]} ${right(p.add(s))})`;
      }
    }
  }
}

export function presentScalar(x: Scalar): string {
  return x.kind === "text" ? `(${x.sql} is not null and ${x.sql} <> '')` : `(${x.sql} is not null)`;
}

/** The JSON array of a multi-valued attribute, or an empty one. */
export function arrayOf(jsonSql: string): string {
  return `(case jsonb_typeof(${jsonSql}) when 'array' then ${jsonSql} else '[]'::jsonb end)`;
}
