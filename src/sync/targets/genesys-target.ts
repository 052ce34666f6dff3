import { type Clock, systemClock } from "../../clock.js";
import * as oidc from "openid-client";
import { TargetError } from "../target-error.js";
import { retryAfterMs } from "./retry-after.js";
import type { CallContext, CreateUserBody, DirectoryTarget, GenesysDivision, GenesysGroup, GenesysUser, UpdateUserBody } from "./target.js";

export interface GenesysTargetOptions {
  loginUrl: string;
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  /** Milliseconds before a request is abandoned (then retried by the job). */
  timeoutMs?: number;
  clock?: Clock;
}

/** How a 409 is read: on a write guarded by a version it is a stale version; on a create, a duplicate. */
type ConflictMeaning = "version" | "duplicate";

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

interface Page<T> {
  entities?: T[];
  results?: T[];
  pageNumber?: number;
  pageCount?: number;
}

/** The Genesys Cloud Platform API, with a client-credentials token from openid-client. */
export class GenesysTarget implements DirectoryTarget {
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

  /**
   * One call. Failures are classified as Genesys's Terraform provider treats them: 408, 5xx and
   * network errors are transient; 429 waits as Retry-After says; a stale version (409 on a versioned
   * write, or a 400/409 saying the version does not match) is re-read and retried by the caller.
   */
  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
    opts: { conflict?: ConflictMeaning; retried?: boolean } = {},
  ): Promise<{ status: number; body: T }> {
    let res: Response;
    try {
      res = await fetch(`${this.opts.apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${await this.accessToken()}`, "content-type": "application/json", accept: "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000),
      });
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
    if (res.ok) return { status: res.status, body: parsed as T };
    const err = (parsed ?? {}) as { message?: string; code?: string };
    const message = `${method} ${path}: ${res.status} ${err.code ?? ""} ${err.message ?? text}`.trim();
    if (res.status === 401 && !opts.retried) {
      this.token = null; // expired or revoked early: one fresh token, one retry
      return this.request(method, path, body, { ...opts, retried: true });
    }
    if (res.status === 429) throw new TargetError("rate_limited", message, 429, retryAfterMs(res.headers, this.now()), err.code);
    if (res.status >= 500 || res.status === 408) throw new TargetError("transient", message, res.status, undefined, err.code);
    if (res.status === 404) throw new TargetError("not_found", message, 404, undefined, err.code);
    const staleVersion = /does not match the current version/i.test(err.message ?? "");
    if ((res.status === 409 && (opts.conflict === "version" || staleVersion)) || (res.status === 400 && staleVersion)) {
      throw new TargetError("version_conflict", message, res.status, undefined, err.code);
    }
    if (res.status === 409) throw new TargetError("conflict", message, 409, undefined, err.code);
    throw new TargetError("permanent", message, res.status, undefined, err.code);
  }

  private async allPages<T>(path: string, pageSize = 100): Promise<T[]> {
    const out: T[] = [];
    for (let page = 1; ; page++) {
      const sep = path.includes("?") ? "&" : "?";
      const { body } = await this.request<Page<T>>("GET", `${path}${sep}pageSize=${pageSize}&pageNumber=${page}`);
      const items = body.entities ?? [];
      out.push(...items);
      if (items.length === 0 || (body.pageCount ?? 0) <= page) return out;
    }
  }

  private async orNull<T>(call: Promise<T>): Promise<T | null> {
    try {
      return await call;
    } catch (err) {
      if (err instanceof TargetError && err.kind === "not_found") return null;
      throw err;
    }
  }

  /**
   * A write guarded by the group's version: the group is read, written with that version, and on a
   * stale version read again and retried, a few times (as Genesys's Terraform provider does).
   */
  private async withFreshGroup<T>(groupId: string, write: (group: GenesysGroup) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const group = await this.getGroup({ resourceType: "Group", resourceId: groupId }, groupId);
      if (!group) throw new TargetError("not_found", `GET /api/v2/groups/${groupId}: 404 the group is gone`, 404);
      try {
        return await write(group);
      } catch (err) {
        if (!(err instanceof TargetError && err.kind === "version_conflict") || attempt >= 5) throw err;
      }
    }
  }

  async createUser(_ctx: CallContext, body: CreateUserBody): Promise<GenesysUser> {
    return (await this.request<GenesysUser>("POST", "/api/v2/users", body, { conflict: "duplicate" })).body;
  }

  async getUser(_ctx: CallContext, id: string, opts: { deleted?: boolean } = {}): Promise<GenesysUser | null> {
    // `state` filters: without it active and inactive users answer, with state=deleted only deleted ones
    const state = opts.deleted ? "&state=deleted" : "";
    return this.orNull(
      this.request<GenesysUser>("GET", `/api/v2/users/${encodeURIComponent(id)}?expand=employerInfo${state}`).then((r) => r.body),
    );
  }

  async updateUser(_ctx: CallContext, id: string, body: UpdateUserBody): Promise<GenesysUser> {
    return (await this.request<GenesysUser>("PATCH", `/api/v2/users/${encodeURIComponent(id)}`, body, { conflict: "version" })).body;
  }

  async deleteUser(_ctx: CallContext, id: string): Promise<void> {
    await this.orNull(this.request("DELETE", `/api/v2/users/${encodeURIComponent(id)}`));
  }

  async findUsersByEmail(_ctx: CallContext, email: string, states: Array<GenesysUser["state"]>): Promise<GenesysUser[]> {
    const { body } = await this.request<Page<GenesysUser>>("POST", "/api/v2/users/search", {
      query: [
        { type: "EXACT", fields: ["email"], value: email },
        { type: "EXACT", fields: ["state"], values: states },
      ],
      pageSize: 25,
      pageNumber: 1,
    });
    return body.results ?? [];
  }

  async moveUsersToDivision(_ctx: CallContext, divisionId: string, userIds: string[]): Promise<void> {
    await this.request("POST", `/api/v2/authorization/divisions/${encodeURIComponent(divisionId)}/objects/USER`, userIds);
  }

  async listDivisions(): Promise<GenesysDivision[]> {
    return this.allPages<GenesysDivision>("/api/v2/authorization/divisions");
  }

  /** The group search (an EXACT name query, as the provider finds groups); the index lags writes. */
  async findGroupByName(_ctx: CallContext, name: string): Promise<GenesysGroup | null> {
    const { body } = await this.request<Page<GenesysGroup>>("POST", "/api/v2/groups/search", {
      query: [{ type: "EXACT", fields: ["name"], value: name }],
      pageSize: 25,
      pageNumber: 1,
    });
    const found = (body.results ?? []).filter((g) => g.name.toLowerCase() === name.toLowerCase() && g.state !== "deleted");
    return found[0] ?? null;
  }

  async createGroup(_ctx: CallContext, name: string): Promise<GenesysGroup> {
    return (
      await this.request<GenesysGroup>("POST", "/api/v2/groups", { name, type: "official", visibility: "public", rulesVisible: true })
    ).body;
  }

  /**
   * PUT replaces the whole group: its type, visibility and rulesVisible are sent back as read, with the
   * version of that read; a stale version is read again and retried (as the provider renames groups).
   */
  async renameGroup(_ctx: CallContext, groupId: string, name: string): Promise<GenesysGroup> {
    return this.withFreshGroup(groupId, async (g) => {
      const body = {
        name,
        type: g.type ?? "official",
        visibility: g.visibility ?? "public",
        rulesVisible: g.rulesVisible ?? true,
        ...(g.description !== undefined ? { description: g.description } : {}),
        version: g.version,
      };
      // a 409 is a stale version only when it says so: another group may hold the name
      return (await this.request<GenesysGroup>("PUT", `/api/v2/groups/${encodeURIComponent(groupId)}`, body)).body;
    });
  }

  async getGroup(_ctx: CallContext, id: string): Promise<GenesysGroup | null> {
    return this.orNull(this.request<GenesysGroup>("GET", `/api/v2/groups/${encodeURIComponent(id)}`).then((r) => r.body));
  }

  /** The members added one by one (`/individuals`): not owners, not rule-based members, which are not the bridge's to change. */
  async listGroupMembers(_ctx: CallContext, groupId: string): Promise<string[]> {
    const { body } = await this.request<Page<{ id: string }>>("GET", `/api/v2/groups/${encodeURIComponent(groupId)}/individuals`);
    return (body.entities ?? []).map((u) => u.id);
  }

  /** At most 50 ids a call, each with the group's current version (docs/genesys-platform-api.md); applied asynchronously (202). */
  async addGroupMembers(_ctx: CallContext, groupId: string, _version: number, userIds: string[]): Promise<void> {
    for (let i = 0; i < userIds.length; i += 50) {
      const memberIds = userIds.slice(i, i + 50);
      await this.withFreshGroup(groupId, ({ version }) =>
        this.request("POST", `/api/v2/groups/${encodeURIComponent(groupId)}/members`, { memberIds, version }, { conflict: "version" }),
      );
    }
  }

  async removeGroupMembers(_ctx: CallContext, groupId: string, userIds: string[]): Promise<void> {
    for (let i = 0; i < userIds.length; i += 50) {
      const ids = userIds
        .slice(i, i + 50)
        .map(encodeURIComponent)
        .join(",");
      await this.withFreshGroup(groupId, () =>
        this.request("DELETE", `/api/v2/groups/${encodeURIComponent(groupId)}/members?ids=${ids}`, undefined, { conflict: "version" }),
      );
    }
  }

  async deleteGroup(_ctx: CallContext, groupId: string): Promise<void> {
    await this.orNull(this.request("DELETE", `/api/v2/groups/${encodeURIComponent(groupId)}`));
  }
}
