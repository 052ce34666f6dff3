import { DomainError, domainErrorIn } from "../errors/domain-error.js";

/**
 * The one interface to the database. PostgreSQL (pg) and embedded PGlite both speak it, with the same
 * SQL: `$n` parameters, JSON passed as strings and cast with `::jsonb`, timestamps as Date.
 */
export interface Queryable {
  query<T extends object = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

export interface Store extends Queryable {
  readonly kind: "pglite" | "postgres";
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Seconds a client is asked to wait (Retry-After) when the store is unavailable. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/** The store cannot be reached or did not answer in time: not the caller's fault, and worth a retry (503). */
export function storeUnavailableError(cause: unknown): DomainError {
  return DomainError.unavailable("store_unavailable", `the store is unavailable; retry in ${STORE_RETRY_AFTER_SECONDS} s`, {
    retryAfterSeconds: STORE_RETRY_AFTER_SECONDS,
    detail: `store unavailable: ${cause instanceof Error ? cause.message : String(cause)}`,
    cause,
  });
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EPIPE",
  "EAI_AGAIN",
]);

/**
 * Is this error the database being unreachable or too slow, rather than a problem with the statement?
 * Network errors, the pg driver's own timeouts, and the SQLSTATEs of connection exceptions (class 08),
 * insufficient resources (53), shutdown (57P01..57P03) and a statement cancelled by statement_timeout
 * (57014).
 */
export function isUnavailable(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === "string" ? e.code : "";
  if (NETWORK_CODES.has(code) || /^(08|53)/.test(code) || /^57P0[123]$/.test(code) || code === "57014") return true;
  const message = typeof e.message === "string" ? e.message : "";
  return /timeout exceeded when trying to connect|Connection terminated|Query read timeout|connection timeout|Client has encountered a connection error|the database system is (starting up|shutting down)/i.test(
    message,
  );
}

/** Whether an error, or one of its causes, is the store being unavailable. */
export function storeUnavailable(err: unknown): boolean {
  return domainErrorIn(err)?.reason === "store_unavailable";
}

/** PostgreSQL's unique_violation, for callers that turn it into a 409. */
export function isUniqueViolation(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "23505";
}
