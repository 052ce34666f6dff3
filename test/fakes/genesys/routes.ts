import { badRequest, FakeGenesysError } from "./errors.js";
import type { FakeFaults } from "./faults.js";
import { paginate, pageParams, type PagingOptions } from "./paging.js";
import type { FakeGenesysOrg } from "./state.js";

/** The Platform API routes of docs/genesys-platform-api.md, over the in-memory org. */

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
  /** Status of POST / DELETE /api/v2/groups/{id}/members [guess: 202, empty body]. */
  memberCallStatus: number;
  /** Ids a member call may carry [doc: 50]. */
  maxMembersPerCall: number;
}

interface Route {
  method: string;
  pattern: RegExp;
  handle: (req: RouteRequest) => RouteResult;
}

const ID = "([^/]+)";
const expandOf = (q: URLSearchParams): string[] => q.getAll("expand").flatMap((e) => e.split(",").map((s) => s.trim()));
const idsOf = (q: URLSearchParams): string[] =>
  q
    .getAll("id")
    .flatMap((e) => e.split(",").map((s) => s.trim()))
    .filter(Boolean);
const bodyObject = (body: unknown): Record<string, unknown> =>
  typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};

export function buildRoutes({ org, faults, paging, memberCallStatus, maxMembersPerCall }: RouteDeps): Route[] {
  const route = (method: string, path: string, handle: Route["handle"]): Route => ({ method, pattern: new RegExp(`^${path}$`), handle });
  const rejectCheck = (method: "POST" | "PATCH", body: unknown, id?: string): void => {
    const u = id ? org.users.get(id) : undefined;
    const err = faults.checkUser({ method, id, body: bodyObject(body), user: u ? org.userView(u, ["employerInfo"]) : undefined });
    if (err) throw err;
  };

  return [
    // ---- users ----
    route("GET", "/api/v2/users", ({ query }) => {
      const ids = idsOf(query);
      const users = org.listUsers(query.get("state")).filter((u) => ids.length === 0 || ids.includes(u.id));
      const expand = expandOf(query);
      return {
        status: 200,
        body: paginate(
          users.map((u) => org.userView(u, expand)),
          "/api/v2/users",
          query,
          paging,
        ),
      };
    }),
    route("POST", "/api/v2/users", ({ body, query }) => {
      rejectCheck("POST", body);
      return { status: 200, body: org.userView(org.createUser(body), expandOf(query)) };
    }),
    route("POST", "/api/v2/users/search", ({ body }) => {
      const b = bodyObject(body);
      const q = new URLSearchParams();
      if (b.pageSize !== undefined) q.set("pageSize", String(b.pageSize));
      if (b.pageNumber !== undefined) q.set("pageNumber", String(b.pageNumber));
      const { pageSize, pageNumber } = pageParams(q, paging);
      const found = org.searchUsers(body);
      const expand = Array.isArray(b.expand) ? (b.expand as unknown[]).map(String) : [];
      return {
        status: 200,
        body: {
          total: found.length,
          pageCount: Math.ceil(found.length / pageSize),
          pageSize,
          pageNumber,
          types: ["users"],
          results: found.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map((u) => org.userView(u, expand)),
        },
      };
    }),
    route("GET", `/api/v2/users/${ID}`, ({ params, query }) => {
      const state = query.get("state");
      if (state !== null && state !== "active" && state !== "deleted")
        throw badRequest(`The state ${state} is not one of active, deleted.`, "state");
      return { status: 200, body: org.userView(org.getUser(params[0]!, state === "deleted"), expandOf(query)) };
    }),
    route("PATCH", `/api/v2/users/${ID}`, ({ params, body, query }) => {
      rejectCheck("PATCH", body, params[0]);
      return { status: 200, body: org.userView(org.updateUser(params[0]!, body), expandOf(query)) };
    }),
    route("DELETE", `/api/v2/users/${ID}`, ({ params }) => {
      org.deleteUser(params[0]!);
      return { status: 200, body: {} };
    }),

    // ---- divisions ----
    route("GET", "/api/v2/authorization/divisions", ({ query }) => {
      const ids = idsOf(query);
      const name = query.get("name");
      const divisions = [...org.divisions.values()].filter(
        (d) => (ids.length === 0 || ids.includes(d.id)) && (name === null || d.name.toLowerCase() === name.toLowerCase()),
      );
      return {
        status: 200,
        body: paginate(
          divisions.map((d) => org.divisionView(d)),
          "/api/v2/authorization/divisions",
          query,
          paging,
        ),
      };
    }),
    route("GET", "/api/v2/authorization/divisions/home", () => ({
      status: 200,
      body: org.divisionView(org.divisions.get(org.homeDivisionId)!),
    })),
    route("GET", `/api/v2/authorization/divisions/${ID}`, ({ params }) => {
      const d = org.divisions.get(params[0]!);
      if (!d) throw new FakeGenesysError(404, `The requested division ${params[0]} was not found.`, "not.found", { entityId: params[0] });
      return { status: 200, body: org.divisionView(d) };
    }),
    route("POST", `/api/v2/authorization/divisions/${ID}/objects/USER`, ({ params, body }) => {
      org.moveUsers(params[0]!, body);
      return { status: 204 };
    }),

    // ---- groups ----
    route("GET", "/api/v2/groups", ({ query }) => ({
      status: 200,
      body: paginate(
        [...org.groups.values()].map((g) => org.groupView(g)),
        "/api/v2/groups",
        query,
        paging,
      ),
    })),
    route("POST", "/api/v2/groups", ({ body }) => ({ status: 200, body: org.groupView(org.createGroup(body)) })),
    route("GET", `/api/v2/groups/${ID}`, ({ params }) => ({ status: 200, body: org.groupView(org.group(params[0]!)) })),
    route("DELETE", `/api/v2/groups/${ID}`, ({ params }) => {
      org.deleteGroup(params[0]!);
      return { status: 200 };
    }),
    route("GET", `/api/v2/groups/${ID}/members`, ({ params, query }) => ({
      status: 200,
      body: paginate(
        org.members(params[0]!).map((u) => org.userView(u, expandOf(query))),
        `/api/v2/groups/${params[0]}/members`,
        query,
        paging,
      ),
    })),
    route("POST", `/api/v2/groups/${ID}/members`, ({ params, body }) => {
      org.addMembers(params[0]!, body, maxMembersPerCall);
      return { status: memberCallStatus };
    }),
    route("DELETE", `/api/v2/groups/${ID}/members`, ({ params, query }) => {
      org.removeMembers(params[0]!, query.get("ids"), maxMembersPerCall);
      return { status: memberCallStatus };
    }),
  ];
}

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
