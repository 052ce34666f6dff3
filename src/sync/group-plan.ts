/**
 * What to send to make a Genesys group match a SCIM group, once the group is found or made: a pure
 * plan, tested from tables; reconcile-group.ts reads the inputs and carries it out.
 */
import type { GenesysGroup } from "../genesys/api-types.js";

export type GroupStep =
  /** Renamed in SCIM: renamed in Genesys (Genesys's own SCIM matches groups by name only). */
  { kind: "rename"; name: string } | { kind: "addMembers"; userIds: string[] } | { kind: "removeMembers"; userIds: string[] };

/**
 * `desired` are the Genesys ids of the SCIM members already in Genesys; `current` the group's
 * individual members (never owners or rule-based members). Members are compared as ids.
 */
export function planGroup(
  group: Pick<GenesysGroup, "name">,
  name: string,
  desired: Iterable<string>,
  current: Iterable<string>,
): GroupStep[] {
  const want = new Set(desired);
  const have = new Set(current);
  const steps: GroupStep[] = [];
  if (group.name !== name) steps.push({ kind: "rename", name });
  const add = [...want].filter((m) => !have.has(m));
  const remove = [...have].filter((m) => !want.has(m));
  if (add.length) steps.push({ kind: "addMembers", userIds: add });
  if (remove.length) steps.push({ kind: "removeMembers", userIds: remove });
  return steps;
}
