import { readdirSync, readFileSync } from "node:fs";
import type { Store } from "./store.js";
import { PgStore } from "./pg-store.js";

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

/** Any number: the key of the advisory lock that serialises migrations across replicas. */
const MIGRATION_LOCK = 7_372_001;

/**
 * Applies pending migrations; returns the versions applied. On PostgreSQL, replicas starting at once
 * take turns (a transaction-scoped advisory lock, held while all pending migrations run and are recorded
 * in one transaction), so the second sees the first's work instead of applying it again. The embedded
 * store belongs to one process (its data directory is locked), so it needs no lock.
 */
export async function migrate(store: Store): Promise<string[]> {
  if (store instanceof PgStore) {
    return store.unboundedSession(async (q) => {
      await q.query("begin");
      try {
        await q.query("select pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
        await q.query(
          "create table if not exists schema_migrations (version text primary key, applied_at timestamptz not null default now())",
        );
        const done = new Set((await q.query<{ version: string }>("select version from schema_migrations")).map((r) => r.version));
        const applied: string[] = [];
        for (const m of listMigrations()) {
          if (done.has(m.version)) continue;
          try {
            await q.query(m.sql);
          } catch (err) {
            throw new Error(`migration ${m.version} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
          }
          await q.query("insert into schema_migrations(version) values ($1)", [m.version]);
          applied.push(m.version);
        }
        await q.query("commit");
        return applied;
      } catch (err) {
        await q.query("rollback").catch(() => undefined);
        throw err;
      }
    });
  }
  return migrateEmbedded(store);
}

async function migrateEmbedded(store: Store): Promise<string[]> {
  await store.exec(
    "create table if not exists schema_migrations (version text primary key, applied_at timestamptz not null default now())",
  );
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
