import { randomUUID } from "node:crypto";
import type { Queryable } from "../store/store.js";
import { BRIDGE_ADMIN_PERMISSIONS, SCIM_INTEGRATION_PERMISSIONS } from "./permissions.js";

export type BuiltinRole = "scim-integration" | "bridge-admin";

export interface Role {
  id: string;
  name: string;
  description: string;
  permissions: string[];
  builtin: BuiltinRole | null;
  dateCreated: string;
  dateModified: string;
}

/** The roles the bridge ships; `roles restore-defaults` resets them to exactly this. */
export const BUILTIN_ROLES: Readonly<Record<BuiltinRole, { name: string; description: string; permissions: readonly string[] }>> = {
  "scim-integration": {
    name: "SCIM Integration",
    description: "Provision users and groups through SCIM 2.0 (Genesys Cloud's SCIM Integration role)",
    permissions: SCIM_INTEGRATION_PERMISSIONS,
  },
  "bridge-admin": {
    name: "Bridge Admin",
    description: "Administer the bridge: OAuth clients, roles, divisions, audit, sync jobs",
    permissions: BRIDGE_ADMIN_PERMISSIONS,
  },
};

interface RoleRow {
  id: string;
  name: string;
  description: string;
  permissions: string[];
  builtin: BuiltinRole | null;
  created_at: Date;
  updated_at: Date;
}

const toRole = (r: RoleRow): Role => ({
  id: r.id,
  name: r.name,
  description: r.description,
  permissions: r.permissions,
  builtin: r.builtin,
  dateCreated: r.created_at.toISOString(),
  dateModified: r.updated_at.toISOString(),
});

export async function listRoles(db: Queryable): Promise<Role[]> {
  return (await db.query<RoleRow>("select * from roles order by builtin is null, lower(name)")).map(toRole);
}

export async function getRole(db: Queryable, id: string): Promise<Role | null> {
  const rows = await db.query<RoleRow>("select * from roles where id = $1", [id]);
  return rows[0] ? toRole(rows[0]) : null;
}

export async function getRolesByIds(db: Queryable, ids: readonly string[]): Promise<Map<string, Role>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<RoleRow>("select * from roles where id = any($1::text[])", [ids]);
  return new Map(rows.map((r) => [r.id, toRole(r)]));
}

export async function builtinRoleId(db: Queryable, key: BuiltinRole): Promise<string | null> {
  const rows = await db.query<{ id: string }>("select id from roles where builtin = $1", [key]);
  return rows[0]?.id ?? null;
}

/** Inserts what is missing of the shipped data: the home division and the built-in roles. Idempotent. */
export async function seedDefaults(db: Queryable, now: Date): Promise<void> {
  const home = await db.query("select 1 from divisions where home");
  if (home.length === 0) {
    await db.query("insert into divisions(id, name, description, home, created_at) values ($1,'Home','The home division',true,$2)", [
      randomUUID(),
      now,
    ]);
  }
  for (const [key, def] of Object.entries(BUILTIN_ROLES)) {
    await db.query(
      `insert into roles(id, name, description, permissions, builtin, created_at, updated_at)
       select $1,$2,$3,$4::jsonb,$5,$6,$6 where not exists (select 1 from roles where builtin = $5)`,
      [randomUUID(), def.name, def.description, JSON.stringify(def.permissions), key, now],
    );
  }
}

export function newRoleId(): string {
  return randomUUID();
}
