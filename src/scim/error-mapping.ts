import SCIMMY from "scimmy";
import { ScimError, publicDetail, scimTypeFits, type ScimType } from "./scim-error.js";
import { describeReadFailure } from "../http/body-errors.js";
import { domainErrorIn } from "../errors/domain-error.js";
import { DOMAIN_ERROR_STATUS } from "../http/domain-error-status.js";

/** Any failure as a SCIM error: ours as they are, library and engine errors as our own words. */
export function toScimError(err: unknown, bodyLimit = 0): ScimError {
  const read = describeReadFailure(err, bodyLimit);
  if (err instanceof ScimError) return err;
  const carried = (err as { scimFailure?: unknown } | null)?.scimFailure;
  if (carried instanceof ScimError) return carried;
  const domain = domainErrorIn(err);
  if (domain)
    return new ScimError(
      DOMAIN_ERROR_STATUS[domain.kind],
      domain.kind === "validation" ? "invalidValue" : domain.kind === "conflict" ? "uniqueness" : null,
      domain.message,
      domain.retryAfterSeconds,
    );
  if (read)
    return new ScimError(read.status, read.status === 400 ? (read.kind === "path" ? "invalidValue" : "invalidSyntax") : null, read.message);
  if (err instanceof SCIMMY.Types.Error) {
    // SCIMMY's own pairing of status and scimType is kept only where RFC 7644 §3.12 defines it
    const scimType = scimTypeFits(err.status, err.scimType) ? (err.scimType as ScimType) : null;
    return new ScimError(err.status, scimType, publicDetail(err.message));
  }
  return new ScimError(500, null, "internal error; see the server log with the X-Request-Id");
}
