import { FakeGenesysError } from "./errors.js";
import { paginate, searchAnswer } from "./paging.js";
import { groupRoutes } from "./routes-groups.js";
import { roleRoutes } from "./routes-roles.js";
import { routingRoutes } from "./routes-routing.js";
import { ID, expandOf, route, type Route, type RouteDeps } from "./routing.js";

export { matchRoute, type Route, type RouteDeps, type RouteRequest, type RouteResult } from "./routing.js";

/** The Platform API routes of docs/genesys-platform-api.md, over the in-memory org. */

const idsOf = (q: URLSearchParams): string[] =>
  q
    .getAll("id")
    .flatMap((e) => e.split(",").map((s) => s.trim()))
    .filter(Boolean);
const bodyObject = (body: unknown): Record<string, unknown> =>
  typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};

export function buildRoutes(deps: RouteDeps): Route[] {
  const { org, faults, paging } = deps;
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
      const expand = Array.isArray(b.expand) ? (b.expand as unknown[]).map(String) : [];
      return {
        status: 200,
        body: searchAnswer(
          org.searchUsers(body).map((u) => org.userView(u, expand)),
          body,
          paging,
          "users",
        ),
      };
    }),
    route("GET", `/api/v2/users/${ID}`, ({ params, query }) => ({
      status: 200,
      body: org.userView(org.getUser(params[0]!, query.get("state")), expandOf(query)),
    })),
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

    ...groupRoutes(deps),
    ...routingRoutes(deps),
    ...roleRoutes(deps),
  ];
}
