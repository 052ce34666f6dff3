import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { FakeGenesysError, badRequest } from "./errors.js";
import { FakeFaults } from "./faults.js";
import type { PagingOptions } from "./paging.js";
import { buildRoutes, matchRoute } from "./routes.js";
import { FakeGenesysOrg, defaultVersionConflict, type FakeDivisionRecord, type VersionConflictStyle } from "./state.js";

/**
 * A local Genesys Cloud (login and Platform API on one 127.0.0.1 server) built from
 * docs/genesys-platform-api.md. Where that page says [guess], the behaviour is an option here.
 */

export interface FakeGenesysOptions {
  clientId?: string;
  clientSecret?: string;
  /** Seconds a token lives (changeable later as faults.tokenTtlSeconds). Default 86400. */
  tokenTtlSeconds?: number;
  /** The fake's clock (tokens, rate-limit window, search lag). Default Date.now; see also advanceTime(). */
  now?: () => number;
  /** Milliseconds before writes show in user search. Default 0. */
  searchLagMs?: number;
  homeDivisionName?: string;
  /** Extra divisions at start: a count ("Division 0001"…) or names. */
  divisions?: number | string[];
  /** Default 25 [doc]. */
  defaultPageSize?: number;
  /** Larger page sizes are clamped. Default 100. */
  maxPageSize?: number;
  /** Send nextUri on the last page too. Default false [guess]. */
  nextUriOnLastPage?: boolean;
  /** inin-ratelimit-allowed. Default 300 per token per minute [doc, second-hand]. */
  rateLimitPerMinute?: number;
  /** Answer 429 once a token passes rateLimitPerMinute in its window. Default false (headers only). */
  enforceRateLimit?: boolean;
  /** How a stale version is answered. Default 409 general.conflict, "... does not match the current version ...". */
  versionConflict?: Partial<VersionConflictStyle>;
  /** Status of group member POST / DELETE. Default 202 [guess]. */
  memberCallStatus?: number;
  /** Default 50 [doc]. */
  maxMembersPerCall?: number;
  /** Request bodies above this answer 413. Default 512000 [doc, second-hand]. */
  maxBodyBytes?: number;
  delayMs?: number;
}

export interface FakeCall {
  method: string;
  /** Path and query, without the host. */
  path: string;
  /** Parsed JSON (or the token request's form fields without secrets); undefined when there was none. */
  body: unknown;
  status: number;
  at: number;
}

export interface FakeGenesys {
  url: string;
  loginUrl: string;
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  state: FakeGenesysOrg;
  /** Every request, in arrival order (cleared in place by clearCalls). */
  calls: FakeCall[];
  faults: FakeFaults;
  /** What GenesysTarget's constructor takes. */
  targetOptions(): { loginUrl: string; apiUrl: string; clientId: string; clientSecret: string };
  seedDivisions(n: number, prefix?: string): FakeDivisionRecord[];
  addDivision(name: string): FakeDivisionRecord;
  /** Moves the fake's clock on: tokens expire, rate-limit windows reset, search catches up. */
  advanceTime(seconds: number): void;
  /** Every issued token stops working at once (401 authentication.required). */
  revokeTokens(): void;
  countCalls(method: string, path: string | RegExp, where?: (c: FakeCall) => boolean): number;
  clearCalls(): void;
  close(): Promise<void>;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

const formDecode = (s: string): string => decodeURIComponent(s.replace(/\+/g, " "));

/** The token endpoint's error: OAuth fields for openid-client, plus Genesys's documented body. */
function loginError(err: FakeGenesysError, oauthError: string, contextId: string): Reply {
  return {
    status: err.status,
    body: { error: oauthError, error_description: err.message, description: err.message, ...err.toBody(contextId) },
  };
}

export async function startFakeGenesys(opts: FakeGenesysOptions = {}): Promise<FakeGenesys> {
  const clientId = opts.clientId ?? `fake-client-${randomBytes(6).toString("hex")}`;
  const clientSecret = opts.clientSecret ?? randomBytes(24).toString("base64url");
  const baseNow = opts.now ?? Date.now;
  let offsetMs = 0;
  const now = (): number => baseNow() + offsetMs;
  const faults = new FakeFaults(opts.tokenTtlSeconds ?? 86_400);
  faults.delayMs = opts.delayMs ?? 0;
  const org = new FakeGenesysOrg({
    now,
    searchLagMs: opts.searchLagMs ?? 0,
    homeDivisionName: opts.homeDivisionName ?? "Home",
    versionConflict: { ...defaultVersionConflict, ...opts.versionConflict },
  });
  if (typeof opts.divisions === "number") org.seedDivisions(opts.divisions);
  else for (const name of opts.divisions ?? []) org.addDivision(name);
  const paging: PagingOptions = {
    defaultPageSize: opts.defaultPageSize ?? 25,
    maxPageSize: opts.maxPageSize ?? 100,
    nextUriOnLastPage: opts.nextUriOnLastPage ?? false,
  };
  const routes = buildRoutes({
    org,
    faults,
    paging,
    memberCallStatus: opts.memberCallStatus ?? 202,
    maxMembersPerCall: opts.maxMembersPerCall ?? 50,
  });
  const allowedPerMinute = opts.rateLimitPerMinute ?? 300;
  const maxBodyBytes = opts.maxBodyBytes ?? 512_000;
  const tokens = new Map<string, number>(); // token → expiry (ms, fake clock)
  const windows = new Map<string, { start: number; count: number }>(); // token → rate-limit window
  const calls: FakeCall[] = [];
  const timers = new Set<NodeJS.Timeout>();

  /** Counts the request in its token's one-minute window; answers the inin-ratelimit-* headers. */
  function rateWindow(key: string): { headers: Record<string, string>; over: boolean; resetSeconds: number } {
    const t = now();
    let w = windows.get(key);
    if (!w || t - w.start >= 60_000) {
      w = { start: t, count: 0 };
      windows.set(key, w);
    }
    w.count++;
    const resetSeconds = Math.max(1, Math.ceil((w.start + 60_000 - t) / 1000));
    return {
      headers: {
        "inin-ratelimit-allowed": String(allowedPerMinute),
        "inin-ratelimit-count": String(w.count),
        "inin-ratelimit-reset": String(resetSeconds),
      },
      over: w.count > allowedPerMinute,
      resetSeconds,
    };
  }

  function token(req: IncomingMessage, raw: Buffer, contextId: string): { reply: Reply; logged: unknown } {
    const form = new URLSearchParams(raw.toString("utf8"));
    const logged = Object.fromEntries([...form.entries()].filter(([k]) => k !== "client_secret"));
    const fault = faults.takeLoginFault();
    if (fault) return { reply: loginError(fault, "temporarily_unavailable", contextId), logged };
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
  }

  type Window = ReturnType<typeof rateWindow>;

  /** Body → token → queued faults → limit → route → faults after processing. */
  function api(
    req: IncomingMessage,
    method: string,
    url: URL,
    raw: Buffer,
    bearer: string | undefined,
    window: Window,
  ): { reply: Reply; logged: unknown } {
    let body: unknown = undefined;
    let logged: unknown = undefined;
    try {
      if (raw.length > 0) {
        const text = raw.toString("utf8");
        try {
          body = JSON.parse(text);
          logged = body;
        } catch {
          logged = text;
          if (raw.length <= maxBodyBytes) throw badRequest("The request body is not valid JSON.");
        }
      }
      if (!bearer)
        throw new FakeGenesysError(401, "No authentication bearer token specified in authorization header.", "authentication.required");
      const expiry = tokens.get(bearer);
      if (expiry === undefined || expiry <= now()) {
        if (expiry !== undefined) tokens.delete(bearer);
        throw new FakeGenesysError(401, "Authentication failed: the token is expired or invalid.", "authentication.required");
      }
      const before = faults.takeApiFault("before", window.resetSeconds);
      if (before) return { reply: { status: before.error.status, body: before.error, headers: before.headers }, logged };
      if (opts.enforceRateLimit && window.over) {
        const e = new FakeGenesysError(
          429,
          `Rate limit exceeded the maximum [${allowedPerMinute}] requests within [60] seconds`,
          "too.many.requests.retry.after",
        );
        return { reply: { status: 429, body: e, headers: { "retry-after": String(window.resetSeconds) } }, logged };
      }
      if (raw.length > maxBodyBytes)
        throw new FakeGenesysError(413, `The request body is ${raw.length} bytes; at most ${maxBodyBytes} are accepted.`);
      const found = matchRoute(routes, method, url.pathname);
      if (!("route" in found)) {
        throw found.allowed.length
          ? new FakeGenesysError(
              405,
              `${method} is not allowed on ${url.pathname}; allowed: ${found.allowed.join(", ")}.`,
              "method.not.allowed",
            )
          : new FakeGenesysError(404, `No resource at ${url.pathname}.`, "not.found");
      }
      const reply = found.route.handle({ params: found.params, query: url.searchParams, body });
      const after = faults.takeApiFault("after", window.resetSeconds);
      if (after) return { reply: { status: after.error.status, body: after.error, headers: after.headers }, logged };
      return { reply, logged };
    } catch (err) {
      if (err instanceof FakeGenesysError) return { reply: { status: err.status, body: err }, logged };
      throw err;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://fake-genesys.local");
    const raw = await readBody(req);
    const contextId = randomUUID();
    const isApi = url.pathname.startsWith("/api/v2/");
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const window = rateWindow(isApi ? (bearer ?? "(no token)") : "(login)");
    let reply: Reply;
    let logged: unknown;
    try {
      if (url.pathname === "/oauth/token" && method === "POST") ({ reply, logged } = token(req, raw, contextId));
      else if (isApi) ({ reply, logged } = api(req, method, url, raw, bearer, window));
      else reply = { status: 404, body: new FakeGenesysError(404, `No resource at ${url.pathname}.`, "not.found") };
    } catch (err) {
      reply = { status: 500, body: new FakeGenesysError(500, `The fake failed: ${(err as Error).stack ?? String(err)}`) };
    }
    const headers: Record<string, string> = { ...window.headers, "inin-correlation-id": contextId, ...reply.headers };
    let payload: string | undefined;
    if (reply.body instanceof FakeGenesysError) payload = JSON.stringify(reply.body.toBody(contextId));
    else if (reply.body !== undefined) payload = JSON.stringify(reply.body);
    if (payload !== undefined) headers["content-type"] = "application/json";
    if (reply.status !== 204) headers["content-length"] = String(payload === undefined ? 0 : Buffer.byteLength(payload));
    calls.push({ method, path: url.pathname + url.search, body: logged, status: reply.status, at: now() });

    const send = (): void => {
      if (res.destroyed || res.writableEnded) return;
      res.writeHead(reply.status, headers);
      res.end(payload);
    };
    if (faults.delayMs > 0) {
      const t = setTimeout(() => {
        timers.delete(t);
        send();
      }, faults.delayMs);
      timers.add(t);
    } else send();
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    loginUrl: url,
    apiUrl: url,
    clientId,
    clientSecret,
    state: org,
    calls,
    faults,
    targetOptions: () => ({ loginUrl: url, apiUrl: url, clientId, clientSecret }),
    seedDivisions: (n, prefix) => org.seedDivisions(n, prefix),
    addDivision: (name) => org.addDivision(name),
    advanceTime(seconds) {
      offsetMs += seconds * 1000;
    },
    revokeTokens() {
      tokens.clear();
    },
    countCalls(method, path, where) {
      return calls.filter(
        (c) =>
          c.method === method.toUpperCase() &&
          (typeof path === "string" ? c.path.split("?")[0] === path : path.test(c.path)) &&
          (!where || where(c)),
      ).length;
    },
    clearCalls() {
      calls.length = 0;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
