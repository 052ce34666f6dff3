import type { Queryable, Store } from "../store/store.js";
import type { Clock } from "../clock.js";
import type { ClientPrincipal } from "../authz/principal.js";
import { NO_SECRET_HASH, hashSecret, newSecret, secretMatches } from "./secrets.js";
import { USE_RECORDING_SECONDS, deleteToken, findToken, insertToken, recordTokenUse } from "./token-store.js";
import { DomainError } from "../errors/domain-error.js";
import { VerificationCache } from "./verification-cache.js";
import { idledOut } from "./hipaa-idle.js";

export interface AuthenticatedClient {
  id: string;
  authorizedGrantType: string;
  accessTokenValiditySeconds: number;
  state: string;
}

/** Client authentication (RFC 6749 §2.3.1); the same work is done for unknown ids so timing does not tell. */
export async function authenticateClient(db: Queryable, clientId: string, secret: string): Promise<AuthenticatedClient | null> {
  const rows = await db.query<{
    id: string;
    authorized_grant_type: string;
    access_token_validity_seconds: number;
    state: string;
    secret_hash: string;
  }>("select id, authorized_grant_type, access_token_validity_seconds, state, secret_hash from clients where id = $1", [clientId]);
  const row = rows[0];
  const ok = secretMatches(secret, row?.secret_hash ?? NO_SECRET_HASH);
  if (!row || !ok) return null;
  return {
    id: row.id,
    authorizedGrantType: row.authorized_grant_type,
    accessTokenValiditySeconds: row.access_token_validity_seconds,
    state: row.state,
  };
}

/**
 * A registered client as `authenticateClient` gives it, looked up by id alone: for an operator who
 * works on the store directly (the CLI's `tokens issue`) and so needs no secret. Null for an unknown id.
 */
export async function loadIssuableClient(db: Queryable, clientId: string): Promise<AuthenticatedClient | null> {
  const rows = await db.query<{ id: string; authorized_grant_type: string; access_token_validity_seconds: number; state: string }>(
    "select id, authorized_grant_type, access_token_validity_seconds, state from clients where id = $1",
    [clientId],
  );
  const row = rows[0];
  if (!row) return null;
  const { id, authorized_grant_type: authorizedGrantType, access_token_validity_seconds: accessTokenValiditySeconds, state } = row;
  return { id, authorizedGrantType, accessTokenValiditySeconds, state };
}

export interface IssuedToken {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
}

/** RFC 6749 §4.4.3: an opaque token stored only as its hash, living the client's configured duration. */
export async function issueToken(store: Store, clock: Clock, client: AuthenticatedClient): Promise<IssuedToken> {
  if (client.authorizedGrantType !== "CLIENT-CREDENTIALS") {
    throw DomainError.forbidden(
      `this client's grant type is ${client.authorizedGrantType}; the token endpoint issues tokens only to CLIENT-CREDENTIALS clients`,
      [],
      "unauthorized_client",
    );
  }
  if (client.state !== "active") throw DomainError.forbidden("this client is inactive", [], "unauthorized_client");
  const token = newSecret();
  const now = clock();
  await insertToken(store, hashSecret(token), client.id, new Date(now), new Date(now + client.accessTokenValiditySeconds * 1000));
  return { access_token: token, token_type: "Bearer", expires_in: client.accessTokenValiditySeconds };
}

export type VerifyFailure = "missing" | "unknown" | "expired" | "inactive_client" | "idle";

export interface VerifyOptions {
  /** HIPAA_COMPLIANCE from the configuration; an admin's setting (GET/PUT /admin/v1/settings) wins. */
  hipaaDefault: boolean;
}

export interface TokenInfo {
  active: true;
  clientId: string;
  issuedAt: Date;
  expiresAt: Date;
  principal: ClientPrincipal;
}

/**
 * Checks a bearer token on every request: known, not expired (by the injected clock), client active;
 * the grants are the client's as of the registry's current generation. A hot token is answered from the
 * cache's memory (verification-cache.ts); a check it fails there is made again on the store's record,
 * which another process may have moved on (a use recorded there counts against the idle timeout).
 */
export async function verifyToken(
  db: Queryable,
  clock: Clock,
  token: string,
  cache: VerificationCache = new VerificationCache(),
  opts: VerifyOptions = { hipaaDefault: false },
): Promise<TokenInfo | VerifyFailure> {
  if (!token) return "missing";
  const tokenHash = hashSecret(token);
  const first = await check(db, clock, tokenHash, cache, opts);
  if (typeof first !== "string" || first === "unknown") return first;
  cache.forget(tokenHash);
  return check(db, clock, tokenHash, cache, opts);
}

async function check(
  db: Queryable,
  clock: Clock,
  tokenHash: string,
  cache: VerificationCache,
  opts: VerifyOptions,
): Promise<TokenInfo | VerifyFailure> {
  const rec = await cache.token(db, tokenHash);
  if (!rec) return "unknown";
  const now = clock();
  if (rec.expiresAt.getTime() <= now) return "expired";
  if (idledOut(rec.hipaaSetting ?? opts.hipaaDefault, rec.lastUsedAt.getTime(), now)) return "idle";
  if (now - rec.lastUsedAt.getTime() >= USE_RECORDING_SECONDS * 1000) {
    await recordTokenUse(db, tokenHash, new Date(now));
    rec.lastUsedAt = new Date(now);
  }
  const access = await cache.access(db, rec.clientId, rec.generation);
  if (!access) return "unknown";
  if (access.state !== "active") return "inactive_client";
  return {
    active: true,
    clientId: rec.clientId,
    issuedAt: rec.issuedAt,
    expiresAt: rec.expiresAt,
    principal: { kind: "client", clientId: rec.clientId, tokenHash, grants: access.grants },
  };
}

export const FAILURE_DESCRIPTIONS: Record<VerifyFailure, string> = {
  missing: "no bearer token",
  unknown: "the token is unknown or revoked",
  expired: "the token has expired",
  inactive_client: "the token's client is inactive",
  idle: "the token idled out: unused for more than 15 minutes while HIPAA compliance is on",
};

/**
 * RFC 7009: revoking an unknown token, or one the caller may not revoke, succeeds without effect.
 * A client may always revoke its own tokens; another client's only when `mayRevokeOthers` says so.
 */
export async function revokeToken(
  db: Queryable,
  token: string,
  by: { clientId: string; mayRevokeOthers: (ownerId: string) => Promise<boolean> },
): Promise<boolean> {
  const tokenHash = hashSecret(token);
  const rec = await findToken(db, tokenHash);
  if (!rec || (rec.clientId !== by.clientId && !(await by.mayRevokeOthers(rec.clientId)))) return false;
  return (await deleteToken(db, tokenHash)) > 0;
}
