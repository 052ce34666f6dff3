import type { RequestHandler } from "express";
import type { AppDeps } from "../../http/deps.js";
import { OAuthError, noStore } from "./oauth-error.js";
import { readForm, type AuthenticateClient } from "./client-auth.js";
import { issuerOf } from "./issuer.js";
import { verifyToken } from "../token-service.js";
import { loadClientAccess } from "../token-store.js";
import { mayDo } from "../../authz/permissions.js";

/** `POST /oauth/introspect`: RFC 7662; a client may introspect its own tokens, one holding bridge:client:view any token. */
export function introspectionEndpoint(deps: Pick<AppDeps, "store" | "clock" | "config">, authenticate: AuthenticateClient): RequestHandler {
  return async (req, res) => {
    const params = readForm(req);
    const caller = await authenticate(req, params);
    if (!params.token) throw new OAuthError(400, "invalid_request", "token is required");
    noStore(res);
    const info = await verifyToken(deps.store, deps.clock, params.token, undefined, { hipaaDefault: deps.config.HIPAA_COMPLIANCE });
    if (typeof info === "string") {
      res.json({ active: false });
      return;
    }
    if (info.clientId !== caller.id) {
      const callerGrants = (await loadClientAccess(deps.store, caller.id))?.grants ?? [];
      if (!mayDo(callerGrants, "bridge:client:view")) {
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
  };
}
