/**
 * SCIM user → Genesys Cloud user, as Genesys's own SCIM maps it (docs/genesys-platform-api.md, "Mapping from SCIM").
 * Pure functions: the reconciler decides what to send from what these return.
 */
import type { CreateUserBody, GenesysAddress, GenesysExternalId, GenesysUser, UpdateUserBody } from "../genesys/api-types.js";
import type { RoutingKind } from "../genesys/requests.js";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GENESYS = "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User";

/** The authority under which the core `externalId` is kept in Genesys (one key per authority and user). */
export const SCIM_EXTERNAL_ID_AUTHORITY = "scim-bridge";

/** Genesys's own SCIM keeps its authorities under this prefix, immutable: never written by the bridge. */
const GENESYS_SCIM_AUTHORITY = "x-pc:scimv2:v1";

interface ScimProficiency {
  name?: string;
  proficiency?: number;
}

export interface ScimUserResource {
  userName?: string;
  displayName?: string;
  title?: string;
  active?: boolean;
  emails?: Array<{ value?: string; type?: string; primary?: boolean }>;
  phoneNumbers?: Array<{ value?: string; type?: string; primary?: boolean }>;
  externalId?: string;
  roles?: Array<{ value?: string }>;
  [ENTERPRISE]?: { department?: string; employeeNumber?: string; manager?: { value?: string }; division?: string; dateHire?: string };
  [GENESYS]?: {
    routingSkills?: ScimProficiency[];
    routingLanguages?: ScimProficiency[];
    externalIds?: Array<{ authority?: string; value?: string }>;
  };
  [key: string]: unknown;
}

/**
 * SCIM phone types → Genesys address types. Genesys's own SCIM puts `microsoftteams` numbers in the
 * "Other" phone field (docs/genesys-platform-api.md).
 */
const PHONE_TYPES: Record<string, string> = {
  microsoftteams: "OTHER",
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

/**
 * A phone number as Genesys keeps it: E.164 (`+` and 7 to 15 digits) with any extension apart. Takes
 * `tel:` URIs (RFC 3966: `tel:+1-555-0100;ext=42`) and the usual separators (spaces, dashes, dots,
 * parentheses). A number without a country code cannot be made E.164 and is sent as given, for
 * Genesys to accept or refuse with its own message.
 */
export function phoneAddress(value: string): { address: string; extension?: string } {
  let text = value.trim();
  let extension: string | undefined;
  if (/^tel:/i.test(text)) {
    const [number, ...params] = text.slice(4).split(";");
    text = number ?? "";
    const ext = params.find((p) => /^ext=/i.test(p));
    if (ext) extension = ext.slice(4);
  } else {
    const m = /^(.*?)\s*(?:x|ext\.?|extension)\s*(\d+)$/i.exec(text);
    if (m) [text, extension] = [m[1]!, m[2]!];
  }
  const digits = text.replace(/[\s\-.()]/g, "");
  const address = /^\+\d{7,15}$/.test(digits) ? digits : text;
  return extension ? { address, extension } : { address };
}

export function addressesOf(u: ScimUserResource): GenesysAddress[] {
  const out: GenesysAddress[] = [];
  const seenTypes = new Set<string>();
  for (const p of u.phoneNumbers ?? []) {
    const type = PHONE_TYPES[(p.type ?? "work").toLowerCase()];
    if (!type || !p.value || seenTypes.has(`PHONE:${type}`)) continue;
    seenTypes.add(`PHONE:${type}`);
    out.push({ ...phoneAddress(p.value), mediaType: "PHONE", type });
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

/**
 * `managerId` is the manager's Genesys id, null for no manager, or undefined while the manager is not
 * yet in Genesys (the manager is then left as it is, and set by a later run once it exists).
 */
export function desiredFields(u: ScimUserResource, managerId: string | null | undefined): UserFields {
  const ent = u[ENTERPRISE];
  const employerInfo: { employeeId?: string; dateHire?: string } = {};
  if (ent?.employeeNumber) employerInfo.employeeId = ent.employeeNumber;
  if (ent?.dateHire) employerInfo.dateHire = ent.dateHire.slice(0, 10);
  return {
    name: nameOf(u),
    email: u.userName ?? "",
    title: u.title ?? "",
    department: ent?.department ?? "",
    ...(managerId === undefined ? {} : { manager: managerId ?? "" }),
    addresses: addressesOf(u),
    employerInfo,
  };
}

function sameAddresses(a: GenesysAddress[] = [], b: GenesysAddress[] = []): boolean {
  const key = (x: GenesysAddress) => `${x.mediaType}|${x.type}|${x.address}|${x.extension ?? ""}`;
  return a.length === b.length && a.map(key).sort().join("\n") === b.map(key).sort().join("\n");
}

/** Only the fields that differ from the target's copy, or null when nothing needs sending. */
export function fieldChanges(current: GenesysUser, want: UserFields): UserFields | null {
  const out: UserFields = {};
  if (want.name !== current.name) out.name = want.name;
  if ((want.email ?? "").toLowerCase() !== (current.email ?? "").toLowerCase()) out.email = want.email;
  if ((want.title ?? "") !== (current.title ?? "")) out.title = want.title;
  if ((want.department ?? "") !== (current.department ?? "")) out.department = want.department;
  // Genesys clears a manager with "" (as its Terraform provider sends it), never null
  if (want.manager !== undefined && want.manager !== (current.manager?.id ?? "")) out.manager = want.manager;
  if (!sameAddresses(want.addresses, current.addresses)) out.addresses = want.addresses;
  const ce = current.employerInfo ?? {};
  const we = want.employerInfo ?? {};
  if ((we.employeeId ?? "") !== (ce.employeeId ?? "") || (we.dateHire ?? "") !== (ce.dateHire ?? "")) out.employerInfo = we;
  return Object.keys(out).length ? out : null;
}

export function managerScimId(u: ScimUserResource): string | null {
  return u[ENTERPRISE]?.manager?.value || null;
}

const OWNED_PHONE_TYPES = new Set(Object.values(PHONE_TYPES));

/** Whether an address is one the bridge writes (its phone types, the work e-mail); others are Genesys's. */
function ownedAddress(a: GenesysAddress): boolean {
  return (a.mediaType === "PHONE" && OWNED_PHONE_TYPES.has(a.type)) || (a.mediaType === "EMAIL" && a.type === "WORK");
}

/**
 * A PATCH replaces `addresses` and `employerInfo` whole: the parts the bridge does not own (other
 * address types such as SMS, officialName, employeeType) are kept from what Genesys holds now.
 */
export function mergeWithTarget(changes: UserFields, held: Pick<GenesysUser, "addresses" | "employerInfo">): UserFields {
  const out: UserFields = { ...changes };
  if (changes.addresses) out.addresses = [...(held.addresses ?? []).filter((a) => !ownedAddress(a)), ...changes.addresses];
  if (changes.employerInfo) {
    const merged: Record<string, string | undefined> = { ...held.employerInfo };
    for (const key of ["employeeId", "dateHire"] as const) {
      if (changes.employerInfo[key]) merged[key] = changes.employerInfo[key];
      else delete merged[key];
    }
    out.employerInfo = merged;
  }
  return out;
}

const ROUTING_ATTRIBUTES: Record<RoutingKind, "routingSkills" | "routingLanguages"> = {
  skills: "routingSkills",
  languages: "routingLanguages",
};

/**
 * The Genesys extension's skills or languages, or undefined when SCIM does not send the attribute (the
 * bridge then leaves them as Genesys has them). A missing proficiency is 0; a language's is rounded,
 * as Genesys rounds it (its Terraform provider: "the backend rounds to the nearest int").
 */
export function routingOf(u: ScimUserResource, kind: RoutingKind): Array<{ name: string; proficiency: number }> | undefined {
  const list = u[GENESYS]?.[ROUTING_ATTRIBUTES[kind]];
  if (!Array.isArray(list)) return undefined;
  const out = new Map<string, number>();
  for (const e of list) {
    if (!e.name) continue;
    const p = e.proficiency ?? 0;
    out.set(e.name, kind === "languages" ? Math.round(p) : p);
  }
  return [...out].map(([name, proficiency]) => ({ name, proficiency }));
}

/**
 * The external ids to keep in Genesys: the core `externalId` under SCIM_EXTERNAL_ID_AUTHORITY, and the
 * extension's `externalIds` (authority → authorityName, value → externalKey), except those under
 * Genesys's own SCIM authority, which only Genesys writes. Genesys keeps one key per authority and
 * user (it reads a user's id by authority alone): the first one given for an authority is kept.
 */
export function externalIdsOf(u: ScimUserResource): GenesysExternalId[] {
  const out: GenesysExternalId[] = [];
  const add = (authorityName: string, externalKey: string) => {
    if (!out.some((e) => e.authorityName === authorityName)) out.push({ authorityName, externalKey });
  };
  if (u.externalId) add(SCIM_EXTERNAL_ID_AUTHORITY, u.externalId);
  for (const e of u[GENESYS]?.externalIds ?? []) {
    if (e.authority && e.value && !e.authority.startsWith(GENESYS_SCIM_AUTHORITY)) add(e.authority, e.value);
  }
  return out;
}

/**
 * The role names SCIM gives (`roles[].value`, as Genesys's own SCIM matches roles by name), or
 * undefined when it sends no `roles` (the bridge then leaves the user's roles alone).
 */
export function rolesOf(u: ScimUserResource): string[] | undefined {
  if (!Array.isArray(u.roles)) return undefined;
  return [...new Set(u.roles.flatMap((r) => (typeof r.value === "string" && r.value ? [r.value] : [])))];
}
