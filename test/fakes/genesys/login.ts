import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { FakeGenesysError, badRequest } from "./errors.js";
import type { FakeFaults } from "./faults.js";

/** POST /oauth/token on the login host: client credentials by HTTP Basic (docs/genesys-platform-api.md, "Hosts, login and tokens"). */

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface TokenEndpointDeps {
  clientId: string;
  clientSecret: string;
  faults: FakeFaults;
  now: () => number;
  /** token → expiry (ms, fake clock) */
  tokens: Map<string, number>;
}

const formDecode = (s: string): string => decodeURIComponent(s.replace(/\+/g, " "));

/** The token endpoint's error: OAuth fields for openid-client, plus Genesys's documented body. */
function loginError(err: FakeGenesysError, oauthError: string, contextId: string, headers: Record<string, string> = {}): Reply {
  return {
    status: err.status,
    body: { error: oauthError, error_description: err.message, description: err.message, ...err.toBody(contextId) },
    headers,
  };
}

export function tokenEndpoint({ clientId, clientSecret, faults, now, tokens }: TokenEndpointDeps) {
  return (req: IncomingMessage, raw: Buffer, contextId: string): { reply: Reply; logged: unknown } => {
    const form = new URLSearchParams(raw.toString("utf8"));
    const logged = Object.fromEntries([...form.entries()].filter(([k]) => k !== "client_secret"));
    const fault = faults.takeLoginFault();
    if (fault) return { reply: loginError(fault.error, fault.oauthError, contextId, fault.headers), logged };
    if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
      return {
        reply: loginError(badRequest("The token request must be application/x-www-form-urlencoded."), "invalid_request", contextId),
        logged,
      };
    }
    const auth = req.headers.authorization ?? "";
    const m = /^Basic\s+(\S+)$/i.exec(auth);
    const [user, pass] = m ? Buffer.from(m[1]!, "base64").toString("utf8").split(/:(.*)/s) : [];
    if (user === undefined || pass === undefined || formDecode(user) !== clientId || formDecode(pass) !== clientSecret) {
      return {
        reply: loginError(
          new FakeGenesysError(401, "Client authentication failed: bad client id or secret (HTTP Basic required).", "bad.credentials"),
          "invalid_client",
          contextId,
        ),
        logged,
      };
    }
    if (form.get("grant_type") !== "client_credentials") {
      return {
        reply: loginError(
          badRequest(`The grant type ${form.get("grant_type") ?? "(none)"} is not supported.`, "grant_type"),
          "unsupported_grant_type",
          contextId,
        ),
        logged,
      };
    }
    const accessToken = randomBytes(32).toString("base64url");
    const ttl = faults.tokenTtlSeconds;
    tokens.set(accessToken, now() + ttl * 1000);
    return {
      reply: {
        status: 200,
        body: { access_token: accessToken, token_type: "bearer", expires_in: ttl },
        headers: { "cache-control": "no-store" },
      },
      logged,
    };
  };
}
