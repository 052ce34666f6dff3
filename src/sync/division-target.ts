import { TargetError } from "./target-error.js";
import type { ReconcileDeps } from "./reconcile-deps.js";

/** What the store holds of a division, as far as the target's id goes (null: no such division). */
export interface DivisionRow {
  target_id: string | null;
  name: string;
  home: boolean;
}

/**
 * The division's id on the target, from its stored row (read with the user, reconcile-user.ts, or by
 * targetDivisionId): the target's catalog id, or (dry run) the division itself. Undefined for a home
 * division not yet matched: Genesys puts a user without divisionId in its home.
 */
export function divisionTargetOf(deps: Pick<ReconcileDeps, "target">, divisionId: string, row: DivisionRow | null): string | undefined {
  if (row?.target_id) return row.target_id;
  if (deps.target.name === "dry-run") return divisionId;
  if (row?.home) return undefined;
  throw new TargetError(
    "permanent",
    `division ${JSON.stringify(row?.name ?? divisionId)} has no Genesys Cloud id: run a division sync (POST /admin/v1/divisions/sync) or create it in Genesys`,
  );
}

/** divisionTargetOf, the division read from the store. */
export async function targetDivisionId(deps: ReconcileDeps, divisionId: string): Promise<string | undefined> {
  const row = (await deps.db.query<DivisionRow>("select target_id, name, home from divisions where id = $1", [divisionId]))[0];
  return divisionTargetOf(deps, divisionId, row ?? null);
}
