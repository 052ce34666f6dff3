/**
 * PATCH on a group (RFC 7644 §3.5.2), applied as SQL on the rows it touches. SCIMMY's own PATCH reads
 * the whole group (every member), applies the operations in memory and writes it all back: fine for a
 * user, far too slow for a group of 50,000 members. The forms handled are the RFC's and what Okta and
 * Entra ID send (docs/identity-providers.md).
 */
import type { Queryable } from "../store/store.js";
import { isUniqueViolation } from "../store/store.js";
import { mayDo } from "../authz/permissions.js";
import type { ScimContext } from "./context.js";
import { ScimError } from "./scim-error.js";
import { parseFilter, type FilterNode } from "./filter.js";
import { compileMemberFilter } from "./filter-sql.js";
import { Params } from "./filter-scalar.js";
import { addMembers, memberRefs, removeVisibleMembers, resolveMembers, type MemberRef } from "./groups.js";
import { userViewScope, visibleMemberSql, type DivisionScope } from "./division-scope.js";
import { recordChange } from "../sync/outbox.js";
import { checkIfMatch } from "./versions.js";
import { parsePatchMessage, type PatchOperation } from "./patch-message.js";
import { LIMITS } from "./limits.js";

type MemberChange =
  | { kind: "add"; refs: MemberRef[] }
  | { kind: "removeValues"; values: string[] }
  | { kind: "removeWhere"; filter: FilterNode }
  | { kind: "removeAll" };

interface GroupChanges {
  displayName?: string;
  externalId?: string | null;
  members: MemberChange[];
}

const invalidPath = (detail: string) => new ScimError(400, "invalidPath", detail);

function stringValue(value: unknown, field: string): string {
  if (typeof value !== "string" || !value.trim()) throw new ScimError(400, "invalidValue", `${field} must be a non-empty string`);
  return value;
}

/** Turns the operations into changes, refusing what a group does not have before anything is written. */
export function planGroupPatch(ops: PatchOperation[]): GroupChanges {
  const changes: GroupChanges = { members: [] };
  const setAttribute = (name: string, value: unknown, op: string) => {
    switch (name.toLowerCase()) {
      case "displayname":
        if (op === "remove") throw new ScimError(400, "mutability", "displayName is required: it cannot be removed");
        changes.displayName = stringValue(value, "displayName");
        return;
      case "externalid":
        changes.externalId = op === "remove" || value === null ? null : stringValue(value, "externalId");
        return;
      case "members":
        if (op === "remove")
          changes.members.push(
            value === undefined
              ? { kind: "removeAll" }
              : { kind: "removeValues", values: memberRefs(value, "members").map((m) => m.value) },
          );
        else {
          if (op === "replace") changes.members.push({ kind: "removeAll" });
          changes.members.push({ kind: "add", refs: memberRefs(value, "members") });
        }
        return;
      case "id":
      case "schemas":
      case "meta":
        return; // echoes of the resource (Okta sends its id along); read-only, ignored
      default:
        throw invalidPath(`Group has no attribute "${name}"`);
    }
  };
  ops.forEach((o, i) => {
    if (o.path === undefined) {
      if (o.op === "remove") throw new ScimError(400, "noTarget", `Operations[${i}]: remove needs a path`);
      if (typeof o.value !== "object" || o.value === null || Array.isArray(o.value))
        throw new ScimError(400, "invalidValue", `Operations[${i}]: without a path, value must be an object of attributes`);
      for (const [k, v] of Object.entries(o.value as Record<string, unknown>))
        setAttribute(k.replace(/^urn:ietf:params:scim:schemas:core:2\.0:Group:/i, ""), v, o.op);
      return;
    }
    const path = o.path.replace(/^urn:ietf:params:scim:schemas:core:2\.0:Group:/i, "");
    const bracket = path.indexOf("[");
    if (bracket >= 0) {
      if (path.slice(0, bracket).toLowerCase() !== "members" || !path.endsWith("]"))
        throw invalidPath(`Operations[${i}]: unsupported path "${o.path}"`);
      if (o.op !== "remove")
        throw invalidPath(`Operations[${i}]: "${o.op}" with a value filter on members is not supported; add members with path "members"`);
      const node = parseFilter(path);
      if (node.kind !== "valuePath") throw invalidPath(`Operations[${i}]: unsupported path "${o.path}"`);
      changes.members.push({ kind: "removeWhere", filter: node.filter });
      return;
    }
    if (path.includes(".")) throw invalidPath(`Operations[${i}]: Group has no attribute "${o.path}"`);
    if (o.op !== "remove" && o.value === undefined) throw new ScimError(400, "invalidValue", `Operations[${i}]: ${o.op} needs a value`);
    setAttribute(path, o.value, o.op);
  });
  const named = changes.members.reduce(
    (n, m) => n + (m.kind === "add" ? m.refs.length : m.kind === "removeValues" ? m.values.length : 0),
    0,
  );
  if (named > LIMITS.membersPerRequest)
    throw new ScimError(400, "tooMany", `a request may name at most ${LIMITS.membersPerRequest} members; got ${named}`);
  changes.members = coalesce(changes.members);
  return changes;
}

/**
 * Runs of adds, and runs of removals by id, become one change each: Entra ID sends one operation per
 * member, and one statement for the run costs far less than one per operation. Order between runs is
 * kept, so an add followed by a removal of the same member still ends without it.
 */
function coalesce(changes: MemberChange[]): MemberChange[] {
  const out: MemberChange[] = [];
  for (const c of changes) {
    const last = out[out.length - 1];
    if (last?.kind === "add" && c.kind === "add") out[out.length - 1] = { kind: "add", refs: [...last.refs, ...c.refs] };
    else if (last?.kind === "removeValues" && c.kind === "removeValues")
      out[out.length - 1] = { kind: "removeValues", values: [...last.values, ...c.values] };
    else out.push(c);
  }
  return out;
}

/** Applies a PatchOp to a group in one transaction; returns the new version (or the old when nothing changed). */
export async function patchGroup(ctx: ScimContext, id: string, body: unknown): Promise<void> {
  if (!mayDo(ctx.principal.grants, "directory:group:edit")) throw new ScimError(403, null, "this client lacks directory:group:edit");
  const changes = planGroupPatch(parsePatchMessage(body));
  try {
    await ctx.store.transaction(async (tx) => {
      const current = (
        await tx.query<{ version: number; resource: Record<string, unknown> }>(
          "select version, resource from scim_groups where id = $1 for update",
          [id],
        )
      )[0];
      if (!current) throw new ScimError(404, null, `Group ${id} not found`);
      checkIfMatch(ctx.ifMatch, current.version, `Group ${id}`);
      const scope = userViewScope(ctx.principal);
      for (const m of changes.members) await applyMemberChange(tx, id, m, scope);
      const resource = { ...current.resource };
      if (changes.displayName !== undefined) resource.displayName = changes.displayName;
      if (changes.externalId !== undefined) {
        if (changes.externalId === null) delete resource.externalId;
        else resource.externalId = changes.externalId;
      }
      const [row] = await tx.query<{ version: number }>(
        `update scim_groups set display_name = coalesce($2, display_name), display_name_lc = lower(coalesce($2, display_name)),
                external_id = case when $3 then $4 else external_id end, resource = $5::jsonb, version = version + 1, last_modified = $6
          where id = $1 returning version`,
        [id, changes.displayName ?? null, changes.externalId !== undefined, changes.externalId ?? null, JSON.stringify(resource), ctx.now],
      );
      await recordChange(tx, "Group", id, row!.version, "upsert", ctx.now);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ScimError(409, "uniqueness", `a group named ${JSON.stringify(changes.displayName)} exists`);
    throw err;
  }
}

/** One member change, touching only members the client may see (others are neither matched nor removed). */
async function applyMemberChange(tx: Queryable, groupId: string, m: MemberChange, scope: DivisionScope): Promise<void> {
  switch (m.kind) {
    case "add":
      await addMembers(tx, groupId, await resolveMembers(tx, m.refs, scope));
      return;
    case "removeValues":
      await removeVisibleMembers(tx, groupId, scope, m.values);
      return;
    case "removeAll":
      await removeVisibleMembers(tx, groupId, scope);
      return;
    case "removeWhere": {
      const p = new Params(1);
      const cond = compileMemberFilter(m.filter, p);
      await tx.query(`delete from scim_group_members m where m.group_id = $1 and ${cond} and ${visibleMemberSql(scope, (v) => p.add(v))}`, [
        groupId,
        ...p.values,
      ]);
      return;
    }
  }
}
