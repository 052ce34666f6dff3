import { TargetError } from "./target-error.js";
import type { ReconcileDeps } from "./reconcile-deps.js";

/**
 * The division's id on the target: read from the target's catalog, or (dry run) the division itself.
 * Undefined for a home division not yet matched: Genesys puts a user without divisionId in its home.
 */
export async function targetDivisionId(deps: ReconcileDeps, divisionId: string): Promise<string | undefined> {
  const row = (
    await deps.db.query<{ target_id: string | null; name: string; home: boolean }>(
      "select target_id, name, home from divisions where id = $1",
      [divisionId],
    )
  )[0];
  if (row?.target_id) return row.target_id;
  if (deps.target.name === "dry-run") return divisionId;
  if (row?.home) return undefined;
  throw new TargetError(
    "permanent",
    `division ${JSON.stringify(row?.name ?? divisionId)} has no Genesys Cloud id: run a division sync (POST /admin/v1/divisions/sync) or create it in Genesys`,
  );
}
