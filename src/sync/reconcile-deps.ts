import type { Clock } from "../clock.js";
import type { Queryable } from "../store/store.js";
import type { DirectoryTarget } from "./targets/target.js";

/** What the reconcilers (users, groups) and the drift check work with. */
export interface ReconcileDeps {
  db: Queryable;
  target: DirectoryTarget;
  clock: Clock;
  /**
   * The role names the sync may grant (GENESYS_GRANTABLE_ROLES). Empty or absent: SCIM roles are
   * kept but never sent, for an identity provider must not hand out Genesys roles unless told it may.
   */
  grantableRoles?: ReadonlySet<string>;
}
