import { parseAttrPath, parseFilter } from "./filter.js";
import { DEFAULT_COUNT, MAX_COUNT, type ListQuery } from "./context.js";
import { ScimError } from "./scim-error.js";

/** The raw list parameters, from a query string or a SearchRequest body (RFC 7644 §3.4.2, §3.4.3). */
export interface RawListParams {
  filter?: unknown;
  sortBy?: unknown;
  sortOrder?: unknown;
  startIndex?: unknown;
  count?: unknown;
}

/** No store holds more resources than this; a startIndex past it answers an empty page. */
export const MAX_START_INDEX = 2_147_483_647;

function integer(v: unknown, name: string): number | undefined {
  if (v === undefined || v === "") return undefined;
  const n = typeof v === "number" ? v : typeof v === "string" && /^[-+]?\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw new ScimError(400, "invalidValue", `${name} must be an integer; got ${JSON.stringify(v)}`);
  return n;
}

/**
 * RFC 7644 §3.4.2.4: startIndex below 1 is read as 1, a negative count as 0; count defaults to 100 and
 * is capped at 1000 (ServiceProviderConfig's filter.maxResults).
 */
export function parseListParams(raw: RawListParams): ListQuery {
  if (raw.filter !== undefined && typeof raw.filter !== "string") throw new ScimError(400, "invalidFilter", "filter must be a string");
  if (raw.sortBy !== undefined && typeof raw.sortBy !== "string")
    throw new ScimError(400, "invalidValue", "sortBy must be an attribute path");
  const order = raw.sortOrder === undefined ? "ascending" : String(raw.sortOrder).toLowerCase();
  if (order !== "ascending" && order !== "descending")
    throw new ScimError(400, "invalidValue", `sortOrder must be ascending or descending; got ${JSON.stringify(raw.sortOrder)}`);
  // Beyond any possible total, a page is empty: clamped so the store's 64-bit OFFSET never overflows
  const startIndex = Math.min(MAX_START_INDEX, Math.max(1, integer(raw.startIndex, "startIndex") ?? 1));
  const count = Math.min(MAX_COUNT, Math.max(0, integer(raw.count, "count") ?? DEFAULT_COUNT));
  return {
    filter: raw.filter && (raw.filter as string).trim() ? parseFilter(raw.filter as string) : undefined,
    sortBy: raw.sortBy ? parseAttrPath(raw.sortBy as string, (d) => new ScimError(400, "invalidValue", `sortBy: ${d}`)) : undefined,
    descending: order === "descending",
    startIndex,
    count,
  };
}
