/**
 * The sync state belongs to one target: its target ids, versions and snapshots (`applied`) mean
 * nothing to another. Switching from the dry run to Genesys, or to another Genesys org or client, must
 * not leave resources "synced" with ids the new target never made: at worker start the recorded target
 * is compared with the configured one, and on a change the sync state is reset and everything resynced.
 */
import type { Config } from "../config/config.js";
import type { Logger } from "../log/logger.js";
import type { Queryable, Store } from "../store/store.js";
import { genesysUrls } from "../genesys/regions.js";
import { recordAudit } from "../audit/audit-log.js";

export type TargetIdentity = { kind: "dry-run" } | { kind: "genesys"; apiUrl: string; clientId: string };

export interface TargetChange {
  changed: boolean;
  /** What the state belonged to; "unknown" when nothing was recorded and the state's ids were not the dry run's. */
  previous: TargetIdentity | "unknown" | null;
  /** Resources set back to pending. */
  reset: number;
}

/** `https://API.example.com/` and `https://api.example.com` are one target. */
function normalUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname.replace(/\/+$/, "")}`;
  } catch {
    return url.replace(/\/+$/, "");
  }
}

/** The configured target, as recorded: the kind and, for Genesys, its API URL and the bridge's client id. */
export function targetIdentity(
  config: Pick<Config, "TARGET" | "GENESYS_REGION" | "GENESYS_API_URL" | "GENESYS_LOGIN_URL" | "GENESYS_CLIENT_ID">,
): TargetIdentity {
  if (config.TARGET === "dry-run") return { kind: "dry-run" };
  const { apiUrl } = genesysUrls(config.GENESYS_REGION, { loginUrl: config.GENESYS_LOGIN_URL, apiUrl: config.GENESYS_API_URL });
  return { kind: "genesys", apiUrl: normalUrl(apiUrl), clientId: config.GENESYS_CLIENT_ID };
}

export function describeTarget(t: TargetIdentity | "unknown" | null): string {
  if (t === null) return "none";
  if (t === "unknown") return "unknown";
  return t.kind === "dry-run" ? "dry-run" : `genesys ${t.apiUrl} (client ${t.clientId})`;
}

function sameTarget(a: TargetIdentity, b: TargetIdentity): boolean {
  if (a.kind === "dry-run" || b.kind === "dry-run") return a.kind === b.kind;
  return normalUrl(a.apiUrl) === normalUrl(b.apiUrl) && a.clientId === b.clientId;
}

/**
 * Nothing recorded (a store from before targets were recorded, or a new one): the state's ids tell.
 * Ids the dry run's directory holds are the dry run's; other ids are taken to be the configured
 * Genesys target's (the usual upgrade keeps its target); no ids at all belong to no target yet.
 */
async function inferred(db: Queryable, current: TargetIdentity): Promise<TargetIdentity | "unknown" | null> {
  const [r] = await db.query<{ ids: boolean; dry: boolean }>(
    `select exists(select 1 from sync_state where target_id is not null) as ids,
            exists(select 1 from sync_state s join dry_run_directory d
                     on d.id = s.target_id and d.kind = case s.resource_type when 'User' then 'user' else 'group' end) as dry`,
  );
  if (!r?.ids) return null;
  if (r.dry) return { kind: "dry-run" };
  return current.kind === "genesys" ? current : "unknown";
}

/**
 * At worker start, before anything is queued: when the sync state belongs to another target than
 * `current`, forget every target id, snapshot and synced version (and the divisions' target ids: a
 * division sync matches them again by name), set every resource pending (a deletion has nothing to
 * undo on the new target: it is done), and record `current`. Logged and audited once; replicas starting
 * together take turns (the row is locked), so the second finds the first's record.
 */
export async function resyncIfTargetChanged(store: Store, current: TargetIdentity, now: Date, logger?: Logger): Promise<TargetChange> {
  const result = await store.transaction(async (tx): Promise<TargetChange> => {
    const [row] = await tx.query<{ identity: TargetIdentity | null }>("select identity from sync_target where id for update");
    const previous = row?.identity ?? (await inferred(tx, current));
    const record = () =>
      tx.query(
        `insert into sync_target(id, identity, recorded_at) values (true, $1::jsonb, $2)
         on conflict (id) do update set identity = excluded.identity, recorded_at = excluded.recorded_at`,
        [JSON.stringify(current), now],
      );
    if (previous === null || (previous !== "unknown" && sameTarget(previous, current))) {
      if (!row?.identity) await record();
      return { changed: false, previous, reset: 0 };
    }
    // Deleted here: nothing of it is on the new target
    await tx.query(
      `update sync_state s set target_id = null, applied = null, state = 'synced', deleted = true, last_error = null, pending_since = null
        where (s.resource_type = 'User' and not exists (select 1 from scim_users r where r.id = s.resource_id))
           or (s.resource_type = 'Group' and not exists (select 1 from scim_groups r where r.id = s.resource_id))`,
    );
    const reset = await tx.query<{ id: string }>(
      `update sync_state s set target_id = null, applied = null, synced_version = 0, state = 'pending', last_error = null,
              pending_since = coalesce(s.pending_since, $1)
        where exists (select 1 from scim_users r where s.resource_type = 'User' and r.id = s.resource_id)
           or exists (select 1 from scim_groups r where s.resource_type = 'Group' and r.id = s.resource_id)
       returning s.resource_id as id`,
      [now],
    );
    // Live resources never synced have no row: they are pending already
    const [never] = await tx.query<{ n: number }>(
      `select (select count(*) from scim_users r where not exists (select 1 from sync_state s where s.resource_type = 'User' and s.resource_id = r.id))
            + (select count(*) from scim_groups r where not exists (select 1 from sync_state s where s.resource_type = 'Group' and s.resource_id = r.id)) as n`,
    );
    await tx.query("update divisions set target_id = null where target_id is not null");
    await record();
    const change: TargetChange = { changed: true, previous, reset: reset.length + Number(never?.n ?? 0) };
    await recordAudit(tx, now, {
      actor: "system:sync",
      action: "sync.target.change",
      targetType: "sync",
      targetId: "target",
      before: previous,
      after: current,
      note: `${change.reset} resource(s) set pending for a full resync`,
    });
    return change;
  });
  if (result.changed)
    logger?.warn(
      { category: "sync", from: describeTarget(result.previous), to: describeTarget(current), resources: result.reset },
      "the sync target changed: every resource is synced again from scratch",
    );
  return result;
}

/** The target the sync state belongs to, as recorded; null before a worker first recorded one. */
export async function recordedTarget(db: Queryable): Promise<TargetIdentity | null> {
  const [row] = await db.query<{ identity: TargetIdentity | null }>("select identity from sync_target where id");
  return row?.identity ?? null;
}
