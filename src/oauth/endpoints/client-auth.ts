import type { Request } from "express";
import { OAuthError } from "./oauth-error.js";
import { isUnstorable } from "../../http/hostile-input.js";
import type { Queryable } from "../../store/store.js";
import type { AuthThrottle } from "../auth-throttle.js";
import { authenticateClient, type AuthenticatedClient } from "../token-service.js";

export interface ClientCredentials {
  clientId: string;
  secret: string;
  method: "client_secret_basic" | "client_secret_post";
}

/** RFC 6749 appendix B: form-encoded, so `+` is a space before percent-decoding. */
function formDecode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, "%20"));
}

/**
 * RFC 6749 §2.3.1: HTTP Basic with form-encoded id and secret, or both in the form body; never both
 * methods at once.
 */
export function readClientCredentials(req: Request, form: Record<string, string>): ClientCredentials {
  const header = req.headers.authorization;
  const inBody = form.client_id !== undefined || form.client_secret !== undefined;
  if (header) {
    if (inBody)
      throw new OAuthError(
        400,
        "invalid_request",
        "use one client authentication method: HTTP Basic or client_id/client_secret in the body, not both",
      );
    const m = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
    const decoded = m ? Buffer.from(m[1]!, "base64").toString("utf8") : "";
    const colon = decoded.indexOf(":");
    if (colon < 1) throw new OAuthError(401, "invalid_client", "malformed HTTP Basic client authentication", "basic header unparseable");
    try {
      const creds = {
        clientId: formDecode(decoded.slice(0, colon)),
        secret: formDecode(decoded.slice(colon + 1)),
        method: "client_secret_basic" as const,
      };
      if (isUnstorable(creds.clientId) || isUnstorable(creds.secret)) throw new URIError("unstorable");
      return creds;
    } catch {
      throw new OAuthError(401, "invalid_client", "malformed HTTP Basic client authentication", "bad percent-encoding");
    }
  }
  if (!form.client_id)
    throw new OAuthError(401, "invalid_client", "client authentication required (HTTP Basic or client_id and client_secret)");
  if (!form.client_secret) throw new OAuthError(401, "invalid_client", "client_secret is required: this server has no public clients");
  return { clientId: form.client_id, secret: form.client_secret, method: "client_secret_post" };
}

/** RFC 6749 §3.2: a parameter sent more than once is an invalid request. */
export function readForm(req: Request): Record<string, string> {
  if (!req.is("application/x-www-form-urlencoded")) {
    throw new OAuthError(400, "invalid_request", "the request body must be application/x-www-form-urlencoded");
  }
  const body = (req.body ?? {}) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v !== "string") throw new OAuthError(400, "invalid_request", `parameter ${k} is repeated`);
    if (isUnstorable(k) || isUnstorable(v))
      throw new OAuthError(400, "invalid_request", "parameters may not contain U+0000 or an unpaired UTF-16 surrogate");
    out[k] = v;
  }
  return out;
}

/**
 * Client authentication (RFC 6749 §2.3.1), throttled: after too many failures for the client id or
 * the source address within the window, every attempt (even with the right secret) gets 429 until it
 * ends, so secrets cannot be guessed at speed.
 */
export function clientAuthenticator(store: Queryable, throttle: AuthThrottle) {
  return async (req: Request, form: Record<string, string>): Promise<AuthenticatedClient> => {
    const address = req.ip ?? req.socket.remoteAddress ?? "unknown";
    let creds: ClientCredentials;
    try {
      creds = readClientCredentials(req, form);
    } catch (err) {
      if (err instanceof OAuthError && err.code === "invalid_client") await throttle.failed(undefined, address);
      throw err;
    }
    const wait = await throttle.retryAfter(creds.clientId, address);
    if (wait > 0)
      throw new OAuthError(
        429,
        "temporarily_unavailable",
        `too many failed client authentications; retry after ${wait} s`,
        `client ${creds.clientId} throttled from ${address}`,
        wait,
      );
    const client = await authenticateClient(store, creds.clientId, creds.secret);
    if (!client) {
      await throttle.failed(creds.clientId, address);
      throw new OAuthError(401, "invalid_client", "client authentication failed", `client ${creds.clientId} (${creds.method})`);
    }
    return client;
  };
}

export type AuthenticateClient = ReturnType<typeof clientAuthenticator>;
