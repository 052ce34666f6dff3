import { readdirSync, readFileSync } from "node:fs";
import type { Store } from "./store.js";

const migrationsDir = new URL("../../migrations/", import.meta.url);

export interface Migration {
  version: string;
  sql: string;
}

/** Plain SQL files `NNN_name.sql`, applied in name order, each recorded in `schema_migrations`. */
export function listMigrations(): Migration[] {
  return readdirSync(migrationsDir)
    .filter((f) => /^\d+_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: f.replace(/\.sql$/, ""), sql: readFileSync(new URL(f, migrationsDir), "utf8") }));
}

/** Applies pending migrations; returns the versions applied. Each file runs in one transaction with its record. */
export async function migrate(store: Store): Promise<string[]> {
  await store.exec("create table if not exists schema_migrations (version text primary key, applied_at timestamptz not null default now())");
  const done = new Set((await store.query<{ version: string }>("select version from schema_migrations")).map((r) => r.version));
  const applied: string[] = [];
  for (const m of listMigrations()) {
    if (done.has(m.version)) continue;
    try {
      await store.exec(`begin;\n${m.sql}\n;insert into schema_migrations(version) values ('${m.version.replace(/'/g, "''")}');\ncommit;`);
    } catch (err) {
      await store.exec("rollback").catch(() => undefined);
      throw new Error(`migration ${m.version} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    applied.push(m.version);
  }
  return applied;
}
