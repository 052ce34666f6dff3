import type { Queryable } from "../store/store.js";

export type ResourceType = "User" | "Group";

/** Keeps scim_counts right in the same transaction, so unfiltered lists need no count(*) scan. */
export async function adjustCount(tx: Queryable, type: ResourceType, divisionId: string, delta: number): Promise<void> {
  await tx.query(
    `insert into scim_counts(resource_type, division_id, n) values ($1,$2,$3)
     on conflict (resource_type, division_id) do update set n = scim_counts.n + excluded.n`,
    [type, divisionId, delta],
  );
}

/**
 * adjustCount for a statement that writes the resource and counts it at once: follow it with a
 * `select` of resource_type, division_id, delta, then COUNT_UPSERT_CONFLICT.
 */
export const COUNT_UPSERT = "insert into scim_counts(resource_type, division_id, n)";
export const COUNT_UPSERT_CONFLICT = "on conflict (resource_type, division_id) do update set n = scim_counts.n + excluded.n";

/** `meta.version` is a weak ETag over the row's version counter. */
export function etagOf(version: number): string {
  return `W/"${version}"`;
}
