import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { FakeGenesysError, badRequest } from "./errors.js";
import { FakeFaults } from "./faults.js";
import { tokenEndpoint, type Reply } from "./login.js";
import type { PagingOptions } from "./paging.js";
import { buildRoutes, matchRoute } from "./routes.js";
import type { FakeCall, FakeGenesys, FakeGenesysOptions } from "./server-types.js";
import { FakeGenesysOrg, defaultVersionConflict } from "./state.js";
import { REALISTIC_SEARCH_LAG_MS } from "./search.js";

export type { FakeCall, FakeGenesys, FakeGenesysOptions } from "./server-types.js";

export { REALISTIC_SEARCH_LAG_MS } from "./search.js";

/** A few hundred milliseconds between a group member call's 202 and its effect [guess: no figure is documented]. */
export const DEFAULT_MEMBER_APPLY_DELAY_MS = 300;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/**
 * A local Genesys Cloud (login and Platform API on one 127.0.0.1 server) built from
 * docs/genesys-platform-api.md. Where that page says [guess], the behaviour is an option here.
 */
export async function startFakeGenesys(opts: FakeGenesysOptions = {}): Promise<FakeGenesys> {
  const clientId = opts.clientId ?? `fake-client-${randomBytes(6).toString("hex")}`;
  const clientSecret = opts.clientSecret ?? randomBytes(24).toString("base64url");
  const baseNow = opts.now ?? Date.now;
  let offsetMs = 0;
  const now = (): number => baseNow() + offsetMs;
  const faults = new FakeFaults(opts.tokenTtlSeconds ?? 86_400, now);
  faults.delayMs = opts.delayMs ?? 0;
  const timers = new Set<NodeJS.Timeout>();
  /** Wakes up when a queued member change is due; waits again while the fake's clock moves with real time. */
  const wake = (applyAt: number, before = Infinity): void => {
    const remaining = applyAt - now();
    if (remaining >= before) return; // the fake's clock stands still: advanceTime() applies the change
    const t = setTimeout(
      () => {
        timers.delete(t);
        org.groups.settle();
        if (now() < applyAt) wake(applyAt, remaining);
      },
      Math.max(0, remaining) + 1,
    );
    timers.add(t);
  };
  const org = new FakeGenesysOrg({
    now,
    searchLagMs: opts.searchLagMs ?? REALISTIC_SEARCH_LAG_MS,
    memberApplyDelayMs: opts.memberApplyDelayMs ?? DEFAULT_MEMBER_APPLY_DELAY_MS,
    homeDivisionName: opts.homeDivisionName ?? "Home",
    versionConflict: { ...defaultVersionConflict, ...opts.versionConflict },
    onMemberChangeQueued: (applyAt) => wake(applyAt),
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
  const token = tokenEndpoint({ clientId, clientSecret, faults, now, tokens });

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

  type Window = ReturnType<typeof rateWindow>;

  /** Body → outage → token → queued faults → limit → route → faults after processing. */
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
      // an outage answers every call, whatever its token
      const down = faults.takeOutage();
      if (down) return { reply: { status: down.error.status, body: down.error, headers: down.headers }, logged };
      if (!bearer)
        throw new FakeGenesysError(401, "No authentication bearer token specified in authorization header.", "authentication.required");
      const expiry = tokens.get(bearer);
      if (expiry === undefined || expiry <= now()) {
        if (expiry !== undefined) tokens.delete(bearer);
        throw new FakeGenesysError(401, "Authentication failed: the token is expired or invalid.", "authentication.required");
      }
      const before = faults.takeApiFault("before", window.resetSeconds);
      if (before) return { reply: { status: before.error.status, body: before.error, headers: before.headers }, logged };
      if ((opts.enforceRateLimit ?? true) && window.over) {
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
    org.groups.settle(); // member changes due by now have landed before anything is read
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
    const limitHeaders = opts.rateLimitHeaders ? window.headers : {};
    const headers: Record<string, string> = { ...limitHeaders, "inin-correlation-id": contextId, ...reply.headers };
    let payload: string | undefined;
    if (reply.body instanceof FakeGenesysError) payload = JSON.stringify(reply.body.toBody(contextId));
    else if (reply.body !== undefined) payload = JSON.stringify(reply.body);
    if (payload !== undefined) headers["content-type"] = "application/json";
    if (reply.status !== 204) headers["content-length"] = String(payload === undefined ? 0 : Buffer.byteLength(payload));
    const call: FakeCall = { method, path: url.pathname + url.search, body: logged, status: reply.status, at: now() };
    calls.push(call);
    if (isApi && faults.takeLostCreate(method, url.pathname, reply.status)) {
      call.lost = true;
      req.socket.destroy(); // carried out, never answered
      return;
    }

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
      org.groups.settle();
    },
    addOwner: (groupId, userId) => org.groups.addOwner(groupId, userId),
    addDynamicMember: (groupId, userId) => org.groups.addDynamicMember(groupId, userId),
    get memberRemovalAttempts() {
      return org.groups.memberRemovalAttempts;
    },
    memberChangesApplied: () => org.groups.whenSettled(),
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
