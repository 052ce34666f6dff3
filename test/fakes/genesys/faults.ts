import { FakeGenesysError, codeForStatus } from "./errors.js";

/** What a user rejection sees: the request body and, for a PATCH, the user as it stands. */
export interface UserWrite {
  method: "POST" | "PATCH";
  /** The user id of a PATCH. */
  id?: string;
  body: Record<string, unknown>;
  /** The current user (Genesys's shape) of a PATCH. */
  user?: Record<string, unknown>;
}

/** A predicate, or an e-mail address (matched case-insensitively against the body's or the user's email). */
export type UserRejectionMatch = ((write: UserWrite) => boolean) | string;

interface Rejection {
  match: (write: UserWrite) => boolean;
  status: number;
  message: string;
  code: string;
}

/** A refused token request: the OAuth error fields, Genesys's error body, and headers. */
export interface LoginFault {
  error: FakeGenesysError;
  oauthError: string;
  headers: Record<string, string>;
}

/**
 * A seeded pseudo-random generator (mulberry32): the same seed draws the same numbers, so a test that
 * fails a share of calls at random draws the same sequence on every run.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** How many answers each of the standing faults (outage, random server errors) has given so far. */
export interface FaultCounts {
  /** Login and API calls answered 503 by an outage. */
  outage: number;
  /** API calls answered by randomServerErrors. */
  randomServerErrors: number;
}

/**
 * Switchable failure modes, changeable in the middle of a test. Rate-limit, timeout and server-error
 * bursts apply to the next n API requests (/api/v2/…) that carry a valid token; login bursts to POST
 * /oauth/token. Sources: docs/genesys-platform-api.md, "Errors and rate limits" (retries, login).
 */
export class FakeFaults {
  /** Milliseconds every response (login and API) waits before it is sent. */
  delayMs = 0;
  /** Lifetime of tokens issued from now on (seconds); afterwards the API answers 401 authentication.required. */
  tokenTtlSeconds: number;

  private limited = { remaining: 0, retryAfterSeconds: 1, header: true };
  private errors = { remaining: 0, status: 503, afterProcessing: false };
  private timeouts = { remaining: 0, afterProcessing: false };
  private loginFailures = { remaining: 0, status: 503 };
  private loginLimited = { remaining: 0, status: 400 as 400 | 429, retryAfterSeconds: 1 };
  private lostCreates = 0;
  private lostGroupCreates = 0;
  private rejections: Rejection[] = [];
  private random = { rate: 0, rng: Math.random, status: 503, afterProcessing: false };
  /** Until when (fake clock, ms) every call answers 503. */
  private outageUntil = -Infinity;
  private readonly now: () => number;
  /** What the outage and the random server errors answered so far (never reset: a test reads them at its end). */
  readonly counts: FaultCounts = { outage: 0, randomServerErrors: 0 };

  /** `now` is the fake's clock (outages are measured on it); Date.now when not given. */
  constructor(tokenTtlSeconds: number, now: () => number = Date.now) {
    this.tokenTtlSeconds = tokenTtlSeconds;
    this.now = now;
  }

  /**
   * The next n API requests answer 429 too.many.requests.retry.after with `Retry-After: retryAfterSeconds`.
   * `retryAfterHeader: false` leaves Retry-After out, which Genesys documents on every 429 (docs/genesys-platform-api.md, "Rate
   * limits"): then only inin-ratelimit-reset says it.
   */
  rateLimit(n: number, retryAfterSeconds = 1, opts: { retryAfterHeader?: boolean } = {}): void {
    this.limited = { remaining: n, retryAfterSeconds, header: opts.retryAfterHeader ?? true };
  }

  /**
   * The next n API requests answer `status` (5xx) with the documented error body. With
   * `afterProcessing: true` the request is carried out first (a write lands, then the answer is lost).
   */
  serverErrors(n: number, status = 503, opts: { afterProcessing?: boolean } = {}): void {
    this.errors = { remaining: n, status, afterProcessing: opts.afterProcessing ?? false };
  }

  /**
   * The next n API requests answer 408 (code request.timeout [guess]): Genesys's provider retries a 408
   * like a version conflict and takes it for "not found" on reads (docs/genesys-platform-api.md, "Errors and rate limits"). With
   * `afterProcessing: true` the request is carried out first.
   */
  requestTimeouts(n: number, opts: { afterProcessing?: boolean } = {}): void {
    this.timeouts = { remaining: n, afterProcessing: opts.afterProcessing ?? false };
  }

  /**
   * From now on, each API request answers `status` (5xx, default 503) with the documented error body
   * with probability `rate` (0.02: 2 % of calls), drawn from `rng` (seededRandom(seed) makes the draws
   * repeatable). Drawn once per request, after the queued faults. With `afterProcessing: true` the
   * request is carried out first. `rate` 0 ends it.
   */
  randomServerErrors(rate: number, rng: () => number = seededRandom(1), opts: { status?: number; afterProcessing?: boolean } = {}): void {
    if (!(rate >= 0 && rate <= 1)) throw new Error(`fake Genesys: a failure rate is between 0 and 1, not ${rate}`);
    this.random = { rate, rng, status: opts.status ?? 503, afterProcessing: opts.afterProcessing ?? false };
  }

  /**
   * A total outage of `ms` milliseconds on the fake's clock, from now: every API request (whatever its
   * token) and every token request answers 503 service.unavailable with Genesys's error body, and
   * nothing is carried out, until it ends (or endOutage). A later call replaces the end time.
   */
  outage(ms: number): void {
    this.outageUntil = this.now() + ms;
  }

  endOutage(): void {
    this.outageUntil = -Infinity;
  }

  /** Whether an outage is under way now (on the fake's clock). */
  get outageActive(): boolean {
    return this.now() < this.outageUntil;
  }

  /** The fake-clock time (ms) the current or last outage ends; null when none was started. */
  get outageEndsAt(): number | null {
    return Number.isFinite(this.outageUntil) ? this.outageUntil : null;
  }

  /** The next n token requests answer `status`. */
  loginErrors(n: number, status = 503): void {
    this.loginFailures = { remaining: n, status };
  }

  /**
   * The next n token requests are refused as rate limited. By default as Genesys's provider knows it
   * (docs/genesys-platform-api.md, "Errors and rate limits", login): 400 with `error: "invalid_request"` and an
   * `error_description` starting with "rate limit exceeded;" (the text after the semicolon is [guess]). `status: 429`
   * answers 429 with Retry-After instead (whether login ever does so is UNCONFIRMED).
   */
  loginRateLimit(n: number, opts: { status?: 400 | 429; retryAfterSeconds?: number } = {}): void {
    this.loginLimited = { remaining: n, status: opts.status ?? 400, retryAfterSeconds: opts.retryAfterSeconds ?? 1 };
  }

  /**
   * The next n POST /api/v2/users that create a user lose their answer: the user is created, then the
   * connection is destroyed before a byte of the response is written (the client sees a network error).
   */
  loseUserCreateAnswers(n: number): void {
    this.lostCreates = n;
  }

  /** The same for the next n POST /api/v2/groups that create a group. */
  loseGroupCreateAnswers(n: number): void {
    this.lostGroupCreates = n;
  }

  /**
   * POST /api/v2/users and PATCH /api/v2/users/{id} of matching users fail with `status` (4xx) and
   * `message` until the returned function (or clearRejections) lifts the rule: a test shows the
   * bridge failing fast, then succeeding once "the cause is fixed".
   */
  rejectUser(
    match: UserRejectionMatch,
    status = 400,
    message = "The user was rejected by the directory.",
    code: string = codeForStatus(status),
  ): () => void {
    const fn =
      typeof match === "string"
        ? (w: UserWrite) => [w.body.email, w.user?.email].some((e) => typeof e === "string" && e.toLowerCase() === match.toLowerCase())
        : match;
    const rule: Rejection = { match: fn, status, message, code };
    this.rejections.push(rule);
    return () => {
      this.rejections = this.rejections.filter((r) => r !== rule);
    };
  }

  clearRejections(): void {
    this.rejections = [];
  }

  /** Everything back to normal (the token lifetime is kept). */
  reset(): void {
    this.delayMs = 0;
    this.limited.remaining = 0;
    this.errors.remaining = 0;
    this.timeouts.remaining = 0;
    this.loginFailures.remaining = 0;
    this.loginLimited.remaining = 0;
    this.lostCreates = 0;
    this.lostGroupCreates = 0;
    this.rejections = [];
    this.random.rate = 0;
    this.outageUntil = -Infinity;
  }

  /**
   * Internal: the outage's answer to any call (API or login) while one is under way: no Retry-After
   * (whether Genesys sends one in an outage is undocumented).
   */
  takeOutage(): { error: FakeGenesysError; headers: Record<string, string> } | null {
    if (!this.outageActive) return null;
    this.counts.outage++;
    return {
      error: new FakeGenesysError(503, "The service is currently unavailable.", codeForStatus(503)),
      headers: {},
    };
  }

  /** Internal: the queued fault the next API request meets, if any, before or after it is carried out. */
  takeApiFault(phase: "before" | "after", resetSeconds: number): { error: FakeGenesysError; headers: Record<string, string> } | null {
    if (phase === "before" && this.limited.remaining > 0) {
      this.limited.remaining--;
      const s = this.limited.retryAfterSeconds;
      const headers: Record<string, string> = { "inin-ratelimit-reset": String(s) };
      if (this.limited.header) headers["retry-after"] = String(s);
      return {
        error: new FakeGenesysError(
          429,
          `Rate limit exceeded the maximum. Retry the request in [${s}] seconds`,
          "too.many.requests.retry.after",
          { messageParams: { retryAfter: String(s) } },
        ),
        headers,
      };
    }
    if (this.timeouts.remaining > 0 && this.timeouts.afterProcessing === (phase === "after")) {
      this.timeouts.remaining--;
      return { error: new FakeGenesysError(408, "The request timed out.", "request.timeout"), headers: {} };
    }
    if (this.errors.remaining > 0 && this.errors.afterProcessing === (phase === "after")) {
      this.errors.remaining--;
      return {
        error: new FakeGenesysError(this.errors.status, "The service is currently unavailable.", codeForStatus(this.errors.status)),
        headers: { "inin-ratelimit-reset": String(resetSeconds) },
      };
    }
    if (this.random.rate > 0 && this.random.afterProcessing === (phase === "after") && this.random.rng() < this.random.rate) {
      this.counts.randomServerErrors++;
      return {
        error: new FakeGenesysError(this.random.status, "The service is currently unavailable.", codeForStatus(this.random.status)),
        headers: {},
      };
    }
    return null;
  }

  /** Internal: the queued login failure, if any. */
  takeLoginFault(): LoginFault | null {
    const down = this.takeOutage();
    if (down) return { error: down.error, oauthError: "temporarily_unavailable", headers: down.headers };
    if (this.loginLimited.remaining > 0) {
      this.loginLimited.remaining--;
      const { status, retryAfterSeconds: s } = this.loginLimited;
      return {
        error: new FakeGenesysError(status, `rate limit exceeded; retry in ${s} seconds`, codeForStatus(status)),
        oauthError: "invalid_request",
        headers: status === 429 ? { "retry-after": String(s) } : {},
      };
    }
    if (this.loginFailures.remaining <= 0) return null;
    this.loginFailures.remaining--;
    const { status } = this.loginFailures;
    return {
      error: new FakeGenesysError(status, "The login service is currently unavailable.", codeForStatus(status)),
      oauthError: "temporarily_unavailable",
      headers: {},
    };
  }

  /** Internal: whether the answer to this successful user create is to be lost. */
  takeLostCreate(method: string, path: string, status: number): boolean {
    if (method !== "POST" || status >= 300) return false;
    if (path === "/api/v2/users" && this.lostCreates > 0) return this.lostCreates-- > 0;
    if (path === "/api/v2/groups" && this.lostGroupCreates > 0) return this.lostGroupCreates-- > 0;
    return false;
  }

  /** Internal: the first rule a user write meets, as the error to answer. */
  checkUser(write: UserWrite): FakeGenesysError | null {
    const r = this.rejections.find((x) => x.match(write));
    return r ? new FakeGenesysError(r.status, r.message, r.code) : null;
  }
}
