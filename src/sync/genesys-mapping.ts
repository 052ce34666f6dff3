/**
 * SCIM user → Genesys Cloud user, as Genesys's own SCIM maps it (docs/genesys-platform-api.md, "Mapping from SCIM").
 * Pure functions: the reconciler decides what to send from what these return.
 */
import type { CreateUserBody, GenesysAddress, GenesysUser, UpdateUserBody } from "./targets/target.js";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

export interface ScimUserResource {
  userName?: string;
  displayName?: string;
  title?: string;
  active?: boolean;
  emails?: Array<{ value?: string; type?: string; primary?: boolean }>;
  phoneNumbers?: Array<{ value?: string; type?: string; primary?: boolean }>;
  [ENTERPRISE]?: { department?: string; employeeNumber?: string; manager?: { value?: string }; division?: string; dateHire?: string };
  [key: string]: unknown;
}

/** SCIM phone types → Genesys address types; `microsoftteams` has no Platform API counterpart. */
const PHONE_TYPES: Record<string, string> = {
  work: "WORK",
  work2: "WORK2",
  work3: "WORK3",
  work4: "WORK4",
  home: "HOME",
  mobile: "MOBILE",
  other: "OTHER",
  fax: "OTHER",
  pager: "OTHER",
};

export function addressesOf(u: ScimUserResource): GenesysAddress[] {
  const out: GenesysAddress[] = [];
  const seenTypes = new Set<string>();
  for (const p of u.phoneNumbers ?? []) {
    const type = PHONE_TYPES[(p.type ?? "work").toLowerCase()];
    if (!type || !p.value || seenTypes.has(`PHONE:${type}`)) continue;
    seenTypes.add(`PHONE:${type}`);
    out.push({ address: p.value, mediaType: "PHONE", type });
  }
  const work = (u.emails ?? []).find((e) => (e.type ?? "").toLowerCase() === "work" && e.value);
  if (work?.value && work.value.toLowerCase() !== (u.userName ?? "").toLowerCase())
    out.push({ address: work.value, mediaType: "EMAIL", type: "WORK" });
  return out;
}

export function nameOf(u: ScimUserResource): string {
  return (u.displayName ?? u.userName ?? "").trim();
}

export function stateOf(u: ScimUserResource): "active" | "inactive" {
  return u.active === false ? "inactive" : "active";
}

export function createBody(u: ScimUserResource, divisionId: string | undefined): CreateUserBody {
  const ent = u[ENTERPRISE];
  const body: CreateUserBody = { name: nameOf(u), email: u.userName ?? "" };
  if (divisionId) body.divisionId = divisionId;
  if (u.title) body.title = u.title;
  if (ent?.department) body.department = ent.department;
  const addresses = addressesOf(u);
  if (addresses.length) body.addresses = addresses;
  return body;
}

/** The fields a PATCH sets (everything but state, which Genesys wants in a PATCH of its own). */
export type UserFields = Omit<UpdateUserBody, "version" | "state">;

/** `managerId` is the manager's Genesys id, or null for no manager. */
export function desiredFields(u: ScimUserResource, managerId: string | null): UserFields {
  const ent = u[ENTERPRISE];
  const employerInfo: { employeeId?: string; dateHire?: string } = {};
  if (ent?.employeeNumber) employerInfo.employeeId = ent.employeeNumber;
  if (ent?.dateHire) employerInfo.dateHire = ent.dateHire.slice(0, 10);
  return {
    name: nameOf(u),
    email: u.userName ?? "",
    title: u.title ?? "",
    department: ent?.department ?? "",
    manager: managerId,
    addresses: addressesOf(u),
    employerInfo,
  };
}

function sameAddresses(a: GenesysAddress[] = [], b: GenesysAddress[] = []): boolean {
  const key = (x: GenesysAddress) => `${x.mediaType}|${x.type}|${x.address}`;
  return a.length === b.length && a.map(key).sort().join("\n") === b.map(key).sort().join("\n");
}

/** Only the fields that differ from the target's copy, or null when nothing needs sending. */
export function fieldChanges(current: GenesysUser, want: UserFields): UserFields | null {
  const out: UserFields = {};
  if (want.name !== current.name) out.name = want.name;
  if ((want.email ?? "").toLowerCase() !== (current.email ?? "").toLowerCase()) out.email = want.email;
  if ((want.title ?? "") !== (current.title ?? "")) out.title = want.title;
  if ((want.department ?? "") !== (current.department ?? "")) out.department = want.department;
  if ((want.manager ?? null) !== (current.manager?.id ?? null)) out.manager = want.manager;
  if (!sameAddresses(want.addresses, current.addresses)) out.addresses = want.addresses;
  const ce = current.employerInfo ?? {};
  const we = want.employerInfo ?? {};
  if ((we.employeeId ?? "") !== (ce.employeeId ?? "") || (we.dateHire ?? "") !== (ce.dateHire ?? "")) out.employerInfo = we;
  return Object.keys(out).length ? out : null;
}

export function managerScimId(u: ScimUserResource): string | null {
  return u[ENTERPRISE]?.manager?.value || null;
}
