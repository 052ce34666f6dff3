/**
 * The Genesys Cloud Platform API's bodies and answers, as far as the sync uses them
 * (docs/genesys-platform-api.md). Types only.
 */
export interface GenesysAddress {
  address: string;
  mediaType: "PHONE" | "EMAIL" | "SMS";
  type: string;
  extension?: string;
}

export interface GenesysUser {
  id: string;
  name: string;
  email: string;
  state: "active" | "inactive" | "deleted";
  version: number;
  division?: { id: string; name?: string };
  title?: string;
  department?: string;
  manager?: { id: string } | null;
  addresses?: GenesysAddress[];
  employerInfo?: { officialName?: string; employeeId?: string; employeeType?: string; dateHire?: string };
}

export interface CreateUserBody {
  name: string;
  email: string;
  divisionId?: string;
  state?: "active" | "inactive";
  title?: string;
  department?: string;
  addresses?: GenesysAddress[];
}

export interface UpdateUserBody {
  version: number;
  name?: string;
  email?: string;
  title?: string;
  department?: string;
  /** The manager's id; "" clears it. */
  manager?: string;
  addresses?: GenesysAddress[];
  employerInfo?: { employeeId?: string; dateHire?: string };
  state?: "active" | "inactive";
}

export interface GenesysDivision {
  id: string;
  name: string;
  description?: string;
  homeDivision: boolean;
}

export interface GenesysGroup {
  id: string;
  name: string;
  version: number;
  type?: "official" | "social";
  visibility?: "public" | "owners" | "members";
  rulesVisible?: boolean;
  description?: string;
  /** A deleted group still answers GET, with state "deleted". */
  state?: "active" | "inactive" | "deleted";
  memberCount?: number;
}

/** A page of a list (`entities`) or of a search (`results`). */
export interface GenesysPage<T> {
  entities?: T[];
  results?: T[];
  pageNumber?: number;
  pageCount?: number;
  total?: number;
}

/** A routing skill or language of the organisation's catalog. */
export interface GenesysCatalogEntry {
  id: string;
  name: string;
  state?: string;
}

/** A skill or language a user holds, with its proficiency (0..5). */
export interface GenesysProficiency {
  id: string;
  name?: string;
  proficiency: number;
}

/** An external identifier of a user: the authority that issued it and the key. */
export interface GenesysExternalId {
  authorityName: string;
  externalKey: string;
}

/** A role of the organisation (`GET /api/v2/authorization/roles`). */
export interface GenesysRole {
  id: string;
  name: string;
}

/** One role granted to a subject in one division. */
export interface GenesysGrant {
  role: { id: string; name?: string };
  division: { id: string; name?: string };
}

/** What `GET /api/v2/authorization/subjects/{id}` answers: the subject's grants. */
export interface GenesysSubject {
  id?: string;
  grants?: GenesysGrant[];
}
