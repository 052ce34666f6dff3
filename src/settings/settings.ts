import { noteRegistryChange } from "../oauth/registry-generation.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../log/logger.js";
import type { Queryable, Store } from "../store/store.js";
import type { Config } from "../config/config.js";
import { z } from "zod";
import { bodyObject, parseBody } from "../errors/parse-body.js";
import { recordAudit } from "../audit/audit-log.js";
import { type Actor, actorName } from "../authz/principal.js";
import { HIPAA_IDLE_SECONDS, idleRisk } from "../oauth/hipaa-idle.js";
import { USE_RECORDING_SECONDS } from "../oauth/token-store.js";
import { restrictionOf } from "../oauth/duration-reset.js";

export interface Settings {
  hipaaCompliance: boolean;
  /** Where the value comes from: an admin's setting, or the configuration (HIPAA_COMPLIANCE). */
  source: "settings" | "config";
  idleTimeoutSeconds: number | null;
  /** Token use is recorded at most this often: a token idles out 900 s after its last recorded use. */
  lastUseRecordingSeconds: number;
  warnings: string[];
}

async function stored(db: Queryable): Promise<boolean | null> {
  const [r] = await db.query<{ v: boolean }>("select (value)::text::boolean as v from settings where key = 'hipaaCompliance'");
  return r ? r.v : null;
}

/**
 * With HIPAA on, a SCIM client whose identity provider uses one token with long gaps (Entra polls about
 * every 40 minutes with a static token) is locked out: say so before it happens.
 */
export async function hipaaWarnings(db: Queryable, now: Date): Promise<string[]> {
  const rows = await db.query<{ client_id: string; name: string; last_used_at: Date; issued_at: Date; uses: number }>(
    `select distinct on (t.client_id) t.client_id, c.name, t.last_used_at, t.issued_at, t.uses
       from tokens t join clients c on c.id = t.client_id
      where t.expires_at > $1 order by t.client_id, t.last_used_at desc`,
    [now],
  );
  const restricted = await restrictionOf(
    db,
    rows.map((r) => r.client_id),
  );
  const warnings: string[] = [];
  for (const r of rows) {
    if (!restricted.get(r.client_id)?.restricted) continue;
    const {
      idleSeconds: idle,
      gapSeconds: gap,
      atRisk,
    } = idleRisk({ issuedAtMs: r.issued_at.getTime(), lastUsedAtMs: r.last_used_at.getTime(), uses: r.uses }, now.getTime());
    if (atRisk) {
      warnings.push(
        `SCIM client ${JSON.stringify(r.name)} (${r.client_id}) uses its token ${gap !== null ? `about every ${Math.round(gap / 60)} minutes` : "rarely"}` +
          ` (last use ${Math.round(idle / 60)} minutes ago): with HIPAA compliance on, a token unused for 15 minutes is refused.` +
          " Have the identity provider fetch tokens with client credentials instead of holding a static token.",
      );
    }
  }
  return warnings;
}

export async function getSettings(db: Queryable, config: Pick<Config, "HIPAA_COMPLIANCE">, now: Date): Promise<Settings> {
  const s = await stored(db);
  const hipaa = s ?? config.HIPAA_COMPLIANCE;
  return {
    hipaaCompliance: hipaa,
    source: s === null ? "config" : "settings",
    idleTimeoutSeconds: hipaa ? HIPAA_IDLE_SECONDS : null,
    lastUseRecordingSeconds: USE_RECORDING_SECONDS,
    warnings: hipaa ? await hipaaWarnings(db, now) : [],
  };
}

/** `PUT /settings`: the GET body's read-only fields are ignored, so that a GET can be PUT back. */
const SettingsBody = bodyObject(
  { hipaaCompliance: z.boolean({ error: "must be true or false" }) },
  {
    unknownField: "unknown setting; settable: hipaaCompliance",
    ignored: ["source", "idleTimeoutSeconds", "lastUseRecordingSeconds", "warnings"],
  },
);

export async function putSettings(
  store: Store,
  config: Pick<Config, "HIPAA_COMPLIANCE">,
  actor: Actor,
  now: Date,
  body: unknown,
): Promise<Settings> {
  const b = parseBody(SettingsBody, body);
  await store.transaction(async (tx) => {
    const before = await stored(tx);
    await tx.query(
      "insert into settings(key, value) values ('hipaaCompliance', $1::jsonb) on conflict (key) do update set value = excluded.value",
      [JSON.stringify(b.hipaaCompliance)],
    );
    // the idle timeout applies to the next request (the store's trigger moves the registry generation)
    await noteRegistryChange(tx);
    await recordAudit(tx, now, {
      actor: actorName(actor),
      action: "settings.update",
      targetType: "settings",
      targetId: "hipaaCompliance",
      before: { hipaaCompliance: before },
      after: { hipaaCompliance: b.hipaaCompliance },
    });
  });
  return getSettings(store, config, now);
}

/** At start-up: say which SCIM clients HIPAA's idle timeout would lock out (see hipaaWarnings). */
export async function logHipaaWarnings(
  db: Queryable,
  config: Pick<Config, "HIPAA_COMPLIANCE">,
  clock: Clock,
  logger: Logger,
): Promise<void> {
  const settings = await getSettings(db, config, new Date(clock()));
  for (const warning of settings.warnings) logger.warn({ category: "oauth" }, warning);
}
