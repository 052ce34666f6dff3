/**
 * Size limits of the SCIM endpoint, so that no request can cost the others more than a bounded
 * amount of CPU or database time. What SCIM can advertise (bulk, filter) is in ServiceProviderConfig;
 * the rest is documented in the README. Above a limit the answer is 400 `tooMany` (RFC 7644 §3.12),
 * or 413 for a whole Bulk request (§3.7.4).
 */
export const LIMITS = {
  /** Values of one multi-valued attribute of a user (e-mails, phone numbers, addresses, roles, ...). */
  valuesPerAttribute: 100,
  /** Operations in one PatchOp. */
  patchOperations: 1000,
  /** Member references in one request (a group's POST or PUT, or all of a PATCH's operations). */
  membersPerRequest: 10_000,
  /** Operations in one Bulk request. */
  bulkOperations: 1000,
  /** Results of one list or search page (`count`). */
  maxResults: 1000,
} as const;
