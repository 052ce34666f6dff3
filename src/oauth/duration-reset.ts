import type { Queryable } from "../store/store.js";
import { recordAudit } from "../audit/audit-log.js";
import { type DurationDecision, decideDuration, isScimRestricted, type ClientFields } from "./client-rules.js";
import { capTokens } from "./token-store.js";

/**
 * Genesys Cloud's token-duration rule in one place: a client-credentials client may hold tokens for
 * up to 450 days only while its roles carry nothing beyond the SCIM Integration role's; the change
 * that ends that restriction (a role granted, a role's permissions widened, a role deleted) resets
 * its duration to 86,400 s. Every path that changes roles goes through here: snapshot the holders,
 * make the change, then decide, write, cap live tokens and audit, in the same transaction.
 */
export interface DurationReset {
  clientId: string;
  from: number;
  to: number;
}

interface Restriction {
  restricted: boolean;
  seconds: number;
}

/** Whether each client is SCIM-restricted now, with its duration; locks the client rows. */
export async function restrictionOf(db: Queryable, clientIds: readonly string[]): Promise<Map<string, Restriction>> {
  const out = new Map<string, Restriction>();
  if (clientIds.length === 0) return out;
  const rows = await db.query<{
    id: string;
    authorized_grant_type: ClientFields["authorizedGrantType"];
    access_token_validity_seconds: number;
    perms: string[][] | null;
  }>(
    `select c.id, c.authorized_grant_type, c.access_token_validity_seconds,
            (select json_agg(r.permissions) from roles r where r.id in (select role_id from client_role_divisions g where g.client_id = c.id)) as perms
       from clients c where c.id = any($1::text[]) for update of c`,
    [clientIds],
  );
  for (const r of rows)
    out.set(r.id, { restricted: isScimRestricted(r.authorized_grant_type, r.perms ?? []), seconds: r.access_token_validity_seconds });
  return out;
}

async function clientsHoldingRole(db: Queryable, roleId: string): Promise<string[]> {
  return (await db.query<{ client_id: string }>("select distinct client_id from client_role_divisions where role_id = $1", [roleId])).map(
    (r) => r.client_id,
  );
}

/**
 * After a client's duration was decided and written: live tokens capped when it went down (tokens
 * already issued expire at most the new duration after issue), and the reset audited.
 */
export async function settleDuration(
  tx: Queryable,
  at: { now: Date; by: string },
  clientId: string,
  previousSeconds: number,
  decision: DurationDecision,
): Promise<DurationReset | null> {
  if (decision.seconds < previousSeconds) await capTokens(tx, clientId, decision.seconds);
  const reset = decision.reset;
  if (!reset) return null;
  await recordAudit(tx, at.now, {
    actor: at.by,
    action: "client.duration.reset",
    targetType: "client",
    targetId: clientId,
    before: { accessTokenValiditySeconds: reset.from },
    after: { accessTokenValiditySeconds: reset.to },
    note: `accessTokenValiditySeconds reset from ${reset.from} to ${reset.to}: ${reset.reason}; tokens already issued expire at most ${reset.to} s after issue`,
  });
  return { clientId, from: reset.from, to: reset.to };
}

/**
 * A change to a role (its permissions edited, restored, or the role deleted) with the rule applied
 * to every client holding it. `reason` says, for the audit, what ended the restriction.
 */
export async function changingRole<T>(
  tx: Queryable,
  roleId: string,
  at: { now: Date; by: string },
  change: () => Promise<{ result: T; reason: string }>,
): Promise<{ result: T; clientsReset: DurationReset[] }> {
  const before = await restrictionOf(tx, await clientsHoldingRole(tx, roleId));
  const { result, reason } = await change();
  const after = await restrictionOf(tx, [...before.keys()]);
  const clientsReset: DurationReset[] = [];
  for (const [clientId, was] of before) {
    const now = after.get(clientId);
    if (!now) continue;
    const decision = decideDuration({ current: now.seconds, restrictedBefore: was.restricted, restrictedAfter: now.restricted, reason });
    if (!decision.reset) continue;
    await tx.query("update clients set access_token_validity_seconds=$2, date_modified=$3, modified_by=$4 where id=$1", [
      clientId,
      decision.seconds,
      at.now,
      at.by,
    ]);
    const reset = await settleDuration(tx, at, clientId, now.seconds, decision);
    if (reset) clientsReset.push(reset);
  }
  return { result, clientsReset };
}

/** How many clients hold a role (for the audit note of its deletion). */
export async function holdersOf(db: Queryable, roleId: string): Promise<number> {
  return (await clientsHoldingRole(db, roleId)).length;
}
