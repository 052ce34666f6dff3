import type { Queryable } from "../store/store.js";
import type { EffectiveGrant } from "../authz/permissions.js";
import { noteRegistryChange } from "./registry-generation.js";

export interface TokenRecord {
  clientId: string;
  issuedAt: Date;
  expiresAt: Date;
  /** The registry generation read in the same statement (see VerificationCache). */
  generation: number;
  /** Last recorded use (recorded at most once a minute: USE_RECORDING_SECONDS). */
  lastUsedAt: Date;
  /** The organisation's HIPAA setting, when an admin set one (else the configuration decides). */
  hipaaSetting: boolean | null;
}

export interface ClientAccess {
  state: string;
  grants: EffectiveGrant[];
}

export async function insertToken(db: Queryable, tokenHash: string, clientId: string, issuedAt: Date, expiresAt: Date): Promise<void> {
  await db.query("insert into tokens(token_hash, client_id, issued_at, expires_at, last_used_at) values ($1,$2,$3,$4,$3)", [
    tokenHash,
    clientId,
    issuedAt,
    expiresAt,
  ]);
}

/** The token and the registry generation, in one indexed lookup. */
export async function findToken(db: Queryable, tokenHash: string): Promise<TokenRecord | null> {
  const rows = await db.query<{
    client_id: string;
    issued_at: Date;
    expires_at: Date;
    last_used_at: Date;
    n: number;
    hipaa: boolean | null;
  }>(
    `select t.client_id, t.issued_at, t.expires_at, t.last_used_at, g.n, (select (value)::text::boolean from settings where key = 'hipaaCompliance') as hipaa
       from tokens t, registry_generation g where t.token_hash = $1 and g.id = 1`,
    [tokenHash],
  );
  const r = rows[0];
  return r
    ? {
        clientId: r.client_id,
        issuedAt: r.issued_at,
        expiresAt: r.expires_at,
        generation: r.n,
        lastUsedAt: r.last_used_at,
        hipaaSetting: r.hipaa,
      }
    : null;
}

/** A client's state and grants with its roles' current permissions; null when the client is gone. */
export async function loadClientAccess(db: Queryable, clientId: string): Promise<ClientAccess | null> {
  const rows = await db.query<{ state: string; role_id: string | null; division_id: string | null; permissions: string[] | null }>(
    `select c.state, g.role_id, g.division_id, r.permissions
       from clients c left join client_role_divisions g on g.client_id = c.id left join roles r on r.id = g.role_id
      where c.id = $1`,
    [clientId],
  );
  if (rows.length === 0) return null;
  return {
    state: rows[0]!.state,
    grants: rows
      .filter((r) => r.role_id !== null)
      .map((r) => ({ roleId: r.role_id!, divisionId: r.division_id!, permissions: r.permissions ?? [] })),
  };
}

// A revoked or shortened token moves the registry generation (a trigger, migrations/008_token_cache.sql);
// noteRegistryChange makes this process's next verification see it at once.

export async function deleteToken(db: Queryable, tokenHash: string): Promise<number> {
  const n = (await db.query("delete from tokens where token_hash = $1 returning 1", [tokenHash])).length;
  if (n > 0) await noteRegistryChange(db);
  return n;
}

/** Deletes every token of a client; returns how many there were. */
export async function deleteClientTokens(db: Queryable, clientId: string): Promise<number> {
  const n = (await db.query("delete from tokens where client_id = $1 returning 1", [clientId])).length;
  if (n > 0) await noteRegistryChange(db);
  return n;
}

/** Rule 3's cap: every live token of the client expires at most `seconds` after it was issued. */
export async function capTokens(db: Queryable, clientId: string, seconds: number): Promise<void> {
  await db.query("update tokens set expires_at = least(expires_at, issued_at + make_interval(secs => $2)) where client_id = $1", [
    clientId,
    seconds,
  ]);
  await noteRegistryChange(db);
}

/** Expired tokens are useless; dropping them keeps the table (and its index) small. */
export async function purgeExpiredTokens(db: Queryable, now: Date): Promise<number> {
  return (await db.query("delete from tokens where expires_at <= $1 returning 1", [now])).length;
}

/** Token use is recorded at most once a minute: no store write per request. */
export const USE_RECORDING_SECONDS = 60;

export async function recordTokenUse(db: Queryable, tokenHash: string, at: Date): Promise<void> {
  await db.query("update tokens set last_used_at = $2, uses = uses + 1 where token_hash = $1 and last_used_at < $2", [tokenHash, at]);
}
