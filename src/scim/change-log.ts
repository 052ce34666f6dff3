import type { Queryable } from "../store/store.js";

export type ResourceType = "User" | "Group";

/**
 * Change capture (DESIGN §5): the outbox row is written in the transaction that writes the resource,
 * so the sync pipeline sees every accepted change, and only accepted ones.
 */
export async function recordChange(tx: Queryable, type: ResourceType, id: string, version: number, op: "upsert" | "delete", now: Date): Promise<void> {
  await tx.query("insert into outbox(resource_type, resource_id, version, op, created_at) values ($1,$2,$3,$4,$5)", [type, id, version, op, now]);
}

/** Keeps scim_counts right in the same transaction, so unfiltered lists need no count(*) scan. */
export async function adjustCount(tx: Queryable, type: ResourceType, divisionId: string, delta: number): Promise<void> {
  await tx.query(
    `insert into scim_counts(resource_type, division_id, n) values ($1,$2,$3)
     on conflict (resource_type, division_id) do update set n = scim_counts.n + excluded.n`,
    [type, divisionId, delta],
  );
}

/** `meta.version` is a weak ETag over the row's version counter. */
export function etagOf(version: number): string {
  return `W/"${version}"`;
}
