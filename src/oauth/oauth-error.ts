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
