/**
 * The one error model of the domain. A domain module says what went wrong (the kind), in words a
 * client may read (the message) and, apart, what only the log may hold (the detail); each surface
 * (SCIM, OAuth, admin API, CLI) renders it in its own protocol's format. Nothing here knows HTTP.
 */
export interface FieldError {
  /** The field at fault, as the caller named it (`accessTokenValiditySeconds`, `roles[1].divisionIds`). */
  field: string;
  message: string;
}

export type DomainErrorKind = "validation" | "not_found" | "conflict" | "forbidden" | "unavailable";

export interface DomainErrorOptions {
  /** The fields at fault (validation, and forbidden or conflict when one field is to blame). */
  fields?: readonly FieldError[];
  /** For the log only: never rendered to a client. */
  detail?: string;
  /** A stable machine reason within the kind (`store_unavailable`, `unauthorized_client`). */
  reason?: string;
  /** Seconds the caller should wait before retrying (unavailable). */
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class DomainError extends Error {
  readonly fields: readonly FieldError[];
  readonly detail: string | undefined;
  readonly reason: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    opts: DomainErrorOptions = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "DomainError";
    this.fields = opts.fields ?? [];
    this.detail = opts.detail;
    this.reason = opts.reason;
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }

  static validation(fields: readonly FieldError[]): DomainError {
    return new DomainError("validation", fields.map((e) => `${e.field}: ${e.message}`).join("; "), { fields });
  }

  static notFound(what: string, id: string): DomainError {
    return new DomainError("not_found", `${what} ${JSON.stringify(id)} not found`);
  }

  static forbidden(message: string, fields: readonly FieldError[] = [], reason?: string): DomainError {
    return new DomainError("forbidden", message, { fields, ...(reason ? { reason } : {}) });
  }

  static conflict(message: string, field?: string): DomainError {
    return new DomainError("conflict", message, { fields: field ? [{ field, message }] : [] });
  }

  static unavailable(reason: string, message: string, opts: Omit<DomainErrorOptions, "reason" | "fields"> = {}): DomainError {
    return new DomainError("unavailable", message, { ...opts, reason });
  }
}

/** The DomainError in an error or its causes (libraries such as SCIMMY wrap what our code throws). */
export function domainErrorIn(err: unknown): DomainError | null {
  for (let e: unknown = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) if (e instanceof DomainError) return e;
  return null;
}
