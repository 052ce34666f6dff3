import SCIMMY from "scimmy";
import { LIMITS } from "./limits.js";

let configured = false;

/**
 * SCIMMY's process-wide configuration, set once: ServiceProviderConfig says what is true of this
 * bridge (RFC 7643 §5). The bulk payload limit depends on each app's configuration, so it is filled
 * in per answer by `serviceProviderConfig`.
 */
export function configureScimmy(): void {
  if (configured) return;
  configured = true;
  // SCIMMY writes meta.location only under a base path, and keeps one for the process; each answer's
  // locations are rebuilt for the URL the request came to (response.ts), so any base does here
  for (const Resource of [
    SCIMMY.Resources.Schema,
    SCIMMY.Resources.ResourceType,
    SCIMMY.Resources.ServiceProviderConfig,
    SCIMMY.Resources.User,
    SCIMMY.Resources.Group,
  ])
    Resource.basepath("/scim/v2");
  SCIMMY.Config.set({
    patch: true,
    bulk: { supported: true, maxOperations: LIMITS.bulkOperations, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: LIMITS.maxResults },
    changePassword: false,
    sort: true,
    etag: true,
    authenticationSchemes: [],
  });
  SCIMMY.Config.set({
    authenticationSchemes: [
      {
        type: "oauthbearertoken",
        name: "OAuth Bearer Token",
        description: "An access token from this bridge's token endpoint (POST /oauth/token, client credentials)",
        specUri: "https://datatracker.ietf.org/doc/html/rfc6750",
        primary: true,
      },
    ],
  });
}

/** `GET /ServiceProviderConfig`, with this app's bulk payload limit (its BODY_LIMIT_BYTES). */
export async function serviceProviderConfig(query: Record<string, unknown>, bodyLimit: number): Promise<Record<string, unknown>> {
  const spc = JSON.parse(JSON.stringify(await new SCIMMY.Resources.ServiceProviderConfig(query as never).read())) as Record<
    string,
    unknown
  >;
  const bulk = spc.bulk as Record<string, unknown> | undefined;
  return bulk ? { ...spc, bulk: { ...bulk, maxPayloadSize: bodyLimit } } : spc;
}
