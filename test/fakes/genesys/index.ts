export {
  startFakeGenesys,
  DEFAULT_MEMBER_APPLY_DELAY_MS,
  REALISTIC_SEARCH_LAG_MS,
  type FakeCall,
  type FakeGenesys,
  type FakeGenesysOptions,
} from "./server.js";
export { FakeFaults, type LoginFault, type UserRejectionMatch, type UserWrite } from "./faults.js";
export {
  FakeGenesysOrg,
  defaultVersionConflict,
  type FakeAddress,
  type FakeDivisionRecord,
  type FakeEmployerInfo,
  type FakeGroupRecord,
  type FakeUserRecord,
  type MemberRemovalAttempt,
  type UserState,
  type VersionConflictStyle,
} from "./state.js";
export { FakeGroups } from "./state-groups.js";
export { FakeRouting, MAX_BULK_ENTRIES, type FakeCatalogEntry, type FakeUserAssignment, type RoutingKind } from "./state-routing.js";
export { FakeExternalIds, MAX_EXTERNAL_IDS, type FakeExternalId } from "./state-externalids.js";
export { ALL_DIVISIONS, BUILT_IN_ROLES, EMPLOYEE_ROLE, FakeRoles, type FakeGrant, type FakeRole } from "./state-roles.js";
export { FakeGenesysError, codeForStatus, type GenesysErrorBody } from "./errors.js";
export type { FakePage, PagingOptions } from "./paging.js";
