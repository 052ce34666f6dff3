import type { ScimError } from "./scim-error.js";
import { LIMITS } from "./limits.js";
import type { Store } from "../store/store.js";
import type { ClientPrincipal } from "../authz/principal.js";
import type { FilterNode } from "./filter.js";
import type { AttrPath } from "./filter.js";

/** A list request as the store runs it (RFC 7644 §3.4.2): filtered, sorted and paged in SQL. */
export interface ListQuery {
  filter?: FilterNode;
  sortBy?: AttrPath;
  descending: boolean;
  /** 1-based */
  startIndex: number;
  count: number;
}

/**
 * A request's failure as this bridge means to answer it. SCIMMY's error type allows only some
 * status/scimType pairs, and scimmy-routers renders the errors of its own routes itself, so the real
 * answer travels here (copies of a context share this object) and the response step sends it.
 */
export interface ScimOutcome {
  failure?: { error: ScimError; cause: unknown };
}

/** What every SCIMMY handler receives through scimmy-routers' `context(req)`. */
export interface ScimContext {
  outcome: ScimOutcome;
  store: Store;
  principal: ClientPrincipal;
  now: Date;
  list: ListQuery;
  /** The version an `If-Match` header demands, when one was sent. */
  ifMatch?: string;
  /** `attributes` / `excludedAttributes` as asked (checked lists of paths). */
  projection: { attributes?: string; excludedAttributes?: string };
  /** `excludedAttributes=members`: do not read members at all (Entra ID's group lookups). */
  excludeMembers: boolean;
  /**
   * Set while SCIMMY runs a PATCH (it reads, applies the operations, then writes) inside one
   * transaction: the read locks the row, so a concurrent write waits instead of being overwritten.
   */
  lockOnRead?: boolean;
}

export const DEFAULT_COUNT = 100;
export const MAX_COUNT = LIMITS.maxResults;
