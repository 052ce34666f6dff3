import { randomUUID } from "node:crypto";
import type { Queryable, Store } from "../store/store.js";
import { isUniqueViolation } from "../store/store.js";
import { DomainError } from "../errors/domain-error.js";
import { z } from "zod";
import { parseBody } from "../errors/parse-body.js";
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

/**
 * `POST /divisions`. Keys besides name and description are ignored: this endpoint never refused them,
 * and refusing them now would break callers that send more. `*` is no name: in a grant it means every
 * division (docs/oauth-clients.md). The length counts the name as sent, before it is trimmed.
 */
const DivisionBody = z.object(
  {
    name: z
      .string({ error: "is required" })
      .refine((n) => n.trim() !== "", { error: "is required", abort: true })
      .refine((n) => n.length <= 200 && n !== "*", { error: 'must be 1..200 characters and not "*"' })
      .transform((n) => n.trim()),
    description: z.string({ error: "must be a string" }).optional(),
  },
  { error: "must be a JSON object" },
);

export async function createDivision(store: Store, actor: Actor, now: Date, body: unknown): Promise<Division> {
  const input = parseBody(DivisionBody, body);
  const division: Division = { id: randomUUID(), name: input.name, description: input.description ?? "", homeDivision: false };
  try {
    await store.transaction(async (tx) => {
      await tx.query("insert into divisions(id, name, description, home, created_at) values ($1,$2,$3,false,$4)", [
        division.id,
        division.name,
        division.description,
        now,
      ]);
      await recordAudit(tx, now, {
        actor: actorName(actor),
        action: "division.create",
        targetType: "division",
        targetId: division.id,
        after: division,
      });
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw DomainError.conflict(`a division named ${JSON.stringify(division.name)} exists`, "name");
    throw err;
  }
  return division;
}
