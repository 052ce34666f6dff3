import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { openPgliteStore } from "../../src/store/pglite-store.js";
import { openPgStore } from "../../src/store/pg-store.js";
import { listMigrations } from "../../src/store/migrate.js";
import { prepareStore } from "../../src/store/open-store.js";
import { seedDefaults } from "../../src/authz/roles.js";
import type { Store } from "../../src/store/store.js";

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/test";

export interface TestStore {
  store: Store;
  /** The PostgreSQL schema of this test file (postgres only). */
  schema?: string;
  close(): Promise<void>;
}

/**
 * One store per test file. PGlite starts from a migrated template dump (initdb costs seconds; loading
 * a dump half a second); PostgreSQL gets a fresh schema, dropped at the end.
 */
export async function openTestStore(kind = process.env.TEST_STORE ?? "pglite"): Promise<TestStore> {
  if (kind === "postgres") {
    const schema = `t_${randomBytes(6).toString("hex")}`;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const store = await openPgStore({ connectionString: TEST_DATABASE_URL, schema, max: 5 });
    await prepareStore(store, (tx) => seedDefaults(tx, new Date()));
    return {
      store,
      schema,
      close: async () => {
        await store.close();
        const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await c.connect();
        await c.query(`drop schema ${schema} cascade`);
        await c.end();
      },
    };
  }
  const store = await openPgliteStore({ loadDataDir: await pgliteTemplate() });
  await prepareStore(store, (tx) => seedDefaults(tx, new Date()));
  return { store, close: () => store.close() };
}

async function pgliteTemplate(): Promise<Blob> {
  const key = createHash("sha256")
    .update(
      listMigrations()
        .map((m) => m.sql)
        .join("\n"),
    )
    .digest("hex")
    .slice(0, 16);
  const file = join(tmpdir(), `scim-bridge-pglite-template-${key}.tar.gz`);
  if (!existsSync(file)) {
    const fresh = await openPgliteStore();
    await prepareStore(fresh, (tx) => seedDefaults(tx, new Date()));
    const dump = await fresh.dump();
    await fresh.close();
    // Parallel workers may race to build it: write aside, then rename (atomic).
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, file);
  }
  return new Blob([readFileSync(file)]);
}
