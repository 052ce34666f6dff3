import type { RequestHandler } from "express";
import type { AppDeps } from "../../http/deps.js";
import { OAuthError, toOAuthError, noStore } from "./oauth-error.js";
import { readForm, type AuthenticateClient } from "./client-auth.js";
import { issueToken } from "../token-service.js";

/** `POST /oauth/token`: RFC 6749 §4.4, the client-credentials grant. */
export function tokenEndpoint(
  deps: Pick<AppDeps, "store" | "clock" | "metrics" | "config">,
  authenticate: AuthenticateClient,
): RequestHandler {
  return async (req, res) => {
    const log = req.log.child({ category: "oauth" });
    try {
      const params = readForm(req);
      if (!params.grant_type) throw new OAuthError(400, "invalid_request", "grant_type is required");
      const client = await authenticate(req, params);
      if (params.grant_type !== "client_credentials")
        throw new OAuthError(
          400,
          "unsupported_grant_type",
          `grant_type ${JSON.stringify(params.grant_type)} is not supported; use client_credentials`,
        );
      if (params.scope !== undefined && params.scope.trim() !== "") {
        throw new OAuthError(400, "invalid_scope", "client-credentials clients carry roles, not scopes: omit scope");
      }
      const token = await issueToken(deps.store, deps.clock, client);
      deps.metrics.tokensIssued.inc({ outcome: "issued" });
      log.info({ clientId: client.id, expiresIn: token.expires_in }, "token issued");
      noStore(res);
      res.json(token);
    } catch (err) {
      // counted and logged here; rendered by the router's error handler
      const refused = toOAuthError(err, deps.config.BODY_LIMIT_BYTES);
      if (refused && refused.status < 500) {
        deps.metrics.tokensIssued.inc({ outcome: refused.code });
        log.info({ error: refused.code, detail: refused.detail ?? refused.description }, "token refused");
      }
      throw err;
    }
  };
}
