import type { Queryable } from "../store/store.js";
import type { EffectiveGrant } from "../authz/permissions.js";

export interface TokenRecord {
  clientId: string;
  clientState: string;
  issuedAt: Date;
  expiresAt: Date;
  grants: EffectiveGrant[];
}

export async function insertToken(db: Queryable, tokenHash: string, clientId: string, issuedAt: Date, expiresAt: Date): Promise<void> {
  await db.query("insert into tokens(token_hash, client_id, issued_at, expires_at) values ($1,$2,$3,$4)", [tokenHash, clientId, issuedAt, expiresAt]);
}

/**
 * One round trip: the token, its client's state and the client's grants as they are now (a token's
 * rights are its client's current roles, DESIGN §4).
 */
export async function findToken(db: Queryable, tokenHash: string): Promise<TokenRecord | null> {
  const rows = await db.query<{ client_id: string; state: string; issued_at: Date; expires_at: Date; grants: Array<{ roleId: string; divisionId: string; permissions: string[] }> | null }>(
    `select t.client_id, c.state, t.issued_at, t.expires_at,
            (select json_agg(json_build_object('roleId', g.role_id, 'divisionId', g.division_id, 'permissions', r.permissions))
               from client_role_divisions g join roles r on r.id = g.role_id where g.client_id = t.client_id) as grants
       from tokens t join clients c on c.id = t.client_id
      where t.token_hash = $1`,
    [tokenHash],
  );
  const r = rows[0];
  if (!r) return null;
  return { clientId: r.client_id, clientState: r.state, issuedAt: r.issued_at, expiresAt: r.expires_at, grants: r.grants ?? [] };
}

export async function deleteToken(db: Queryable, tokenHash: string): Promise<number> {
  return (await db.query("delete from tokens where token_hash = $1 returning 1", [tokenHash])).length;
}

/** Rule 3's cap: every live token of the client expires at most `seconds` after it was issued. */
export async function capTokens(db: Queryable, clientId: string, seconds: number): Promise<void> {
  await db.query(
    "update tokens set expires_at = least(expires_at, issued_at + make_interval(secs => $2)) where client_id = $1",
    [clientId, seconds],
  );
}

/** Expired tokens are useless; dropping them keeps the table (and its index) small. */
export async function purgeExpiredTokens(db: Queryable, now: Date): Promise<number> {
  return (await db.query("delete from tokens where expires_at <= $1 returning 1", [now])).length;
}
