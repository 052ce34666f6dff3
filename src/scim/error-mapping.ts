import SCIMMY from "scimmy";
import { ScimError, publicDetail } from "./scim-error.js";
import { describeReadFailure } from "../http/body-errors.js";
import { STORE_RETRY_AFTER_SECONDS, storeUnavailable } from "../store/store.js";

/** Any failure as a SCIM error: ours as they are, library and engine errors as our own words. */
export function toScimError(err: unknown, bodyLimit = 0): ScimError {
  const read = describeReadFailure(err, bodyLimit);
  if (err instanceof ScimError) return err;
  const carried = (err as { scimFailure?: unknown } | null)?.scimFailure;
  if (carried instanceof ScimError) return carried;
  if (storeUnavailable(err)) return new ScimError(503, null, `the directory store is unavailable; retry in ${STORE_RETRY_AFTER_SECONDS} s`);
  if (read) return new ScimError(read.status, read.status === 400 ? (read.kind === "path" ? "invalidValue" : "invalidSyntax") : null, read.message);
  if (err instanceof SCIMMY.Types.Error) return new ScimError(err.status, (err.scimType ?? null) as ScimError["scimType"], publicDetail(err.message));
  return new ScimError(500, null, "internal error; see the server log with the X-Request-Id");
}

