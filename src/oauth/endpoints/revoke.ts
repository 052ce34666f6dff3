import type { RequestHandler } from "express";
import type { AppDeps } from "../../http/deps.js";
import { OAuthError, noStore } from "./oauth-error.js";
import { readForm, type AuthenticateClient } from "./client-auth.js";
import { revokeToken } from "../token-service.js";
import { loadClientAccess } from "../token-store.js";
import { mayDo, ungrantable } from "../../authz/permissions.js";
import { heldGrantsOf } from "../../authz/admin-guard.js";

/** `POST /oauth/revoke`: RFC 7009, always 200 for a well-formed request, whether or not the token existed. */
export function revocationEndpoint(deps: Pick<AppDeps, "store">, authenticate: AuthenticateClient): RequestHandler {
  return async (req, res) => {
    const log = req.log.child({ category: "oauth" });
    const params = readForm(req);
    const caller = await authenticate(req, params);
    if (!params.token) throw new OAuthError(400, "invalid_request", "token is required");
    const grants = (await loadClientAccess(deps.store, caller.id))?.grants ?? [];
    // another client's token: bridge:token:revoke, and the grant rule (could the caller grant the owner's roles?)
    const mayRevokeOthers = async (ownerId: string) =>
      mayDo(grants, "bridge:token:revoke") && ungrantable(grants, await heldGrantsOf(deps.store, ownerId)).length === 0;
    const revoked = await revokeToken(deps.store, params.token, { clientId: caller.id, mayRevokeOthers });
    log.info({ clientId: caller.id, revoked }, "revocation");
    noStore(res);
    res.status(200).end();
  };
}
