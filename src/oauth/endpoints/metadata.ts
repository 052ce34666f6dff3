import type { RequestHandler } from "express";
import type { AppDeps } from "../../http/deps.js";
import { issuerOf } from "./issuer.js";

/** RFC 8414 authorization server metadata: what openid-client's discovery reads. */
export function authorizationServerMetadata(issuer: string): Record<string, unknown> {
  return {
    issuer,
    token_endpoint: `${issuer}/oauth/token`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    grant_types_supported: ["client_credentials"],
    response_types_supported: [],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    revocation_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
  };
}

/** `GET /.well-known/oauth-authorization-server` */
export function metadataEndpoint(deps: Pick<AppDeps, "config">): RequestHandler {
  return (req, res) => {
    res.json(authorizationServerMetadata(issuerOf(req, deps.config.PUBLIC_URL)));
  };
}
