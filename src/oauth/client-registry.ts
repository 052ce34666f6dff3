import { randomUUID } from "node:crypto";
import type { Queryable, Store } from "../store/store.js";
import { DomainError } from "../errors/domain-error.js";
import { recordAudit } from "../audit/audit-log.js";
import { bumpRegistryGeneration } from "./registry-generation.js";
import { settleDuration } from "./duration-reset.js";
import { type Actor, actorName } from "../authz/principal.js";
import { mayGrant, ALL_DIVISIONS } from "../authz/permissions.js";
import { builtinRoleId, getRolesByIds, type Role } from "../authz/roles.js";
import { expandPreset } from "./client-presets.js";
import { existingDivisionIds, homeDivisionId } from "../authz/divisions.js";
import { hashSecret, newSecret } from "./secrets.js";
import { deleteClientTokens } from "./token-store.js";
import { assertMayManage, heldGrantsOf, keepingAnAdmin } from "../authz/admin-guard.js";
import {
  type ClientFields,
  type ClientInput,
  type DurationDecision,
  type RoleDivision,
  DEFAULT_TOKEN_SECONDS,
  decideDuration,
  isScimRestricted,
  normalizeGrants,
  parseClientInput,
  validateClient,
} from "./client-rules.js";
import type { FieldError } from "../errors/domain-error.js";

export interface Client extends ClientFields {
  id: string;
  dateCreated: string;
  dateModified: string;
  createdBy: string;
  modifiedBy: string;
}

export interface ClientWithSecret extends Client {
  secret: string;
}

export interface ClientUpdateResult extends Client {
  durationReset?: NonNullable<DurationDecision["reset"]>;
}

interface ClientRow {
  id: string;
  name: string;
  description: string;
  authorized_grant_type: ClientFields["authorizedGrantType"];
  access_token_validity_seconds: number;
  registered_redirect_uri: string[];
  scope: string[];
  state: ClientFields["state"];
  date_created: Date;
  date_modified: Date;
  created_by: string;
  modified_by: string;
}

function toClient(r: ClientRow, roleDivisions: RoleDivision[]): Client {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    authorizedGrantType: r.authorized_grant_type,
    accessTokenValiditySeconds: r.access_token_validity_seconds,
    registeredRedirectUri: r.registered_redirect_uri,
    scope: r.scope,
    roleDivisions,
    state: r.state,
    dateCreated: r.date_created.toISOString(),
    dateModified: r.date_modified.toISOString(),
    createdBy: r.created_by,
    modifiedBy: r.modified_by,
  };
}

async function grantsOf(db: Queryable, clientIds: readonly string[]): Promise<Map<string, RoleDivision[]>> {
  const out = new Map<string, RoleDivision[]>(clientIds.map((id) => [id, []]));
  if (clientIds.length === 0) return out;
  const rows = await db.query<{ client_id: string; role_id: string; division_id: string }>(
    "select client_id, role_id, division_id from client_role_divisions where client_id = any($1::text[]) order by role_id, division_id",
    [clientIds],
  );
  for (const r of rows) out.get(r.client_id)?.push({ roleId: r.role_id, divisionId: r.division_id });
  return out;
}

export async function getClient(db: Queryable, id: string, lock = false): Promise<Client | null> {
  const rows = await db.query<ClientRow>(`select * from clients where id = $1${lock ? " for update" : ""}`, [id]);
  if (!rows[0]) return null;
  return toClient(rows[0], (await grantsOf(db, [id])).get(id) ?? []);
}

export async function listClients(db: Queryable, page: { limit: number; offset: number }): Promise<{ entities: Client[]; total: number }> {
  const [count] = await db.query<{ n: number }>("select count(*)::int as n from clients");
  const rows = await db.query<ClientRow>("select * from clients order by date_created, id limit $1 offset $2", [page.limit, page.offset]);
  const grants = await grantsOf(
    db,
    rows.map((r) => r.id),
  );
  return { total: count?.n ?? 0, entities: rows.map((r) => toClient(r, grants.get(r.id) ?? [])) };
}

/** The permission lists of the roles a set of grants names (once per role). */
function rolePermissionSets(grants: readonly RoleDivision[], roles: ReadonlyMap<string, Role>): string[][] {
  return [...new Set(grants.map((g) => g.roleId))].map((id) => roles.get(id)?.permissions ?? []);
}

/**
 * Resolves grants against roles and divisions and applies rule 5 (an admin grants only what it holds)
 * to the grants the client does not have yet; those it has were checked by `assertMayManage` (an admin
 * acts only on clients whose every role it could grant).
 */
async function checkGrants(tx: Queryable, actor: Actor, grants: RoleDivision[], existing: RoleDivision[]): Promise<Map<string, Role>> {
  const roles = await getRolesByIds(tx, [...new Set([...grants, ...existing].map((g) => g.roleId))]);
  const divisions = await existingDivisionIds(
    tx,
    grants.map((g) => g.divisionId).filter((d) => d !== ALL_DIVISIONS),
  );
  const errors: FieldError[] = [];
  grants.forEach((g, i) => {
    if (!roles.has(g.roleId)) errors.push({ field: `roleDivisions[${i}].roleId`, message: `unknown role ${JSON.stringify(g.roleId)}` });
    if (g.divisionId !== ALL_DIVISIONS && !divisions.has(g.divisionId))
      errors.push({ field: `roleDivisions[${i}].divisionId`, message: `unknown division ${JSON.stringify(g.divisionId)}` });
  });
  if (errors.length) throw DomainError.validation(errors);
  if (actor.kind === "client") {
    const held = new Set(existing.map((g) => `${g.roleId}\u0000${g.divisionId}`));
    const denied: FieldError[] = [];
    grants.forEach((g, i) => {
      const role = roles.get(g.roleId)!;
      if (!held.has(`${g.roleId}\u0000${g.divisionId}`) && !mayGrant(actor.grants, role, g.divisionId)) {
        denied.push({
          field: `roleDivisions[${i}]`,
          message: `you cannot grant role ${JSON.stringify(role.name)} in division ${JSON.stringify(g.divisionId)}: an admin grants only roles it holds there itself`,
        });
      }
    });
    if (denied.length) throw DomainError.forbidden(denied.map((e) => e.message).join("; "), denied);
  }
  return roles;
}

async function writeGrants(tx: Queryable, clientId: string, grants: readonly RoleDivision[]): Promise<void> {
  await tx.query("delete from client_role_divisions where client_id = $1", [clientId]);
  for (const g of grants) {
    await tx.query("insert into client_role_divisions(client_id, role_id, division_id) values ($1,$2,$3)", [
      clientId,
      g.roleId,
      g.divisionId,
    ]);
  }
}

const DEFAULTS: Omit<ClientFields, "name"> = {
  description: "",
  authorizedGrantType: "CLIENT-CREDENTIALS",
  accessTokenValiditySeconds: DEFAULT_TOKEN_SECONDS,
  registeredRedirectUri: [],
  scope: [],
  roleDivisions: [],
  state: "active",
};

function parseOrThrow(body: unknown): ClientInput {
  const { input, errors } = parseClientInput(body);
  if (errors.length) throw DomainError.validation(errors);
  return input;
}

export async function createClient(
  store: Store,
  actor: Actor,
  now: Date,
  body: unknown,
): Promise<ClientWithSecret & { frameworkClientIds?: Record<string, string> }> {
  const expanded = expandPreset(
    body,
    typeof body === "object" && body !== null && "preset" in body ? await builtinRoleId(store, "scim-integration") : null,
  );
  if (expanded.errors.length) throw DomainError.validation(expanded.errors);
  const input = parseOrThrow(expanded.body);
  if (input.name === undefined) throw DomainError.validation([{ field: "name", message: "is required" }]);
  const secret = newSecret();
  const id = randomUUID();
  const client = await store.transaction(async (tx) => {
    const fields: ClientFields = { ...DEFAULTS, ...input, name: input.name! };
    fields.roleDivisions = normalizeGrants(fields.roleDivisions, await homeDivisionId(tx));
    const roles = await checkGrants(tx, actor, fields.roleDivisions, []);
    const restricted = isScimRestricted(fields.authorizedGrantType, rolePermissionSets(fields.roleDivisions, roles));
    const errors = validateClient(fields, restricted);
    if (errors.length) throw DomainError.validation(errors);
    const by = actorName(actor);
    await tx.query(
      `insert into clients(id, name, description, authorized_grant_type, access_token_validity_seconds, registered_redirect_uri, scope, state, secret_hash, date_created, date_modified, created_by, modified_by)
       values ($1,$2,$3,$4,$5,$6::jsonb,$7::jsonb,$8,$9,$10,$10,$11,$11)`,
      [
        id,
        fields.name,
        fields.description,
        fields.authorizedGrantType,
        fields.accessTokenValiditySeconds,
        JSON.stringify(fields.registeredRedirectUri),
        JSON.stringify(fields.scope),
        fields.state,
        hashSecret(secret),
        now,
        by,
      ],
    );
    await writeGrants(tx, id, fields.roleDivisions);
    const created = (await getClient(tx, id))!;
    await bumpRegistryGeneration(tx);
    await recordAudit(tx, now, {
      actor: by,
      action: "client.create",
      targetType: "client",
      targetId: id,
      after: created,
      note: expanded.preset ? `preset ${expanded.preset}` : undefined,
    });
    return created;
  });
  // The Embeddable Framework's framework.js takes `clientIds: {"<region>": "<client id>"}`
  return expanded.preset === "embeddable-framework" && expanded.region
    ? { ...client, secret, frameworkClientIds: { [expanded.region]: client.id } }
    : { ...client, secret };
}

/**
 * PUT replaces every writable field (omitted ones take their defaults); PATCH changes only those given.
 * Either way every rule of docs/oauth-clients.md is checked on the result, and rule 3 is applied.
 */
export async function updateClient(
  store: Store,
  actor: Actor,
  now: Date,
  id: string,
  body: unknown,
  mode: "put" | "patch",
): Promise<ClientUpdateResult> {
  const input = parseOrThrow(body);
  if (mode === "put" && input.name === undefined)
    throw DomainError.validation([
      { field: "name", message: "is required (PUT replaces the whole client; use PATCH to change some fields)" },
    ]);
  return store.transaction((tx) =>
    keepingAnAdmin(tx, async () => {
      const before = await getClient(tx, id, true);
      if (!before) throw DomainError.notFound("client", id);
      assertMayManage(actor, await heldGrantsOf(tx, id), `change client ${JSON.stringify(before.name)}`);
      const { id: _id, dateCreated: _dc, dateModified: _dm, createdBy: _cb, modifiedBy: _mb, ...current } = before;
      const fields: ClientFields = mode === "put" ? { ...DEFAULTS, ...input, name: input.name! } : { ...current, ...input };
      if (mode === "put" && input.accessTokenValiditySeconds === undefined)
        fields.accessTokenValiditySeconds = current.accessTokenValiditySeconds;
      fields.roleDivisions = normalizeGrants(fields.roleDivisions, await homeDivisionId(tx));
      const roles = await checkGrants(tx, actor, fields.roleDivisions, before.roleDivisions);
      const restrictedBefore = isScimRestricted(before.authorizedGrantType, rolePermissionSets(before.roleDivisions, roles));
      const restrictedAfter = isScimRestricted(fields.authorizedGrantType, rolePermissionSets(fields.roleDivisions, roles));
      const decision = decideDuration({
        current: before.accessTokenValiditySeconds,
        explicit: input.accessTokenValiditySeconds,
        restrictedBefore,
        restrictedAfter,
      });
      fields.accessTokenValiditySeconds = decision.seconds;
      const errors = validateClient(fields, restrictedAfter);
      if (errors.length) throw DomainError.validation(errors);
      const by = actorName(actor);
      await tx.query(
        `update clients set name=$2, description=$3, authorized_grant_type=$4, access_token_validity_seconds=$5, registered_redirect_uri=$6::jsonb, scope=$7::jsonb, state=$8, date_modified=$9, modified_by=$10 where id=$1`,
        [
          id,
          fields.name,
          fields.description,
          fields.authorizedGrantType,
          fields.accessTokenValiditySeconds,
          JSON.stringify(fields.registeredRedirectUri),
          JSON.stringify(fields.scope),
          fields.state,
          now,
          by,
        ],
      );
      await writeGrants(tx, id, fields.roleDivisions);
      await bumpRegistryGeneration(tx);
      const after = (await getClient(tx, id))!;
      await recordAudit(tx, now, { actor: by, action: "client.update", targetType: "client", targetId: id, before, after });
      await settleDuration(tx, { now, by }, id, before.accessTokenValiditySeconds, decision);
      return decision.reset ? { ...after, durationReset: decision.reset } : after;
    }),
  );
}

export async function deleteClient(store: Store, actor: Actor, now: Date, id: string): Promise<void> {
  await store.transaction((tx) =>
    keepingAnAdmin(tx, async () => {
      const before = await getClient(tx, id, true);
      if (!before) throw DomainError.notFound("client", id);
      assertMayManage(actor, await heldGrantsOf(tx, id), `delete client ${JSON.stringify(before.name)}`);
      await tx.query("delete from clients where id = $1", [id]);
      await bumpRegistryGeneration(tx);
      await recordAudit(tx, now, { actor: actorName(actor), action: "client.delete", targetType: "client", targetId: id, before });
    }),
  );
}

export interface RotateOptions {
  /** Also revoke every token issued to the client (a leaked secret may already have minted some). */
  revokeTokens?: boolean;
}

/** Rule 7: a new secret, shown once; the old one stops working at once; its tokens too when asked. */
export async function rotateSecret(
  store: Store,
  actor: Actor,
  now: Date,
  id: string,
  opts: RotateOptions = {},
): Promise<ClientWithSecret & { tokensRevoked?: number }> {
  const secret = newSecret();
  const { client, revoked } = await store.transaction(async (tx) => {
    const before = await getClient(tx, id, true);
    if (!before) throw DomainError.notFound("client", id);
    assertMayManage(actor, await heldGrantsOf(tx, id), `rotate the secret of client ${JSON.stringify(before.name)}`);
    await tx.query("update clients set secret_hash=$2, date_modified=$3, modified_by=$4 where id=$1", [
      id,
      hashSecret(secret),
      now,
      actorName(actor),
    ]);
    const revoked = opts.revokeTokens ? await deleteClientTokens(tx, id) : undefined;
    const note = `secret rotated; the previous secret no longer authenticates${revoked === undefined ? "" : `; ${revoked} token(s) revoked`}`;
    await bumpRegistryGeneration(tx);
    await recordAudit(tx, now, { actor: actorName(actor), action: "client.secret.rotate", targetType: "client", targetId: id, note });
    return { client: (await getClient(tx, id))!, revoked };
  });
  return revoked === undefined ? { ...client, secret } : { ...client, secret, tokensRevoked: revoked };
}

/** Revokes every live token of a client at once (a leaked token, or a client being retired). */
export async function revokeClientTokens(
  store: Store,
  actor: Actor,
  now: Date,
  id: string,
): Promise<{ clientId: string; tokensRevoked: number }> {
  return store.transaction(async (tx) => {
    const before = await getClient(tx, id, true);
    if (!before) throw DomainError.notFound("client", id);
    assertMayManage(actor, await heldGrantsOf(tx, id), `revoke the tokens of client ${JSON.stringify(before.name)}`);
    const n = await deleteClientTokens(tx, id);
    await bumpRegistryGeneration(tx);
    await recordAudit(tx, now, {
      actor: actorName(actor),
      action: "client.tokens.revoke",
      targetType: "client",
      targetId: id,
      note: `${n} token(s) revoked`,
    });
    return { clientId: id, tokensRevoked: n };
  });
}
