import pg from "pg";
import type { Queryable, Store } from "./store.js";

export interface PgOptions {
  connectionString: string;
  /** Schema put first on the search path: tests give each file its own. */
  schema?: string;
  max?: number;
}

export async function openPgStore(opts: PgOptions): Promise<PgStore> {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 10,
    options: opts.schema ? `-c search_path=${opts.schema},public` : undefined,
  });
  // A pool emits errors from idle clients (server restart); without a listener they crash the process.
  pool.on("error", () => undefined);
  const store = new PgStore(pool);
  await store.ping();
  return store;
}

export class PgStore implements Store {
  readonly kind = "postgres" as const;
  constructor(readonly pool: pg.Pool) {}

  async query<T extends object>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.pool.query(sql, params as unknown[])).rows as T[];
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query("begin");
      const result = await fn({ query: async <R extends object>(sql: string, params: readonly unknown[] = []) => (await client.query(sql, params as unknown[])).rows as R[] });
      await client.query("commit");
      return result;
    } catch (err) {
      await client.query("rollback").catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async ping(): Promise<void> {
    await this.pool.query("select 1");
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
