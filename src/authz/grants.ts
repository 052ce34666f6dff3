import type { Queryable } from "../store/store.js";
import type { EffectiveGrant } from "./permissions.js";

/** A client's grants with their roles' current permissions. */
export async function clientGrants(db: Queryable, clientId: string): Promise<EffectiveGrant[]> {
  const rows = await db.query<{ role_id: string; division_id: string; permissions: string[] }>(
    "select g.role_id, g.division_id, r.permissions from client_role_divisions g join roles r on r.id = g.role_id where g.client_id = $1",
    [clientId],
  );
  return rows.map((r) => ({ roleId: r.role_id, divisionId: r.division_id, permissions: r.permissions }));
}
