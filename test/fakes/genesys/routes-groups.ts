import { paginate, searchAnswer } from "./paging.js";
import { ID, expandOf, route, type Route, type RouteDeps } from "./routing.js";

/** The group routes (docs/genesys-platform-api.md, "Groups"): listing, search, create, read, delete, members and individuals. */
export function groupRoutes({ org, paging, memberCallStatus, maxMembersPerCall }: RouteDeps): Route[] {
  const groups = org.groups;
  return [
    route("GET", "/api/v2/groups", ({ query }) => ({
      status: 200,
      body: paginate(
        groups.list().map((g) => groups.view(g)),
        "/api/v2/groups",
        query,
        paging,
      ),
    })),
    route("POST", "/api/v2/groups", ({ body }) => ({ status: 200, body: groups.view(groups.create(body)) })),
    // {query: [{type: "EXACT", fields: ["name"], value}]}, as Genesys's provider finds a group by name
    // (docs/genesys-platform-api.md, "Calls the sync makes")
    route("POST", "/api/v2/groups/search", ({ body }) => ({
      status: 200,
      body: searchAnswer(
        groups.search(body).map((g) => groups.view(g)),
        body,
        paging,
        "groups",
      ),
    })),
    route("GET", `/api/v2/groups/${ID}`, ({ params }) => ({ status: 200, body: groups.view(groups.get(params[0]!)) })),
    route("PUT", `/api/v2/groups/${ID}`, ({ params, body }) => ({ status: 200, body: groups.view(groups.update(params[0]!, body)) })),
    // 204 [guess]: the provider's comment says "Directory always returns a 200 on the delete" (docs/genesys-platform-api.md, "Groups")
    route("DELETE", `/api/v2/groups/${ID}`, ({ params }) => {
      groups.delete(params[0]!);
      return { status: 204 };
    }),
    route("GET", `/api/v2/groups/${ID}/members`, ({ params, query }) => ({
      status: 200,
      body: paginate(
        groups.members(params[0]!).map((u) => org.userView(u, expandOf(query))),
        `/api/v2/groups/${params[0]}/members`,
        query,
        paging,
      ),
    })),
    // A UserEntityListing without paging parameters (GroupsApi getGroupIndividuals; docs/genesys-platform-api.md, "Paging and
    // search"): one page holding every individual
    route("GET", `/api/v2/groups/${ID}/individuals`, ({ params }) => {
      const entities = groups.individuals(params[0]!).map((u) => org.userView(u));
      return {
        status: 200,
        body: { entities, pageSize: entities.length, pageNumber: 1, total: entities.length, pageCount: entities.length ? 1 : 0 },
      };
    }),
    route("POST", `/api/v2/groups/${ID}/members`, ({ params, body }) => {
      groups.addMembers(params[0]!, body, maxMembersPerCall);
      return { status: memberCallStatus };
    }),
    route("DELETE", `/api/v2/groups/${ID}/members`, ({ params, query }) => {
      groups.removeMembers(params[0]!, query.get("ids"), maxMembersPerCall);
      return { status: memberCallStatus };
    }),
  ];
}
