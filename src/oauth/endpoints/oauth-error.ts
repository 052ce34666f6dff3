import type { ErrorRequestHandler, Response } from "express";
import { domainErrorIn } from "../../errors/domain-error.js";
import { describeReadFailure } from "../../http/body-errors.js";

/**
 * RFC 6749 §5.2 errors (and RFC 6750 §3.1 for protected resources). The public description goes in
 * the response; `detail` is for the log only.
 */
export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "invalid_token"
  | "insufficient_scope"
  | "server_error"
  | "temporarily_unavailable";

export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: OAuthErrorCode,
    readonly description: string,
    readonly detail?: string,
    /** Seconds, sent as `Retry-After` (RFC 6585 §4, RFC 9110 §10.2.3) with 429 and 503. */
    readonly retryAfter?: number,
  ) {
    super(`${code}: ${description}`);
    this.name = "OAuthError";
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}

/** RFC 6749 §5.1: token endpoint answers (and their errors) are never cached. */
export function noStore(res: Response): void {
  res.setHeader("Cache-Control", "no-store");
  res.setHeader("Pragma", "no-cache");
}

/** Renders an OAuth error (RFC 6749 §5.2); 401 carries the challenge of the method the client used. */
export function sendOAuthError(res: Response, err: OAuthError): void {
  noStore(res);
  if (err.status === 401) res.setHeader("WWW-Authenticate", 'Basic realm="scim-bridge"');
  if (err.retryAfter !== undefined) res.setHeader("Retry-After", String(err.retryAfter));
  res.status(err.status).json(err);
}

/**
 * Any failure as an OAuth error: ours as they are, domain errors and unreadable bodies in RFC 6749
 * §5.2's words. Null for an unexpected failure (a 500 whose text stays in the log).
 */
export function toOAuthError(err: unknown, bodyLimit: number): OAuthError | null {
  if (err instanceof OAuthError) return err;
  const read = describeReadFailure(err, bodyLimit);
  if (read) return new OAuthError(read.status, "invalid_request", read.message);
  const domain = domainErrorIn(err);
  if (!domain) return null;
  switch (domain.kind) {
    case "unavailable":
      return new OAuthError(503, "temporarily_unavailable", domain.message, domain.detail, domain.retryAfterSeconds);
    case "forbidden":
      // RFC 6749 §5.2: the authenticated client is not authorized to use this grant type
      return new OAuthError(400, "unauthorized_client", domain.message, domain.detail);
    default:
      return new OAuthError(400, "invalid_request", domain.message, domain.detail);
  }
}

/** The OAuth endpoints' error handler, mounted by their router: every failure in RFC 6749's format. */
export function oauthErrorHandler(bodyLimit: number): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const oauth = toOAuthError(err, bodyLimit);
    if (oauth) {
      if (oauth.status === 503) req.log.warn({ category: "oauth", detail: oauth.detail }, oauth.description);
      return sendOAuthError(res, oauth);
    }
    req.log.error({ err }, "unhandled error");
    sendOAuthError(res, new OAuthError(500, "server_error", "internal error"));
  };
}
