import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import type { Queryable, Store } from "./store.js";

export interface PgliteOptions {
  /** A directory (persistent) or undefined (in memory). */
  dataDir?: string;
  /** A data directory dump (`dumpDataDir`) to start from: tests copy a migrated template. */
  loadDataDir?: Blob | File;
}

/** Embedded PostgreSQL in WASM: one connection, so queries run one at a time; keep transactions short. */
export async function openPgliteStore(opts: PgliteOptions = {}): Promise<PgliteStore> {
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const db = new PGlite({ dataDir: opts.dataDir, loadDataDir: opts.loadDataDir });
  await db.waitReady;
  return new PgliteStore(db);
}

export class PgliteStore implements Store {
  readonly kind = "pglite" as const;
  constructor(readonly db: PGlite) {}

  async query<T extends object>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.db.query<T>(sql, params as unknown[])).rows;
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) =>
      fn({
        query: async <R extends object>(sql: string, params: readonly unknown[] = []) => (await tx.query<R>(sql, params as unknown[])).rows,
      }),
    );
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  async ping(): Promise<void> {
    await this.db.query("select 1");
  }

  async dump(): Promise<Blob> {
    return this.db.dumpDataDir("gzip");
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
  }
}
