import type { FakeFaults } from "./faults.js";
import type { PagingOptions } from "./paging.js";
import type { FakeGenesysOrg } from "./state.js";

/** What the route tables (routes.ts, routes-groups.ts) share. */

export interface RouteRequest {
  params: string[];
  query: URLSearchParams;
  body: unknown;
}

export interface RouteResult {
  status: number;
  /** Omitted: no body at all (204, and 202 on group members). */
  body?: unknown;
}

export interface RouteDeps {
  org: FakeGenesysOrg;
  faults: FakeFaults;
  paging: PagingOptions;
  /**
   * Status of POST / DELETE /api/v2/groups/{id}/members [guess: 202, empty body; docs/genesys-platform-api.md, "Groups": the
   * status is not documented].
   */
  memberCallStatus: number;
  /** Ids a member call may carry [doc: 50]. */
  maxMembersPerCall: number;
}

export interface Route {
  method: string;
  pattern: RegExp;
  handle: (req: RouteRequest) => RouteResult;
}

export const ID = "([^/]+)";

export const route = (method: string, path: string, handle: Route["handle"]): Route => ({
  method,
  pattern: new RegExp(`^${path}$`),
  handle,
});

export const expandOf = (q: URLSearchParams): string[] => q.getAll("expand").flatMap((e) => e.split(",").map((s) => s.trim()));

/** The route for a request, with its decoded path parameters. */
export function matchRoute(routes: Route[], method: string, path: string): { route: Route; params: string[] } | { allowed: string[] } {
  const allowed: string[] = [];
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    if (r.method !== method) {
      allowed.push(r.method);
      continue;
    }
    return { route: r, params: m.slice(1).map((p) => decodeURIComponent(p)) };
  }
  return { allowed };
}
