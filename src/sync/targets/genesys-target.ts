import { type Clock, systemClock } from "../../clock.js";
import * as oidc from "openid-client";
import { TargetError } from "../target-error.js";
import { retryAfterMs } from "./retry-after.js";
import type { ConflictMeaning, GenesysRequest, ResultOf } from "../../genesys/requests.js";
import type { CallContext } from "./target.js";
import type { Transport } from "./transport.js";
import { Directory } from "./directory.js";
import type { Pacer } from "./pacer.js";

export interface GenesysTargetOptions {
  loginUrl: string;
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  /** Milliseconds before a request is abandoned (then retried by the job). */
  timeoutMs?: number;
  clock?: Clock;
  /** Paces requests under the token's rate limit, with every other worker sharing the token (pacer.ts). */
  pacer?: Pacer;
}

/** The innermost system error code or message of a network failure (fetch wraps it in causes). */
function networkCause(err: unknown): string {
  let text = err instanceof Error ? err.message : String(err);
  for (let e: unknown = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    const c = e as { code?: unknown; message?: unknown };
    if (typeof c.code === "string" && /^E[A-Z]+$/.test(c.code)) return c.code;
    if (typeof c.message === "string" && c.message) text = c.message;
  }
  return text;
}

/** What a failed login answered, in words an admin can act on (the URL and the cause, never the secret). */
function loginFailure(loginUrl: string, err: unknown, now: number): TargetError {
  const e = err as { status?: number; error?: string; error_description?: string; message?: string; response?: { headers?: Headers } };
  const where = `Genesys login at ${loginUrl}/oauth/token`;
  const said = [e.error, e.error_description].filter(Boolean).join(": ") || e.message || String(err);
  const status = e.status;
  // Genesys answers a rate-limited login 400 invalid_request "rate limit exceeded" (its Terraform
  // provider retries that for a minute), maybe 429: both only mean "later"; a few seconds unless it says
  if (status === 429 || (status === 400 && /rate limit/i.test(said))) {
    const headers = e.response?.headers;
    const says = headers && (headers.has("retry-after") || headers.has("inin-ratelimit-reset"));
    return new TargetError("rate_limited", `${where} is rate-limited: ${said}`, status, says ? retryAfterMs(headers, now) : 5_000);
  }
  if (status === undefined || status === 408 || status >= 500) {
    return new TargetError("transient", `${where} unreachable: ${status ? `${status} ${said}` : networkCause(err)}`, status);
  }
  return new TargetError("permanent", `${where} refused the bridge's client credentials: ${status} ${said}`, status);
}

/** Sends built requests to the Genesys Cloud Platform API, with a client-credentials token from openid-client. */
export class GenesysTransport implements Transport {
  readonly name = "genesys" as const;
  private readonly config: oidc.Configuration;
  private token: { value: string; expiresAt: number; margin: number } | null = null;
  private tokenRequest: Promise<string> | null = null;
  private readonly now: Clock;

  constructor(private readonly opts: GenesysTargetOptions) {
    this.now = opts.clock ?? systemClock;
    this.config = new oidc.Configuration(
      { issuer: opts.loginUrl, token_endpoint: `${opts.loginUrl}/oauth/token` },
      opts.clientId,
      undefined,
      oidc.ClientSecretBasic(opts.clientSecret),
    );
    if (opts.loginUrl.startsWith("http:")) oidc.allowInsecureRequests(this.config);
  }

  /** Cached until shortly before expiry (a minute, or a tenth of a short lifetime); one request in flight at a time. */
  private async accessToken(): Promise<string> {
    if (this.token && this.token.expiresAt - this.token.margin > this.now()) return this.token.value;
    this.tokenRequest ??= (async () => {
      try {
        const t = await oidc.clientCredentialsGrant(this.config);
        const lifetime = (t.expires_in ?? 3600) * 1000;
        this.token = { value: t.access_token, expiresAt: this.now() + lifetime, margin: Math.min(60_000, lifetime / 10) };
        return t.access_token;
      } catch (err) {
        throw loginFailure(this.opts.loginUrl, err, this.now());
      } finally {
        this.tokenRequest = null;
      }
    })();
    return this.tokenRequest;
  }

  async send<R extends GenesysRequest>(_ctx: CallContext, req: R): Promise<ResultOf<R>> {
    return (await this.request(req.method, req.path, req.body, { conflict: req.conflict })) as ResultOf<R>;
  }

  /**
   * One call. Failures are classified as Genesys's Terraform provider treats them: 408, 5xx and
   * network errors are transient; 429 waits as Retry-After says; a stale version (409 on a versioned
   * write, or a 400/409 saying the version does not match) is re-read and retried by the caller.
   */
  private async request(
    method: string,
    path: string,
    body: unknown,
    opts: { conflict?: ConflictMeaning; retried?: boolean },
  ): Promise<unknown> {
    let res: Response;
    try {
      const token = await this.accessToken();
      // without Redis the workers get no jobs anyway; a call already under way is not held up for it
      await this.opts.pacer?.take().catch(() => undefined);
      res = await fetch(`${this.opts.apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      });
      await this.opts.pacer?.observe(res.headers).catch(() => undefined);
    } catch (err) {
      if (err instanceof TargetError) throw err;
      throw new TargetError("transient", `${method} ${path}: ${networkCause(err)}`);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (res.ok) return parsed;
    const err = (parsed ?? {}) as { message?: string; code?: string };
    const message = `${method} ${path}: ${res.status} ${err.code ?? ""} ${err.message ?? text}`.trim();
    if (res.status === 401 && !opts.retried) {
      this.token = null; // expired or revoked early: one fresh token, one retry
      return this.request(method, path, body, { ...opts, retried: true });
    }
    if (res.status === 429) {
      const wait = retryAfterMs(res.headers, this.now());
      await this.opts.pacer?.hold(wait).catch(() => undefined);
      throw new TargetError("rate_limited", message, 429, wait, err.code);
    }
    if (res.status >= 500 || res.status === 408) throw new TargetError("transient", message, res.status, undefined, err.code);
    if (res.status === 404) throw new TargetError("not_found", message, 404, undefined, err.code);
    const staleVersion = /does not match the current version/i.test(err.message ?? "");
    if ((res.status === 409 && (opts.conflict === "version" || staleVersion)) || (res.status === 400 && staleVersion)) {
      throw new TargetError("version_conflict", message, res.status, undefined, err.code);
    }
    if (res.status === 409) throw new TargetError("conflict", message, 409, undefined, err.code);
    throw new TargetError("permanent", message, res.status, undefined, err.code);
  }
}

/** The Genesys Cloud target: the directory operations over the HTTP transport. */
export class GenesysTarget extends Directory {
  constructor(opts: GenesysTargetOptions) {
    super(new GenesysTransport(opts), opts.clock ?? systemClock);
  }
}
