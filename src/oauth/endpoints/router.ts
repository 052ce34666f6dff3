import express, { type Router } from "express";
import type { AppDeps } from "../../http/deps.js";
import { OAuthError, oauthErrorHandler, sendOAuthError } from "./oauth-error.js";
import { AuthThrottle } from "../auth-throttle.js";
import { MAX_HEADER_BYTES, headerBytes } from "../../http/http-server.js";
import { clientAuthenticator } from "./client-auth.js";
import { metadataEndpoint } from "./metadata.js";
import { tokenEndpoint } from "./token.js";
import { introspectionEndpoint } from "./introspect.js";
import { revocationEndpoint } from "./revoke.js";

/** The authorization server: RFC 8414 metadata, the token endpoint, introspection and revocation. */
export function oauthRouter(deps: AppDeps): Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: 16 * 1024, parameterLimit: 50 });
  const throttle = new AuthThrottle(
    {
      perClient: deps.config.AUTH_FAILURES_PER_CLIENT,
      perAddress: deps.config.AUTH_FAILURES_PER_ADDRESS,
      windowSeconds: deps.config.AUTH_FAILURE_WINDOW_SECONDS,
    },
    deps.redis,
    `${deps.config.QUEUE_PREFIX}:auth-failures`,
  );
  const authenticate = clientAuthenticator(deps.store, throttle);

  router.use("/oauth", (req, res, next) => {
    if (headerBytes(req.rawHeaders) <= MAX_HEADER_BYTES) return next();
    sendOAuthError(res, new OAuthError(431, "invalid_request", `request headers exceed ${MAX_HEADER_BYTES} bytes`));
  });
  router.get("/.well-known/oauth-authorization-server", metadataEndpoint(deps));
  router.post("/oauth/token", form, tokenEndpoint(deps, authenticate));
  router.post("/oauth/introspect", form, introspectionEndpoint(deps, authenticate));
  router.post("/oauth/revoke", form, revocationEndpoint(deps, authenticate));
  router.use("/oauth", oauthErrorHandler(deps.config.BODY_LIMIT_BYTES));
  return router;
}
