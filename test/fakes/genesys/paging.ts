import { badRequest } from "./errors.js";

/** Genesys's page-number listing (docs/genesys-platform-api.md, "Paging and search"). */
export interface FakePage<T> {
  entities: T[];
  pageSize: number;
  pageNumber: number;
  total: number;
  pageCount: number;
  firstUri: string;
  selfUri: string;
  lastUri: string;
  nextUri?: string;
  previousUri?: string;
}

export interface PagingOptions {
  /** Page size when the request names none: 25 in Genesys [doc]. */
  defaultPageSize: number;
  /** Larger page sizes are clamped to this (the answer's pageSize says what was used). */
  maxPageSize: number;
  /** `nextUri` absent on the last page [guess]: set true to send it anyway. */
  nextUriOnLastPage: boolean;
}

function positiveInt(raw: string | null, name: string, fallback: number): number {
  if (raw === null || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw badRequest(`The ${name} parameter must be a positive integer, got "${raw}".`, name);
  return n;
}

/** Reads pageSize / pageNumber from a query string, with Genesys's defaults. */
export function pageParams(query: URLSearchParams, opts: PagingOptions): { pageSize: number; pageNumber: number } {
  return {
    pageSize: Math.min(positiveInt(query.get("pageSize"), "pageSize", opts.defaultPageSize), opts.maxPageSize),
    pageNumber: positiveInt(query.get("pageNumber"), "pageNumber", 1),
  };
}

/** One page of `items`; the URIs keep the request's other query parameters. */
export function paginate<T>(items: T[], path: string, query: URLSearchParams, opts: PagingOptions): FakePage<T> {
  const { pageSize, pageNumber } = pageParams(query, opts);
  const total = items.length;
  const pageCount = Math.ceil(total / pageSize);
  const uri = (n: number): string => {
    const q = new URLSearchParams(query);
    q.set("pageSize", String(pageSize));
    q.set("pageNumber", String(n));
    return `${path}?${q.toString()}`;
  };
  const page: FakePage<T> = {
    entities: items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
    pageSize,
    pageNumber,
    total,
    pageCount,
    firstUri: uri(1),
    selfUri: uri(pageNumber),
    lastUri: uri(Math.max(pageCount, 1)),
  };
  if (pageNumber < pageCount || opts.nextUriOnLastPage) page.nextUri = uri(pageNumber + 1);
  if (pageNumber > 1) page.previousUri = uri(pageNumber - 1);
  return page;
}

/**
 * The answer of POST /api/v2/users/search and /api/v2/groups/search: `results`, not `entities` [doc];
 * pageSize and pageNumber come in the body.
 */
export function searchAnswer<T>(
  found: T[],
  body: unknown,
  opts: PagingOptions,
  type: string,
): { total: number; pageCount: number; pageSize: number; pageNumber: number; types: string[]; results: T[] } {
  const b = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const q = new URLSearchParams();
  if (b.pageSize !== undefined) q.set("pageSize", String(b.pageSize));
  if (b.pageNumber !== undefined) q.set("pageNumber", String(b.pageNumber));
  const { pageSize, pageNumber } = pageParams(q, opts);
  return {
    total: found.length,
    pageCount: Math.ceil(found.length / pageSize),
    pageSize,
    pageNumber,
    types: [type],
    results: found.slice((pageNumber - 1) * pageSize, pageNumber * pageSize),
  };
}
