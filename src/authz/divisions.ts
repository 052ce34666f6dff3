import { randomUUID } from "node:crypto";
import type { Queryable, Store } from "../store/store.js";
import { isUniqueViolation } from "../store/store.js";
import { DomainError } from "../errors/domain-error.js";
import { recordAudit } from "../audit/audit-log.js";
import { type Actor, actorName } from "./principal.js";

export interface Division {
  id: string;
  name: string;
  description: string;
  homeDivision: boolean;
}

interface DivisionRow {
  id: string;
  name: string;
  description: string;
  home: boolean;
}

const toDivision = (r: DivisionRow): Division => ({ id: r.id, name: r.name, description: r.description, homeDivision: r.home });

export async function listDivisions(db: Queryable): Promise<Division[]> {
  return (await db.query<DivisionRow>("select id, name, description, home from divisions order by home desc, lower(name)")).map(toDivision);
}

export async function homeDivisionId(db: Queryable): Promise<string> {
  const rows = await db.query<{ id: string }>("select id from divisions where home");
  if (!rows[0]) throw new Error("no home division: run `scim-bridge migrate`");
  return rows[0].id;
}

export async function existingDivisionIds(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.query<{ id: string }>("select id from divisions where id = any($1::text[])", [ids]);
  return new Set(rows.map((r) => r.id));
}

export async function createDivision(store: Store, actor: Actor, now: Date, body: unknown): Promise<Division> {
  const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const errors = [];
  if (typeof b.name !== "string" || !b.name.trim()) errors.push({ field: "name", message: "is required" });
  else if (b.name.length > 200 || b.name === "*") errors.push({ field: "name", message: "must be 1..200 characters and not \"*\"" });
  if (b.description !== undefined && typeof b.description !== "string") errors.push({ field: "description", message: "must be a string" });
  if (errors.length) throw DomainError.validation(errors);
  const division: Division = { id: randomUUID(), name: (b.name as string).trim(), description: (b.description as string | undefined) ?? "", homeDivision: false };
  try {
    await store.transaction(async (tx) => {
      await tx.query("insert into divisions(id, name, description, home, created_at) values ($1,$2,$3,false,$4)", [division.id, division.name, division.description, now]);
      await recordAudit(tx, now, { actor: actorName(actor), action: "division.create", targetType: "division", targetId: division.id, after: division });
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw DomainError.conflict(`a division named ${JSON.stringify(division.name)} exists`, "name");
    throw err;
  }
  return division;
}
