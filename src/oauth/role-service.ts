import type { Store } from "../store/store.js";
import { isUniqueViolation } from "../store/store.js";
import { DomainError } from "../errors/domain-error.js";
import { recordAudit } from "../audit/audit-log.js";
import { type Actor, actorName } from "../authz/principal.js";
import { BUILTIN_ROLES, builtinRoleId, getRole, newRoleId, type BuiltinRole, type Role } from "../authz/roles.js";
import { changingRole, holdersOf, type DurationReset } from "./duration-reset.js";
import { bumpRegistryGeneration } from "./registry-generation.js";
import { assertMayChangeRole, keepingAnAdmin } from "../authz/admin-guard.js";
import { PERMISSION_PATTERN, permissionDelta } from "../authz/permissions.js";
import { z } from "zod";
import { bodyObject, parseBody } from "../errors/parse-body.js";

export interface RoleChangeResult extends Role {
  /** Clients whose token duration was reset to 86,400 s because of this change. */
  clientsReset: DurationReset[];
}

const ROLE_NAME = "is required: 1..200 characters";
const PERMISSION = (got: unknown) => `must be domain:entity:action (segments may be *); got ${JSON.stringify(got)}`;
const ROLE_FIELDS = {
  name: z
    .string({ error: ROLE_NAME })
    .refine((n) => n.trim() !== "" && n.length <= 200, { error: ROLE_NAME })
    .transform((n) => n.trim()),
  // undefined is as good as absent: `scim-bridge roles create` passes a missing --description so
  description: z.string({ error: "must be a string" }).optional(),
  // A role holds a set of permissions: one listed twice is kept once
  permissions: z
    .array(z.string({ error: (i) => PERMISSION(i.input) }).regex(PERMISSION_PATTERN, { error: (i) => PERMISSION(i.input) }), {
      error: "must be an array of permission strings domain:entity:action",
    })
    .transform((ps) => [...new Set(ps)]),
};
/** What GET /roles/{id} returns besides the writable fields: ignored, so that a GET can be PUT back. */
const ROLE_BODY = {
  unknownField: "unknown field; writable fields are name, description, permissions",
  ignored: ["id", "builtin", "dateCreated", "dateModified"],
};
/** A new role needs a name and its permissions; a PUT or PATCH changes only the fields it gives. */
const RoleCreateBody = bodyObject(ROLE_FIELDS, ROLE_BODY);
const RoleUpdateBody = bodyObject(
  { ...ROLE_FIELDS, name: ROLE_FIELDS.name.optional(), permissions: ROLE_FIELDS.permissions.optional() },
  ROLE_BODY,
);

function parseRoleBody(body: unknown, requireAll: boolean): { name?: string; description?: string; permissions?: string[] } {
  return requireAll ? parseBody(RoleCreateBody, body) : parseBody(RoleUpdateBody, body);
}

export async function createRole(store: Store, actor: Actor, now: Date, body: unknown): Promise<Role> {
  const input = parseRoleBody(body, true);
  const id = newRoleId();
  try {
    return await store.transaction(async (tx) => {
      await tx.query(
        "insert into roles(id, name, description, permissions, builtin, created_at, updated_at) values ($1,$2,$3,$4::jsonb,null,$5,$5)",
        [id, input.name, input.description ?? "", JSON.stringify(input.permissions), now],
      );
      await bumpRegistryGeneration(tx);
      const role = (await getRole(tx, id))!;
      await recordAudit(tx, now, { actor: actorName(actor), action: "role.create", targetType: "role", targetId: id, after: role });
      return role;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw DomainError.conflict(`a role named ${JSON.stringify(input.name)} exists`, "name");
    throw err;
  }
}

/** Editing a role's permissions reaches every client holding it: rule 3 is applied to each. */
export async function updateRole(store: Store, actor: Actor, now: Date, id: string, body: unknown): Promise<RoleChangeResult> {
  const input = parseRoleBody(body, false);
  try {
    return await store.transaction((tx) =>
      keepingAnAdmin(tx, async () => {
        const before = await getRole(tx, id);
        if (!before) throw DomainError.notFound("role", id);
        if (input.permissions) {
          const { added, removed } = permissionDelta(before.permissions, input.permissions);
          await assertMayChangeRole(tx, actor, id, before.name, [...added, ...removed], "change the permissions of");
        }
        const by = actorName(actor);
        const { result: after, clientsReset } = await changingRole(tx, id, { now, by }, async () => {
          await tx.query("update roles set name=$2, description=$3, permissions=$4::jsonb, updated_at=$5 where id=$1", [
            id,
            input.name ?? before.name,
            input.description ?? before.description,
            JSON.stringify(input.permissions ?? before.permissions),
            now,
          ]);
          await bumpRegistryGeneration(tx);
          const result = (await getRole(tx, id))!;
          await recordAudit(tx, now, { actor: by, action: "role.update", targetType: "role", targetId: id, before, after: result });
          return { result, reason: `role ${JSON.stringify(result.name)} now carries permissions beyond the SCIM Integration role's` };
        });
        return { ...after, clientsReset };
      }),
    );
  } catch (err) {
    if (isUniqueViolation(err)) throw DomainError.conflict(`a role named ${JSON.stringify(input.name)} exists`, "name");
    throw err;
  }
}

/** Deleting a role removes its grants; a client left with no role is no longer SCIM-restricted (rule 3). */
export async function deleteRole(store: Store, actor: Actor, now: Date, id: string): Promise<RoleChangeResult> {
  return store.transaction((tx) =>
    keepingAnAdmin(tx, async () => {
      const before = await getRole(tx, id);
      if (!before) throw DomainError.notFound("role", id);
      await assertMayChangeRole(tx, actor, id, before.name, before.permissions, "delete");
      const by = actorName(actor);
      const holders = await holdersOf(tx, id);
      const { clientsReset } = await changingRole(tx, id, { now, by }, async () => {
        await tx.query("delete from roles where id = $1", [id]);
        await bumpRegistryGeneration(tx);
        await recordAudit(tx, now, {
          actor: by,
          action: "role.delete",
          targetType: "role",
          targetId: id,
          before,
          note: holders ? `grants removed from ${holders} client(s)` : undefined,
        });
        return {
          result: null,
          reason: `role ${JSON.stringify(before.name)} was deleted, leaving the client without the SCIM Integration role's restriction`,
        };
      });
      return { ...before, clientsReset };
    }),
  );
}

export interface RestoreResult {
  roles: Array<{ id: string; name: string; builtin: BuiltinRole; action: "recreated" | "reset" | "unchanged" }>;
  clientsReset: DurationReset[];
}

/**
 * Genesys's "restore default roles" (POST /api/v2/authorization/roles/default): built-in roles come
 * back if deleted and get their shipped permissions again, keeping their ids where they still exist;
 * custom roles are untouched. A restore that widens a role applies rule 3 to its holders.
 */
export async function restoreDefaultRoles(store: Store, actor: Actor, now: Date): Promise<RestoreResult> {
  return store.transaction((tx) =>
    keepingAnAdmin(tx, async () => {
      const by = actorName(actor);
      const result: RestoreResult = { roles: [], clientsReset: [] };
      for (const [key, def] of Object.entries(BUILTIN_ROLES) as Array<[BuiltinRole, (typeof BUILTIN_ROLES)[BuiltinRole]]>) {
        const id = await builtinRoleId(tx, key);
        if (!id) {
          const taken = (await tx.query("select 1 from roles where lower(name) = lower($1)", [def.name])).length > 0;
          const name = taken ? `${def.name} (restored)` : def.name;
          const newId = newRoleId();
          await tx.query(
            "insert into roles(id, name, description, permissions, builtin, created_at, updated_at) values ($1,$2,$3,$4::jsonb,$5,$6,$6)",
            [newId, name, def.description, JSON.stringify(def.permissions), key, now],
          );
          await bumpRegistryGeneration(tx);
          const after = (await getRole(tx, newId))!;
          await recordAudit(tx, now, {
            actor: by,
            action: "role.restore",
            targetType: "role",
            targetId: newId,
            after,
            note: "built-in role recreated",
          });
          result.roles.push({ id: newId, name, builtin: key, action: "recreated" });
          continue;
        }
        const before = (await getRole(tx, id))!;
        const same = before.permissions.length === def.permissions.length && def.permissions.every((p) => before.permissions.includes(p));
        if (same) {
          result.roles.push({ id, name: before.name, builtin: key, action: "unchanged" });
          continue;
        }
        const { added, removed } = permissionDelta(before.permissions, def.permissions);
        await assertMayChangeRole(tx, actor, id, before.name, [...added, ...removed], "restore");
        const { clientsReset } = await changingRole(tx, id, { now, by }, async () => {
          await tx.query("update roles set permissions = $2::jsonb, updated_at = $3 where id = $1", [
            id,
            JSON.stringify(def.permissions),
            now,
          ]);
          await bumpRegistryGeneration(tx);
          const after = (await getRole(tx, id))!;
          await recordAudit(tx, now, {
            actor: by,
            action: "role.restore",
            targetType: "role",
            targetId: id,
            before,
            after,
            note: "permissions reset to the shipped ones",
          });
          return {
            result: after,
            reason: `role ${JSON.stringify(after.name)} was restored to its shipped permissions, which go beyond the SCIM Integration role's`,
          };
        });
        result.clientsReset.push(...clientsReset);
        result.roles.push({ id, name: before.name, builtin: key, action: "reset" });
      }
      return result;
    }),
  );
}
