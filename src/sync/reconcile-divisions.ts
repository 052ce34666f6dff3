import { randomUUID } from "node:crypto";
import type { Store } from "../store/store.js";
import type { DirectoryTarget } from "./targets/target.js";
import { recordAudit } from "../audit/audit-log.js";

export interface DivisionSyncResult {
  read: number;
  created: number;
  updated: number;
}

/**
 * Reads the target's divisions (all pages) into the local catalog: matched by target id, else by
 * name; the target's home division is our home division.
 */
export async function syncDivisions(store: Store, target: DirectoryTarget, now: Date, actor = "system:sync"): Promise<DivisionSyncResult> {
  const remote = await target.listDivisions({ resourceType: "Division", resourceId: "*" });
  return store.transaction(async (tx) => {
    let created = 0;
    let updated = 0;
    for (const d of remote) {
      const [local] = await tx.query<{ id: string; name: string; target_id: string | null; home: boolean }>(
        `select id, name, target_id, home from divisions where target_id = $1 or ($2 and home) or lower(name) = lower($3)
          order by (target_id = $1) desc nulls last, home desc limit 1`,
        [d.id, d.homeDivision, d.name],
      );
      if (local) {
        if (local.target_id !== d.id || local.name !== d.name) {
          await tx.query("update divisions set target_id = null where target_id = $1 and id <> $2", [d.id, local.id]);
          await tx.query("update divisions set target_id = $2, name = $3, description = $4 where id = $1", [
            local.id,
            d.id,
            d.name,
            d.description ?? "",
          ]);
          await recordAudit(tx, now, {
            actor,
            action: "division.sync.update",
            targetType: "division",
            targetId: local.id,
            before: local,
            after: { ...local, name: d.name, target_id: d.id },
          });
          updated++;
        }
      } else {
        const id = target.name === "dry-run" ? d.id : randomUUID();
        await tx.query("insert into divisions(id, name, description, home, created_at, target_id) values ($1,$2,$3,false,$4,$5)", [
          id,
          d.name,
          d.description ?? "",
          now,
          d.id,
        ]);
        await recordAudit(tx, now, { actor, action: "division.sync.create", targetType: "division", targetId: id, after: d });
        created++;
      }
    }
    return { read: remote.length, created, updated };
  });
}
