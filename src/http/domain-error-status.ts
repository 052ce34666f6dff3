import type { DomainErrorKind } from "../errors/domain-error.js";

/**
 * The HTTP status of each kind of domain error, for the surfaces that answer with it (SCIM, the admin
 * API). OAuth maps kinds to RFC 6749 §5.2's statuses and codes itself.
 */
export const DOMAIN_ERROR_STATUS: Readonly<Record<DomainErrorKind, number>> = {
  validation: 400,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  unavailable: 503,
};
