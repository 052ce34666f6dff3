import type { FieldError } from "../errors/domain-error.js";
/**
 * The OAuth client rules of Genesys Cloud's "create an OAuth client" procedure (docs/oauth-clients.md),
 * as pure functions: they take data and return data or a list of field errors.
 */
import { SCIM_INTEGRATION_PERMISSIONS, isSubset, ALL_DIVISIONS } from "../authz/permissions.js";
import { z } from "zod";
import { asOne, bodyObject, fieldErrors } from "../errors/parse-body.js";

export const GRANT_TYPES = ["CLIENT-CREDENTIALS", "CODE", "TOKEN", "SAML2-BEARER"] as const;
export type GrantType = (typeof GRANT_TYPES)[number];
export const CLIENT_STATES = ["active", "inactive"] as const;
export type ClientState = (typeof CLIENT_STATES)[number];

export const DEFAULT_TOKEN_SECONDS = 86_400;
export const MIN_TOKEN_SECONDS = 300;
export const MAX_ORDINARY_TOKEN_SECONDS = 172_800;
export const MAX_SCIM_TOKEN_SECONDS = 38_880_000;
export const MAX_REDIRECT_URIS = 125;
export const MAX_NAME_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 2_000;
export const MAX_SCOPES = 200;

export interface RoleDivision {
  roleId: string;
  divisionId: string;
}

/** The fields an admin sets; everything else on a client is server-set. */
export interface ClientFields {
  name: string;
  description: string;
  authorizedGrantType: GrantType;
  accessTokenValiditySeconds: number;
  registeredRedirectUri: string[];
  scope: string[];
  roleDivisions: RoleDivision[];
  state: ClientState;
}

export const SERVER_SET_FIELDS = ["id", "dateCreated", "dateModified", "createdBy", "modifiedBy", "secret", "durationReset"] as const;
const WRITABLE_FIELDS: readonly (keyof ClientFields)[] = [
  "name",
  "description",
  "authorizedGrantType",
  "accessTokenValiditySeconds",
  "registeredRedirectUri",
  "scope",
  "roleDivisions",
  "state",
];

export type ClientInput = Partial<ClientFields>;

const text = (max: number) => z.string({ error: "must be a string" }).max(max, { error: `must be at most ${max} characters` });
const WHOLE_SECONDS = "must be a whole number of seconds";

/**
 * A grant. One without a division (absent or null) goes to the home division (docs/oauth-clients.md,
 * "Roles, divisions and the grant rule"): normalizeGrants fills it in.
 */
const Grant = z
  .object({ roleId: z.string().min(1), divisionId: z.string().nullish() })
  .transform((g): RoleDivision => ({ roleId: g.roleId, divisionId: g.divisionId ?? "" }));

/**
 * The shape of a client body (the Fields table of docs/oauth-clients.md); the rules on its values are
 * validateClient's. Fields are exactly optional: a key sent as `undefined` (the CLI builds bodies in
 * code) is refused rather than spread over a default by createClient or updateClient.
 */
const ClientBody: z.ZodType<ClientInput> = bodyObject(
  {
    name: text(MAX_NAME_LENGTH).exactOptional(),
    description: text(MAX_DESCRIPTION_LENGTH).exactOptional(),
    authorizedGrantType: z.enum(GRANT_TYPES, { error: `must be one of ${GRANT_TYPES.join(", ")}` }).exactOptional(),
    state: z.enum(CLIENT_STATES, { error: `must be one of ${CLIENT_STATES.join(", ")}` }).exactOptional(),
    accessTokenValiditySeconds: z.number({ error: WHOLE_SECONDS }).int({ error: WHOLE_SECONDS }).exactOptional(),
    registeredRedirectUri: asOne(z.array(z.string()), "must be an array of strings").exactOptional(),
    scope: asOne(z.array(z.string()), "must be an array of strings").exactOptional(),
    roleDivisions: z
      .array(asOne(Grant, "must be {roleId: string, divisionId?: string}"), { error: "must be an array of {roleId, divisionId}" })
      .exactOptional(),
  },
  { unknownField: `unknown field; writable fields are ${WRITABLE_FIELDS.join(", ")}`, ignored: SERVER_SET_FIELDS },
);

/**
 * Checks the shape of a request body; server-set fields are ignored so a GET can be PUT back. On a
 * failure `input` still holds what was right (a bad grant costs only itself), as callers that
 * report field by field expect.
 */
export function parseClientInput(body: unknown): { input: ClientInput; errors: FieldError[] } {
  const parsed = ClientBody.safeParse(body);
  if (parsed.success) return { input: parsed.data, errors: [] };
  return { input: withoutFaults(body, parsed.error.issues), errors: fieldErrors(parsed.error) };
}

/** The body less each value an issue names (a field, or one element of a list), parsed again. */
function withoutFaults(body: unknown, issues: readonly z.core.$ZodIssue[]): ClientInput {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return {};
  const rest: Record<string, unknown> = { ...body };
  const badElements: Record<string, Set<number>> = {};
  for (const issue of issues) {
    const [key, index] = issue.path;
    if (issue.code === "unrecognized_keys") issue.keys.forEach((k) => delete rest[k]);
    else if (typeof key === "string" && typeof index === "number") (badElements[key] ??= new Set()).add(index);
    else if (typeof key === "string") delete rest[key];
  }
  for (const [key, bad] of Object.entries(badElements)) {
    const list = rest[key];
    if (Array.isArray(list)) rest[key] = list.filter((_, i) => !bad.has(i));
  }
  const again = ClientBody.safeParse(rest);
  return again.success ? again.data : {};
}

/** Rule 4: a grant with no division goes to the home division; duplicates collapse. */
export function normalizeGrants(grants: readonly RoleDivision[], homeDivisionId: string): RoleDivision[] {
  const seen = new Map<string, RoleDivision>();
  for (const g of grants) {
    const divisionId = g.divisionId || homeDivisionId;
    seen.set(`${g.roleId}\u0000${divisionId}`, { roleId: g.roleId, divisionId });
  }
  return [...seen.values()];
}

/**
 * Rule 2: SCIM-restricted means client credentials, at least one role, and no permission beyond the
 * SCIM Integration role's (so a custom role with the same permissions counts).
 */
export function isScimRestricted(grantType: GrantType, rolePermissions: readonly (readonly string[])[]): boolean {
  if (grantType !== "CLIENT-CREDENTIALS" || rolePermissions.length === 0) return false;
  return isSubset(rolePermissions.flat(), SCIM_INTEGRATION_PERMISSIONS);
}

export function maxTokenSeconds(scimRestricted: boolean): number {
  return scimRestricted ? MAX_SCIM_TOKEN_SECONDS : MAX_ORDINARY_TOKEN_SECONDS;
}

export function durationError(seconds: number, scimRestricted: boolean): FieldError | null {
  const max = maxTokenSeconds(scimRestricted);
  if (seconds >= MIN_TOKEN_SECONDS && seconds <= max) return null;
  const kind = scimRestricted
    ? "a client-credentials client restricted to the SCIM Integration role's permissions"
    : "this client (only a client-credentials client whose roles carry no permission beyond the SCIM Integration role's may have up to 38880000)";
  return { field: "accessTokenValiditySeconds", message: `must be ${MIN_TOKEN_SECONDS}..${max} seconds for ${kind}; got ${seconds}` };
}

export interface DurationDecision {
  seconds: number;
  /** Set when rule 3 reset the duration (or an explicit value replaced it while the client lost SCIM restriction). */
  reset: null | { from: number; to: number; reason: string };
}

/**
 * Rules 1 and 3. `explicit` is the duration the request set, if it set one. When a change makes a
 * SCIM-restricted client an ordinary one, the duration becomes 86,400 unless the same request set one.
 */
export function decideDuration(args: {
  current?: number;
  explicit?: number;
  restrictedBefore: boolean;
  restrictedAfter: boolean;
  reason?: string;
}): DurationDecision {
  const { current, explicit, restrictedBefore, restrictedAfter } = args;
  const lostRestriction = current !== undefined && restrictedBefore && !restrictedAfter;
  const seconds = explicit ?? (lostRestriction ? DEFAULT_TOKEN_SECONDS : (current ?? DEFAULT_TOKEN_SECONDS));
  const reset = lostRestriction
    ? { from: current, to: seconds, reason: args.reason ?? "the client's roles now carry permissions beyond the SCIM Integration role's" }
    : null;
  return { seconds, reset };
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Rule 6: absolute, no fragment (RFC 6749 §3.1.2), https unless the host is loopback. */
export function redirectUriError(uri: string, index: number): FieldError | null {
  const field = `registeredRedirectUri[${index}]`;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return { field, message: `must be an absolute URI; got ${JSON.stringify(uri)}` };
  }
  // `url.hash` is empty for a bare trailing "#", which is still a fragment.
  if (uri.includes("#")) return { field, message: "must not contain a fragment (RFC 6749 §3.1.2)" };
  const loopback = LOOPBACK_HOSTS.has(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:" && loopback) return null;
  return { field, message: `must use https (http only for loopback hosts); got ${JSON.stringify(uri)}` };
}

/** Every rule of docs/oauth-clients.md that depends only on the client's own fields and whether it is SCIM-restricted. */
export function validateClient(c: ClientFields, scimRestricted: boolean): FieldError[] {
  const errors: FieldError[] = [];
  if (!c.name.trim()) errors.push({ field: "name", message: "is required" });
  const d = durationError(c.accessTokenValiditySeconds, scimRestricted);
  if (d) errors.push(d);
  const browser = c.authorizedGrantType === "CODE" || c.authorizedGrantType === "TOKEN";
  if (browser) {
    if (c.registeredRedirectUri.length < 1 || c.registeredRedirectUri.length > MAX_REDIRECT_URIS) {
      errors.push({
        field: "registeredRedirectUri",
        message: `a ${c.authorizedGrantType} client needs 1..${MAX_REDIRECT_URIS} redirect URIs; got ${c.registeredRedirectUri.length}`,
      });
    }
    c.registeredRedirectUri.slice(0, MAX_REDIRECT_URIS + 1).forEach((u, i) => {
      const e = redirectUriError(u, i);
      if (e) errors.push(e);
    });
  } else if (c.registeredRedirectUri.length > 0) {
    errors.push({ field: "registeredRedirectUri", message: `only CODE and TOKEN clients have redirect URIs` });
  }
  if (c.roleDivisions.length > 0 && c.authorizedGrantType !== "CLIENT-CREDENTIALS") {
    errors.push({
      field: "roleDivisions",
      message: `roles are only for CLIENT-CREDENTIALS clients; a ${c.authorizedGrantType} client carries scope instead`,
    });
  }
  if (c.scope.length > 0 && c.authorizedGrantType === "CLIENT-CREDENTIALS") {
    errors.push({ field: "scope", message: "a CLIENT-CREDENTIALS client carries roles, not scopes" });
  }
  if (c.scope.length > MAX_SCOPES) errors.push({ field: "scope", message: `at most ${MAX_SCOPES} scopes` });
  c.scope.forEach((s, i) => {
    if (!/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s)) errors.push({ field: `scope[${i}]`, message: "must be a scope token (RFC 6749 §3.3)" });
  });
  c.roleDivisions.forEach((g, i) => {
    if (!g.divisionId) errors.push({ field: `roleDivisions[${i}].divisionId`, message: "is required" });
  });
  return errors;
}

export function isAllDivisions(divisionId: string): boolean {
  return divisionId === ALL_DIVISIONS;
}
