import type { FakeFaults } from "./faults.js";
import type { FakeDivisionRecord, FakeGenesysOrg, MemberRemovalAttempt, VersionConflictStyle } from "./state.js";

/** The fake's options and handle (server.ts starts it). */

export interface FakeGenesysOptions {
  clientId?: string;
  clientSecret?: string;
  /** Seconds a token lives (changeable later as faults.tokenTtlSeconds). Default 86400. */
  tokenTtlSeconds?: number;
  /** The fake's clock (tokens, rate-limit window, search lag, member changes, outages). Default Date.now; see also advanceTime(). */
  now?: () => number;
  /**
   * Milliseconds before writes show in user and group search. Default REALISTIC_SEARCH_LAG_MS (3 s):
   * Genesys's index lags writes by seconds; a test that needs an immediate index passes 0 explicitly.
   */
  searchLagMs?: number;
  /**
   * Milliseconds between a group member POST / DELETE (answered at once) and its effect, which bumps the
   * group's version. Default DEFAULT_MEMBER_APPLY_DELAY_MS; 0 applies it before answering.
   */
  memberApplyDelayMs?: number;
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
  /**
   * Send inin-ratelimit-allowed / -count / -reset on every answer. Default false: Genesys removed these
   * headers from every answer in June 2021 (its developer forum's announcement "Removal of
   * inin-ratelimit response headers"); true stands for an older deployment.
   */
  rateLimitHeaders?: boolean;
  /** Answer 429 (with Retry-After) once a token passes rateLimitPerMinute in its window, as Genesys does. Default true. */
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
  /** The request was carried out but its answer never sent (faults.loseUserCreateAnswers). */
  lost?: true;
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
  /** Moves the fake's clock on: tokens expire, rate-limit windows reset, search catches up, member changes land. */
  advanceTime(seconds: number): void;
  /** Test hook (no API reaches it): the user becomes an owner of the group, listed by GET .../members. */
  addOwner(groupId: string, userId: string): void;
  /** Test hook (no API reaches it): a rule of the group now includes the user, listed by GET .../members. */
  addDynamicMember(groupId: string, userId: string): void;
  /** Every DELETE .../members that named an owner or a dynamic member (who stayed so). */
  readonly memberRemovalAttempts: readonly MemberRemovalAttempt[];
  /** Resolves once every queued member change has landed (on a fake clock that stands still: after advanceTime). */
  memberChangesApplied(): Promise<void>;
  /** Every issued token stops working at once (401 authentication.required). */
  revokeTokens(): void;
  countCalls(method: string, path: string | RegExp, where?: (c: FakeCall) => boolean): number;
  clearCalls(): void;
  close(): Promise<void>;
}
