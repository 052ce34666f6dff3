import type { ErrorRequestHandler, Response } from "express";
import type { FieldError } from "../errors/domain-error.js";
import { DomainError } from "../errors/domain-error.js";
import { describeReadFailure } from "../http/body-errors.js";
import { DOMAIN_ERROR_STATUS } from "../http/domain-error-status.js";

const CODE: Record<Exclude<DomainError["kind"], "unavailable">, string> = {
  validation: "invalid_request",
  not_found: "not_found",
  conflict: "conflict",
  forbidden: "forbidden",
};

/** The admin API's error body: `{"error": code, "message": text}`, plus the field(s) at fault when known. */
export function sendAdminError(res: Response, status: number, code: string, message: string, fields: readonly FieldError[] = []): void {
  const body: Record<string, unknown> = { error: code, message };
  if (fields.length === 1) body.field = fields[0]!.field;
  if (fields.length) body.errors = fields;
  res.status(status).json(body);
}

/**
 * The admin API's error handler (also the app's last resort): domain errors in its format, a body
 * that could not be read as a 4xx, anything else a 500 whose text stays in the log.
 */
export function adminErrorHandler(bodyLimit: number): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const read = describeReadFailure(err, bodyLimit);
    if (read) return sendAdminError(res, read.status, read.code, read.message);
    if (err instanceof DomainError) {
      if (err.kind === "unavailable") {
        req.log.warn({ category: "admin", reason: err.reason, detail: err.detail }, err.message);
        if (err.retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(err.retryAfterSeconds));
        return sendAdminError(res, 503, err.reason ?? "unavailable", err.message);
      }
      req.log.info({ category: "admin", error: CODE[err.kind], status: DOMAIN_ERROR_STATUS[err.kind] }, err.message);
      return sendAdminError(res, DOMAIN_ERROR_STATUS[err.kind], CODE[err.kind], err.message, err.fields);
    }
    req.log.error({ err }, "unhandled error");
    sendAdminError(res, 500, "internal_error", "internal error; see the server log with the X-Request-Id");
  };
}
