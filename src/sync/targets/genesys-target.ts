import * as oidc from "openid-client";
import { TargetError } from "../target-error.js";
import type { CallContext, CreateUserBody, DirectoryTarget, GenesysDivision, GenesysGroup, GenesysUser, UpdateUserBody } from "./target.js";

export interface GenesysTargetOptions {
  loginUrl: string;
  apiUrl: string;
  clientId: string;
  clientSecret: string;
  /** Milliseconds before a request is abandoned (then retried by the job). */
  timeoutMs?: number;
  now?: () => number;
}

interface Page<T> {
  entities?: T[];
  results?: T[];
  pageNumber?: number;
  pageCount?: number;
}

/** Time to wait after a 429: Retry-After (seconds or an HTTP date), else inin-ratelimit-reset, else a minute (GENESYS.md). */
export function retryAfterMs(headers: Pick<Headers, "get">, now: number): number {
  const ra = headers.get("retry-after") ?? headers.get("inin-ratelimit-reset");
  if (ra === null) return 60_000;
  const n = Number(ra);
  if (Number.isFinite(n) && n >= 0) return Math.ceil(n * 1000);
  const at = Date.parse(ra);
  return Number.isNaN(at) ? 60_000 : Math.max(0, at - now);
}

/** The Genesys Cloud Platform API, with a client-credentials token from openid-client. */
export class GenesysTarget implements DirectoryTarget {
  readonly name = "genesys" as const;
  private readonly config: oidc.Configuration;
  private token: { value: string; expiresAt: number; margin: number } | null = null;
  private tokenRequest: Promise<string> | null = null;
  private readonly now: () => number;

  constructor(private readonly opts: GenesysTargetOptions) {
    this.now = opts.now ?? Date.now;
    this.config = new oidc.Configuration({ issuer: opts.loginUrl, token_endpoint: `${opts.loginUrl}/oauth/token` }, opts.clientId, undefined, oidc.ClientSecretBasic(opts.clientSecret));
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
        const status = (err as { status?: number }).status;
        if (status && status >= 400 && status < 500) throw new TargetError("permanent", `Genesys login refused the bridge's client credentials: ${(err as Error).message}`, status);
        throw new TargetError("transient", `Genesys login unreachable: ${(err as Error).message}`);
      } finally {
        this.tokenRequest = null;
      }
    })();
    return this.tokenRequest;
  }

  private async request<T>(method: string, path: string, body?: unknown, retried = false): Promise<{ status: number; body: T }> {
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
      throw new TargetError("transient", `${method} ${path}: ${(err as Error).message}`);
    }
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    if (res.ok) return { status: res.status, body: parsed as T };
    const err = (parsed ?? {}) as { message?: string; code?: string };
    const message = `${method} ${path}: ${res.status} ${err.code ?? ""} ${err.message ?? text}`.trim();
    if (res.status === 401 && !retried) {
      this.token = null; // expired or revoked early: one fresh token, one retry
      return this.request(method, path, body, true);
    }
    if (res.status === 429) throw new TargetError("rate_limited", message, 429, retryAfterMs(res.headers, this.now()), err.code);
    if (res.status >= 500) throw new TargetError("transient", message, res.status, undefined, err.code);
    if (res.status === 404) throw new TargetError("not_found", message, 404, undefined, err.code);
    // A stale version answers 409 (or 400) whose message says so, whatever its code (GENESYS.md)
    if ((res.status === 409 || res.status === 400) && /does not match the current version/i.test(err.message ?? "")) {
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

  async createUser(_ctx: CallContext, body: CreateUserBody): Promise<GenesysUser> {
    return (await this.request<GenesysUser>("POST", "/api/v2/users", body)).body;
  }

  async getUser(_ctx: CallContext, id: string, opts: { includeDeleted?: boolean } = {}): Promise<GenesysUser | null> {
    try {
      return (await this.request<GenesysUser>("GET", `/api/v2/users/${encodeURIComponent(id)}?expand=employerInfo${opts.includeDeleted ? "&state=deleted" : ""}`)).body;
    } catch (err) {
      if (err instanceof TargetError && err.kind === "not_found") return null;
      throw err;
    }
  }

  async updateUser(_ctx: CallContext, id: string, body: UpdateUserBody): Promise<GenesysUser> {
    return (await this.request<GenesysUser>("PATCH", `/api/v2/users/${encodeURIComponent(id)}`, body)).body;
  }

  async deleteUser(_ctx: CallContext, id: string): Promise<void> {
    try {
      await this.request("DELETE", `/api/v2/users/${encodeURIComponent(id)}`);
    } catch (err) {
      if (!(err instanceof TargetError && err.kind === "not_found")) throw err;
    }
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

  async findGroupByName(_ctx: CallContext, name: string): Promise<GenesysGroup | null> {
    const groups = await this.allPages<GenesysGroup>("/api/v2/groups");
    return groups.find((g) => g.name.toLowerCase() === name.toLowerCase()) ?? null;
  }

  async createGroup(_ctx: CallContext, name: string): Promise<GenesysGroup> {
    return (await this.request<GenesysGroup>("POST", "/api/v2/groups", { name, type: "official", visibility: "public", rulesVisible: true })).body;
  }

  async getGroup(_ctx: CallContext, id: string): Promise<GenesysGroup | null> {
    try {
      return (await this.request<GenesysGroup>("GET", `/api/v2/groups/${encodeURIComponent(id)}`)).body;
    } catch (err) {
      if (err instanceof TargetError && err.kind === "not_found") return null;
      throw err;
    }
  }

  async listGroupMembers(_ctx: CallContext, groupId: string): Promise<string[]> {
    return (await this.allPages<{ id: string }>(`/api/v2/groups/${encodeURIComponent(groupId)}/members`)).map((u) => u.id);
  }

  /** At most 50 ids a call (GENESYS.md). */
  async addGroupMembers(_ctx: CallContext, groupId: string, version: number, userIds: string[]): Promise<void> {
    let v = version;
    for (let i = 0; i < userIds.length; i += 50) {
      await this.request("POST", `/api/v2/groups/${encodeURIComponent(groupId)}/members`, { memberIds: userIds.slice(i, i + 50), version: v });
      const g = await this.getGroup(_ctx, groupId);
      v = g?.version ?? v + 1;
    }
  }

  async removeGroupMembers(_ctx: CallContext, groupId: string, userIds: string[]): Promise<void> {
    for (let i = 0; i < userIds.length; i += 50) {
      await this.request("DELETE", `/api/v2/groups/${encodeURIComponent(groupId)}/members?ids=${userIds.slice(i, i + 50).map(encodeURIComponent).join(",")}`);
    }
  }

  async deleteGroup(_ctx: CallContext, groupId: string): Promise<void> {
    try {
      await this.request("DELETE", `/api/v2/groups/${encodeURIComponent(groupId)}`);
    } catch (err) {
      if (!(err instanceof TargetError && err.kind === "not_found")) throw err;
    }
  }
}
