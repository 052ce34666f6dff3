import type { FieldError } from "../oauth/client-rules.js";

/**
 * An admin-API failure: HTTP status, a stable machine code, a public message, and the fields at fault.
 * Rendered as DESIGN §7's `{"error": code, "message": text}` (plus `field`/`errors` when known).
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
    this.name = "AppError";
  }

  static validation(errors: FieldError[]): AppError {
    return new AppError(400, "invalid_request", errors.map((e) => `${e.field}: ${e.message}`).join("; "), errors);
  }

  static notFound(what: string, id: string): AppError {
    return new AppError(404, "not_found", `${what} ${JSON.stringify(id)} not found`);
  }

  static forbidden(message: string, errors: FieldError[] = []): AppError {
    return new AppError(403, "forbidden", message, errors);
  }

  static conflict(message: string, field?: string): AppError {
    return new AppError(409, "conflict", message, field ? [{ field, message }] : []);
  }

  toJSON(): Record<string, unknown> {
    const body: Record<string, unknown> = { error: this.code, message: this.message };
    if (this.errors.length === 1) body.field = this.errors[0]!.field;
    if (this.errors.length) body.errors = this.errors;
    return body;
  }
}
