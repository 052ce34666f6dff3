import { type Clock, systemClock } from "../../clock.js";
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
  clock?: Clock;
}

interface Page<T> {
  entities?: T[];
  results?: T[];
  pageNumber?: number;
  pageCount?: number;
}

/**
 * Time to wait after a 429: Retry-After (delta-seconds or an HTTP-date, RFC 9110 §10.2.3), else Genesys's
 * inin-ratelimit-reset (seconds), else a minute (docs/genesys-platform-api.md). A header that is neither is unusable and
 * passed over, never read as "retry at once".
 */
export function retryAfterMs(headers: Pick<Headers, "get">, now: number): number {
  // Delta-seconds is a non-negative whole number; a decimal fraction is read too, rounded up to a whole
  // millisecond. Not a sign, an exponent, hex, other text or an empty value. The arithmetic is on the
  // digits: 0.29 * 1000 in floating point is 290.00000000000006.
  const seconds = (value: string | null): number | null => {
    const m = value === null ? null : /^(\d+)(?:\.(\d+))?$/.exec(value.trim());
    if (!m) return null;
    const frac = m[2] ?? "";
    const ms = Number(m[1]) * 1000 + Number(frac.slice(0, 3).padEnd(3, "0")) + (/[1-9]/.test(frac.slice(3)) ? 1 : 0);
    return Number.isFinite(ms) ? ms : null;
  };
  // An HTTP-date (RFC 9110 §5.6.7): IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, and the obsolete
  // rfc850-date `Sunday, 06-Nov-94 08:49:37 GMT` and asctime-date `Sun Nov  6 08:49:37 1994`.
  const httpDate = (value: string): number | null => {
    const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    const day = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
    const month = `(${months.join("|")})`;
    const time = "(\\d{2}):(\\d{2}):(\\d{2})";
    let parts: { d: string; mon: string; y: string; h: string; mi: string; s: string } | null = null;
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^${day}, (\\d{2}) ${month} (\\d{4}) ${time} GMT$`).exec(value))) {
      parts = { d: m[1]!, mon: m[2]!, y: m[3]!, h: m[4]!, mi: m[5]!, s: m[6]! };
    } else if ((m = new RegExp(`^(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, (\\d{2})-${month}-(\\d{2}) ${time} GMT$`).exec(value))) {
      // a two-digit year more than 50 years ahead is the most recent past year with those digits
      const thisYear = new Date(now).getUTCFullYear();
      let y = Math.floor(thisYear / 100) * 100 + Number(m[3]);
      if (y > thisYear + 50) y -= 100;
      parts = { d: m[1]!, mon: m[2]!, y: String(y), h: m[4]!, mi: m[5]!, s: m[6]! };
    } else if ((m = new RegExp(`^${day} ${month} (\\d{2}| \\d) ${time} (\\d{4})$`).exec(value))) {
      parts = { d: m[2]!, mon: m[1]!, y: m[6]!, h: m[3]!, mi: m[4]!, s: m[5]! };
    }
    if (!parts) return null;
    const [d, mon, y, h, mi, s] = [
      Number(parts.d),
      months.indexOf(parts.mon),
      Number(parts.y),
      Number(parts.h),
      Number(parts.mi),
      Number(parts.s),
    ];
    // second 60 is a leap second (read as the next minute); 31 Nov or 25:00:00 is no date
    if (d < 1 || h > 23 || mi > 59 || s > 60) return null;
    const at = new Date(0);
    at.setUTCFullYear(y, mon, d); // not Date.UTC, which reads the years 0 to 99 as 1900 to 1999
    if (at.getUTCDate() !== d) return null;
    return at.setUTCHours(h, mi, s, 0);
  };
  const ra = headers.get("retry-after");
  if (ra !== null) {
    const ms = seconds(ra);
    if (ms !== null) return ms;
    const at = httpDate(ra.trim());
    if (at !== null) return Math.max(0, at - now);
  }
  return seconds(headers.get("inin-ratelimit-reset")) ?? 60_000;
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
        const status = (err as { status?: number }).status;
        if (status && status >= 400 && status < 500)
          throw new TargetError("permanent", `Genesys login refused the bridge's client credentials: ${(err as Error).message}`, status);
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
    let parsed: unknown;
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
    // A stale version answers 409 (or 400) whose message says so, whatever its code (docs/genesys-platform-api.md)
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
      return (
        await this.request<GenesysUser>(
          "GET",
          `/api/v2/users/${encodeURIComponent(id)}?expand=employerInfo${opts.includeDeleted ? "&state=deleted" : ""}`,
        )
      ).body;
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
    return (
      await this.request<GenesysGroup>("POST", "/api/v2/groups", { name, type: "official", visibility: "public", rulesVisible: true })
    ).body;
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

  /** At most 50 ids a call (docs/genesys-platform-api.md). */
  async addGroupMembers(_ctx: CallContext, groupId: string, version: number, userIds: string[]): Promise<void> {
    let v = version;
    for (let i = 0; i < userIds.length; i += 50) {
      await this.request("POST", `/api/v2/groups/${encodeURIComponent(groupId)}/members`, {
        memberIds: userIds.slice(i, i + 50),
        version: v,
      });
      const g = await this.getGroup(_ctx, groupId);
      v = g?.version ?? v + 1;
    }
  }

  async removeGroupMembers(_ctx: CallContext, groupId: string, userIds: string[]): Promise<void> {
    for (let i = 0; i < userIds.length; i += 50) {
      await this.request(
        "DELETE",
        `/api/v2/groups/${encodeURIComponent(groupId)}/members?ids=${userIds
          .slice(i, i + 50)
          .map(encodeURIComponent)
          .join(",")}`,
      );
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
