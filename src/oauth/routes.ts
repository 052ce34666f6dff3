import express, { type Request, type Response, type Router } from "express";
import type { AppDeps } from "../http/deps.js";
import { OAuthError } from "./oauth-error.js";
import { readClientCredentials, readForm } from "./client-auth.js";
import { authenticateClient, issueToken, revokeToken, verifyToken, type AuthenticatedClient } from "./token-service.js";
import { loadClientAccess } from "./token-store.js";
import { mayDo } from "../authz/permissions.js";

/** The issuer: PUBLIC_URL, or where this request reached us (so discovery works on any port in tests). */
export function issuerOf(req: Request, publicUrl: string): string {
  return publicUrl || `${req.protocol}://${req.get("host")}`;
}

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

function noStore(res: Response): void {
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("Pragma", "no-cache");
}

async function authenticate(deps: AppDeps, req: Request, form: Record<string, string>): Promise<AuthenticatedClient> {
  const creds = readClientCredentials(req, form);
  const client = await authenticateClient(deps.store, creds.clientId, creds.secret);
  if (!client) {
    throw new OAuthError(401, "invalid_client", "client authentication failed", `client ${creds.clientId} (${creds.method})`);
  }
  return client;
}

/** Renders an OAuth error (RFC 6749 §5.2); 401 carries the challenge of the method the client used. */
export function sendOAuthError(res: Response, err: OAuthError): void {
  noStore(res);
  if (err.status === 401) res.setHeader("WWW-Authenticate", 'Basic realm="scim-bridge"');
  res.status(err.status).json(err);
}

export function oauthRouter(deps: AppDeps): Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: 16 * 1024, parameterLimit: 50 });

  router.get("/.well-known/oauth-authorization-server", (req, res) => {
    res.json(authorizationServerMetadata(issuerOf(req, deps.config.PUBLIC_URL)));
  });

  /** RFC 6749 §4.4: the client-credentials grant. */
  router.post("/oauth/token", form, async (req, res) => {
    const log = req.log.child({ category: "oauth" });
    try {
      const params = readForm(req);
      if (!params.grant_type) throw new OAuthError(400, "invalid_request", "grant_type is required");
      const client = await authenticate(deps, req, params);
      if (params.grant_type !== "client_credentials") throw new OAuthError(400, "unsupported_grant_type", `grant_type ${JSON.stringify(params.grant_type)} is not supported; use client_credentials`);
      if (params.scope !== undefined && params.scope.trim() !== "") {
        throw new OAuthError(400, "invalid_scope", "client-credentials clients carry roles, not scopes: omit scope");
      }
      const token = await issueToken(deps.store, deps.clock, client);
      deps.metrics.tokensIssued.inc({ outcome: "issued" });
      log.info({ clientId: client.id, expiresIn: token.expires_in }, "token issued");
      noStore(res);
      res.json(token);
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      deps.metrics.tokensIssued.inc({ outcome: err.code });
      log.info({ error: err.code, detail: err.detail ?? err.description }, "token refused");
      sendOAuthError(res, err);
    }
  });

  /** RFC 7662: a client may introspect its own tokens; a client holding bridge:client:view any token. */
  router.post("/oauth/introspect", form, async (req, res) => {
    try {
      const params = readForm(req);
      const caller = await authenticate(deps, req, params);
      if (!params.token) throw new OAuthError(400, "invalid_request", "token is required");
      noStore(res);
      const info = await verifyToken(deps.store, deps.clock, params.token, undefined, { hipaaDefault: deps.config.HIPAA_COMPLIANCE });
      if (typeof info === "string") {
        res.json({ active: false });
        return;
      }
      if (info.clientId !== caller.id) {
        const callerRec = (await loadClientAccess(deps.store, caller.id))?.grants ?? [];
        if (!mayDo(callerRec, "bridge:client:view")) {
          res.json({ active: false });
          return;
        }
      }
      res.json({
        active: true,
        client_id: info.clientId,
        sub: info.clientId,
        token_type: "Bearer",
        iat: Math.floor(info.issuedAt.getTime() / 1000),
        exp: Math.floor(info.expiresAt.getTime() / 1000),
        iss: issuerOf(req, deps.config.PUBLIC_URL),
      });
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      sendOAuthError(res, err);
    }
  });

  /** RFC 7009: always 200 for a well-formed request, whether or not the token existed. */
  router.post("/oauth/revoke", form, async (req, res) => {
    const log = req.log.child({ category: "oauth" });
    try {
      const params = readForm(req);
      const caller = await authenticate(deps, req, params);
      if (!params.token) throw new OAuthError(400, "invalid_request", "token is required");
      const grants = (await loadClientAccess(deps.store, caller.id))?.grants ?? [];
      const revoked = await revokeToken(deps.store, params.token, { clientId: caller.id, mayRevokeAny: mayDo(grants, "bridge:token:revoke") });
      log.info({ clientId: caller.id, revoked }, "revocation");
      noStore(res);
      res.status(200).end();
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      sendOAuthError(res, err);
    }
  });

  return router;
}

