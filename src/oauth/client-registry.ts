import { randomUUID } from "node:crypto";
import type { Queryable, Store } from "../store/store.js";
import { DomainError } from "../errors/domain-error.js";
import { recordAudit } from "../audit/audit-log.js";
import { bumpRegistryGeneration } from "./registry-generation.js";
import { settleDuration } from "./duration-reset.js";
import { type Actor, actorName } from "../authz/principal.js";
import { builtinRoleId } from "../authz/roles.js";
import { checkGrants, grantsOf, rolePermissionSets, writeGrants } from "./client-grants.js";
import { expandPreset } from "./client-presets.js";
import { homeDivisionId } from "../authz/divisions.js";
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

/** The writable fields as the statements' $2..$8: name, description, grant type, duration, redirect URIs, scope, state. */
function writableValues(f: ClientFields): unknown[] {
  return [
    f.name,
    f.description,
    f.authorizedGrantType,
    f.accessTokenValiditySeconds,
    JSON.stringify(f.registeredRedirectUri),
    JSON.stringify(f.scope),
    f.state,
  ];
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
      [id, ...writableValues(fields), hashSecret(secret), now, by],
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
        [id, ...writableValues(fields), now, by],
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
