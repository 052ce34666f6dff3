import { paginate } from "./paging.js";
import { ID, expandOf, route, type Route, type RouteDeps } from "./routing.js";
import type { RoutingKind } from "./state-routing.js";

/**
 * Routing skills and languages (catalogs and a user's assignments) and user external ids
 * (docs/genesys-platform-api.md, "Routing skills and languages" and "External ids"). Languages have no PUT .../bulk [doc]: that
 * path answers 405.
 */

const idsOf = (q: URLSearchParams): string[] =>
  q
    .getAll("id")
    .flatMap((e) => e.split(","))
    .map((s) => s.trim())
    .filter(Boolean);

export function routingRoutes({ org, paging }: RouteDeps): Route[] {
  const { routing, externalIds } = org;

  /** The user's whole list after a bulk call, as one UserSkillEntityListing / UserLanguageEntityListing page [guess: all of them]. */
  const listing = (kind: RoutingKind, userId: string): Record<string, unknown> => {
    const entities = routing.entriesView(kind, userId);
    const path = `/api/v2/users/${userId}/${kind === "skill" ? "routingskills" : "routinglanguages"}`;
    return {
      entities,
      pageSize: entities.length,
      pageNumber: 1,
      total: entities.length,
      pageCount: entities.length ? 1 : 0,
      selfUri: path,
    };
  };

  const kindRoutes = (kind: RoutingKind, catalogPath: string, userPath: string, updateMethod: "PUT" | "PATCH"): Route[] => [
    route("GET", catalogPath, ({ query }) => ({
      status: 200,
      body: paginate(
        routing.list(kind, query.get("name"), idsOf(query)).map((e) => routing.catalogView(kind, e)),
        catalogPath,
        query,
        paging,
      ),
    })),
    route("GET", `${catalogPath}/${ID}`, ({ params }) => ({ status: 200, body: routing.catalogView(kind, routing.get(kind, params[0]!)) })),
    route("GET", `/api/v2/users/${ID}/${userPath}`, ({ params, query }) => ({
      status: 200,
      body: paginate(routing.userView(kind, params[0]!, query.get("sortOrder")), `/api/v2/users/${params[0]}/${userPath}`, query, paging),
    })),
    route("PATCH", `/api/v2/users/${ID}/${userPath}/bulk`, ({ params, body }) => {
      routing.patchBulk(kind, params[0]!, body);
      return { status: 200, body: listing(kind, params[0]!) };
    }),
    ...(kind === "skill"
      ? [
          route("PUT", `/api/v2/users/${ID}/${userPath}/bulk`, ({ params, body }) => {
            routing.putBulk(kind, params[0]!, body);
            return { status: 200, body: listing(kind, params[0]!) };
          }),
        ]
      : []),
    route("POST", `/api/v2/users/${ID}/${userPath}`, ({ params, body }) => {
      const id = routing.addOne(kind, params[0]!, body);
      return { status: 200, body: routing.entriesView(kind, params[0]!).find((e) => e.id === id) };
    }),
    route(updateMethod, `/api/v2/users/${ID}/${userPath}/${ID}`, ({ params, body }) => {
      routing.updateOne(kind, params[0]!, params[1]!, body);
      return { status: 200, body: routing.entriesView(kind, params[0]!).find((e) => e.id === params[1]) };
    }),
    // 204 [guess]: the SDK says only "void"
    route("DELETE", `/api/v2/users/${ID}/${userPath}/${ID}`, ({ params }) => {
      routing.removeOne(kind, params[0]!, params[1]!);
      return { status: 204 };
    }),
  ];

  return [
    ...kindRoutes("skill", "/api/v2/routing/skills", "routingskills", "PUT"),
    ...kindRoutes("language", "/api/v2/routing/languages", "routinglanguages", "PATCH"),

    // ---- external ids (docs/genesys-platform-api.md, "External ids") ----
    // Before /api/v2/users/{id}/externalid/…: "externalid" here is a literal segment
    route("GET", `/api/v2/users/externalid/${ID}/${ID}`, ({ params, query }) => ({
      status: 200,
      body: org.userView(externalIds.userOf(params[0]!, params[1]!), expandOf(query)),
    })),
    route("GET", `/api/v2/users/${ID}/externalid`, ({ params }) => ({ status: 200, body: externalIds.list(params[0]!) })),
    route("POST", `/api/v2/users/${ID}/externalid`, ({ params, body }) => ({ status: 200, body: externalIds.add(params[0]!, body) })),
    route("GET", `/api/v2/users/${ID}/externalid/${ID}`, ({ params }) => ({
      status: 200,
      body: externalIds.forAuthority(params[0]!, params[1]!),
    })),
    // 204 [guess]: the SDK says only "void"
    route("DELETE", `/api/v2/users/${ID}/externalid/${ID}/${ID}`, ({ params }) => {
      externalIds.remove(params[0]!, params[1]!, params[2]!);
      return { status: 204 };
    }),
  ];
}
