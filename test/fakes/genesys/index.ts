export { startFakeGenesys, type FakeCall, type FakeGenesys, type FakeGenesysOptions } from "./server.js";
export { FakeFaults, type UserRejectionMatch, type UserWrite } from "./faults.js";
export {
  FakeGenesysOrg,
  defaultVersionConflict,
  type FakeAddress,
  type FakeDivisionRecord,
  type FakeEmployerInfo,
  type FakeGroupRecord,
  type FakeUserRecord,
  type UserState,
  type VersionConflictStyle,
} from "./state.js";
export { FakeGenesysError, codeForStatus, type GenesysErrorBody } from "./errors.js";
export type { FakePage, PagingOptions } from "./paging.js";
