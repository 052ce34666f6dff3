import type { Queryable } from "../store/store.js";

export interface AuditEntry {
  actor: string;
  action: string;
  targetType: "client" | "role" | "division" | "token" | "settings" | "sync";
  targetId: string;
  before?: unknown;
  after?: unknown;
  note?: string;
}

export interface AuditRecord extends Required<Omit<AuditEntry, "note">> {
  id: number;
  at: string;
  note: string | null;
}

/** Written in the same transaction as the change it records, so the log never disagrees with the data. */
export async function recordAudit(tx: Queryable, at: Date, e: AuditEntry): Promise<void> {
  await tx.query(
    "insert into audit(at, actor, action, target_type, target_id, before, after, note) values ($1,$2,$3,$4,$5,$6::jsonb,$7::jsonb,$8)",
    [
      at,
      e.actor,
      e.action,
      e.targetType,
      e.targetId,
      e.before === undefined ? null : JSON.stringify(e.before),
      e.after === undefined ? null : JSON.stringify(e.after),
      e.note ?? null,
    ],
  );
}

export interface AuditQuery {
  targetType?: string;
  targetId?: string;
  action?: string;
  limit: number;
  offset: number;
}

interface AuditRow {
  id: number;
  at: Date;
  actor: string;
  action: string;
  target_type: string;
  target_id: string;
  before: unknown;
  after: unknown;
  note: string | null;
}

/** Newest first. */
export async function listAudit(db: Queryable, q: AuditQuery): Promise<{ entities: AuditRecord[]; total: number }> {
  const where: string[] = [];
  const params: unknown[] = [];
  for (const [col, v] of [
    ["target_type", q.targetType],
    ["target_id", q.targetId],
    ["action", q.action],
  ] as const) {
    if (v !== undefined) {
      params.push(v);
      where.push(`${col} = $${params.length}`);
    }
  }
  const filter = where.length ? `where ${where.join(" and ")}` : "";
  const [count] = await db.query<{ n: number }>(`select count(*)::int as n from audit ${filter}`, params);
  const rows = await db.query<AuditRow>(
    `select * from audit ${filter} order by id desc limit $${params.length + 1} offset $${params.length + 2}`,
    [...params, q.limit, q.offset],
  );
  return {
    total: count?.n ?? 0,
    entities: rows.map((r) => ({
      id: r.id,
      at: r.at.toISOString(),
      actor: r.actor,
      action: r.action,
      targetType: r.target_type as AuditRecord["targetType"],
      targetId: r.target_id,
      before: r.before,
      after: r.after,
      note: r.note,
    })),
  };
}
