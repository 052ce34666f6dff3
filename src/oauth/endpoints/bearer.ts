import type { NextFunction, Request, Response } from "express";
import type { AppDeps } from "../../http/deps.js";
import type { ClientPrincipal } from "../../authz/principal.js";
import { FAILURE_DESCRIPTIONS, verifyToken } from "../token-service.js";
import { VerificationCache } from "../verification-cache.js";

export const REALM = "scim-bridge";

export function extractBearer(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  return m ? m[1]! : null;
}

/** How each surface renders an authentication failure in its own protocol's format. */
export type AuthFailureRenderer = (res: Response, status: 401 | 403, description: string) => void;

/**
 * RFC 6750 bearer authentication. On success the principal is on `res.locals.principal`; on failure
 * `WWW-Authenticate` names the problem (§3) and the surface renders the body.
 */
export function bearerAuth(deps: Pick<AppDeps, "store" | "clock" | "metrics" | "config">, renderFailure: AuthFailureRenderer) {
  const cache = new VerificationCache();
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    // RFC 6750 §2.3 allows the token in the URI only where nothing better works, and §5.3 warns that
    // URIs end up in logs and histories: a token sent there is refused, whether or not it is valid.
    if (/[?&]access_token=/i.test(req.originalUrl)) {
      deps.metrics.tokenChecks.inc({ outcome: "in_query" });
      const description = "send the token in the Authorization header: tokens in the URL are refused (RFC 6750 §5.3)";
      res.setHeader("WWW-Authenticate", `Bearer realm="${REALM}", error="invalid_request", error_description="${description}"`);
      renderFailure(res, 401, description);
      return;
    }
    const header = req.headers.authorization;
    const token = extractBearer(header);
    if (!token) {
      deps.metrics.tokenChecks.inc({ outcome: "missing" });
      const description = header ? "the Authorization header is not a Bearer token" : "no bearer token";
      res.setHeader(
        "WWW-Authenticate",
        header ? `Bearer realm="${REALM}", error="invalid_request", error_description="${description}"` : `Bearer realm="${REALM}"`,
      );
      renderFailure(res, 401, description);
      return;
    }
    try {
      const result = await verifyToken(deps.store, deps.clock, token, cache, { hipaaDefault: deps.config.HIPAA_COMPLIANCE });
      if (typeof result === "string") {
        deps.metrics.tokenChecks.inc({ outcome: result });
        const description = FAILURE_DESCRIPTIONS[result];
        res.setHeader("WWW-Authenticate", `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`);
        renderFailure(res, 401, description);
        return;
      }
      deps.metrics.tokenChecks.inc({ outcome: "valid" });
      res.locals.principal = result.principal;
      next();
    } catch (err) {
      next(err);
    }
  };
}

export function principalOf(res: Response): ClientPrincipal {
  const p = res.locals.principal as ClientPrincipal | undefined;
  if (!p) throw new Error("route mounted without bearerAuth");
  return p;
}

/** RFC 6750 §3.1 insufficient_scope for a valid token lacking the right. */
export function forbid(res: Response, renderFailure: AuthFailureRenderer, description: string): void {
  res.setHeader("WWW-Authenticate", `Bearer realm="${REALM}", error="insufficient_scope", error_description="${description}"`);
  renderFailure(res, 403, description);
}
