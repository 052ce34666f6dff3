import express, { type Request, type Response, type Router } from "express";
import type { AppDeps } from "../http/deps.js";
import { OAuthError } from "./oauth-error.js";
import { AuthThrottle } from "./auth-throttle.js";
import { MAX_HEADER_BYTES, headerBytes } from "../http/http-server.js";
import { readClientCredentials, readForm } from "./client-auth.js";
import { authenticateClient, issueToken, revokeToken, verifyToken, type AuthenticatedClient } from "./token-service.js";
import { loadClientAccess } from "./token-store.js";
import { mayDo, ungrantable } from "../authz/permissions.js";
import { heldGrantsOf } from "../authz/admin-guard.js";

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

/**
 * Client authentication (RFC 6749 §2.3.1), throttled: after too many failures for the client id or
 * the source address within the window, every attempt (even with the right secret) gets 429 until it
 * ends, so secrets cannot be guessed at speed.
 */
async function authenticate(deps: AppDeps, throttle: AuthThrottle, req: Request, form: Record<string, string>): Promise<AuthenticatedClient> {
  const address = req.ip ?? req.socket.remoteAddress ?? "unknown";
  let creds: ReturnType<typeof readClientCredentials>;
  try {
    creds = readClientCredentials(req, form);
  } catch (err) {
    if (err instanceof OAuthError && err.code === "invalid_client") await throttle.failed(undefined, address);
    throw err;
  }
  const wait = await throttle.retryAfter(creds.clientId, address);
  if (wait > 0) throw new OAuthError(429, "temporarily_unavailable", `too many failed client authentications; retry after ${wait} s`, `client ${creds.clientId} throttled from ${address}`, wait);
  const client = await authenticateClient(deps.store, creds.clientId, creds.secret);
  if (!client) {
    await throttle.failed(creds.clientId, address);
    throw new OAuthError(401, "invalid_client", "client authentication failed", `client ${creds.clientId} (${creds.method})`);
  }
  return client;
}

/** Renders an OAuth error (RFC 6749 §5.2); 401 carries the challenge of the method the client used. */
export function sendOAuthError(res: Response, err: OAuthError): void {
  noStore(res);
  if (err.status === 401) res.setHeader("WWW-Authenticate", 'Basic realm="scim-bridge"');
  if (err.retryAfter !== undefined) res.setHeader("Retry-After", String(err.retryAfter));
  res.status(err.status).json(err);
}

export function oauthRouter(deps: AppDeps): Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: 16 * 1024, parameterLimit: 50 });
  const throttle = new AuthThrottle(
    { perClient: deps.config.AUTH_FAILURES_PER_CLIENT, perAddress: deps.config.AUTH_FAILURES_PER_ADDRESS, windowSeconds: deps.config.AUTH_FAILURE_WINDOW_SECONDS },
    deps.redis,
    `${deps.config.QUEUE_PREFIX}:auth-failures`,
  );

  router.use("/oauth", (req, res, next) => {
    if (headerBytes(req.rawHeaders) <= MAX_HEADER_BYTES) return next();
    sendOAuthError(res, new OAuthError(431, "invalid_request", `request headers exceed ${MAX_HEADER_BYTES} bytes`));
  });

  router.get("/.well-known/oauth-authorization-server", (req, res) => {
    res.json(authorizationServerMetadata(issuerOf(req, deps.config.PUBLIC_URL)));
  });

  /** RFC 6749 §4.4: the client-credentials grant. */
  router.post("/oauth/token", form, async (req, res) => {
    const log = req.log.child({ category: "oauth" });
    try {
      const params = readForm(req);
      if (!params.grant_type) throw new OAuthError(400, "invalid_request", "grant_type is required");
      const client = await authenticate(deps, throttle, req, params);
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
      const caller = await authenticate(deps, throttle, req, params);
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
      const caller = await authenticate(deps, throttle, req, params);
      if (!params.token) throw new OAuthError(400, "invalid_request", "token is required");
      const grants = (await loadClientAccess(deps.store, caller.id))?.grants ?? [];
      // another client's token: bridge:token:revoke, and the grant rule (could the caller grant the owner's roles?)
      const mayRevokeOthers = async (ownerId: string) => mayDo(grants, "bridge:token:revoke") && ungrantable(grants, await heldGrantsOf(deps.store, ownerId)).length === 0;
      const revoked = await revokeToken(deps.store, params.token, { clientId: caller.id, mayRevokeOthers });
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

