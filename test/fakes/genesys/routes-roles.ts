import { paginate } from "./paging.js";
import { ID, route, type Route, type RouteDeps } from "./routing.js";

/**
 * Roles and a user's role grants (platform-client-sdk-javascript build/docs/AuthorizationApi.md:
 * getAuthorizationRoles, getAuthorizationRole, getAuthorizationSubject, postAuthorizationSubjectBulkadd,
 * postAuthorizationSubjectBulkremove). The model is state-roles.ts.
 */

const idsOf = (q: URLSearchParams): string[] =>
  q
    .getAll("id")
    .flatMap((e) => e.split(","))
    .map((s) => s.trim())
    .filter(Boolean);

export function roleRoutes({ org, paging }: RouteDeps): Route[] {
  const { roles } = org;
  // userCount defaults to true [doc: getAuthorizationRoles "[default to true]"]
  const withUserCount = (q: URLSearchParams): boolean => q.get("userCount") !== "false";

  return [
    route("GET", "/api/v2/authorization/roles", ({ query }) => ({
      status: 200,
      body: paginate(
        roles.list(query.get("name"), idsOf(query)).map((r) => roles.roleView(r, withUserCount(query))),
        "/api/v2/authorization/roles",
        query,
        paging,
      ),
    })),
    route("GET", `/api/v2/authorization/roles/${ID}`, ({ params, query }) => ({
      status: 200,
      body: roles.roleView(roles.get(params[0]!), withUserCount(query)),
    })),
    route("GET", `/api/v2/authorization/subjects/${ID}`, ({ params }) => ({ status: 200, body: roles.subjectView(params[0]!) })),
    // 204 [guess]: the SDK says only "void (no response body)"
    route("POST", `/api/v2/authorization/subjects/${ID}/bulkadd`, ({ params, body, query }) => {
      roles.bulkAdd(params[0]!, body, query.get("subjectType"));
      return { status: 204 };
    }),
    // no subjectType here [doc: postAuthorizationSubjectBulkremove(subjectId, body)]
    route("POST", `/api/v2/authorization/subjects/${ID}/bulkremove`, ({ params, body }) => {
      roles.bulkRemove(params[0]!, body);
      return { status: 204 };
    }),
  ];
}
