import pg from "pg";
import { redactUrl } from "../log/redact-url.js";
import { isUnavailable, storeUnavailableError, type Queryable, type Store } from "./store.js";

export interface PgOptions {
  connectionString: string;
  /** Schema put first on the search path: tests give each file its own. */
  schema?: string;
  max?: number;
  /** The longest a connection, a pool checkout or a statement may take (default 5 s). */
  timeoutMs?: number;
  /** How long to keep trying to reach the database before giving up (default 30 s; 0: one try). */
  startupTimeoutMs?: number;
}

export async function openPgStore(opts: PgOptions): Promise<PgStore> {
  const timeout = opts.timeoutMs ?? 5_000;
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 10,
    // Each bound, so that a database that accepts connections but never answers costs a request a few
    // seconds and a 503, not a hang: connecting and waiting for a pooled connection, then each statement
    // on the client (query_timeout) and on the server (statement_timeout, which also frees its work).
    connectionTimeoutMillis: timeout,
    query_timeout: timeout,
    statement_timeout: timeout,
    idle_in_transaction_session_timeout: timeout * 2,
    keepAlive: true,
    options: opts.schema ? `-c search_path=${opts.schema},public` : undefined,
  });
  // A pool emits errors from idle clients (server restart); without a listener they crash the process.
  pool.on("error", () => undefined);
  const store = new PgStore(pool);
  // Start-up waits for a database that is still starting (a compose file starts both at once), but
  // not for ever: a clear message after startupTimeoutMs.
  const deadline = Date.now() + (opts.startupTimeoutMs ?? 30_000);
  for (;;) {
    try {
      await store.ping();
      return store;
    } catch (err) {
      if (Date.now() + 1_000 >= deadline) {
        await pool.end().catch(() => undefined);
        const reason = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
        throw new Error(
          `the database at ${redactUrl(opts.connectionString)} did not answer within ${Math.round((opts.startupTimeoutMs ?? 30_000) / 1000)} s: ${reason}`,
          { cause: err },
        );
      }
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

export class PgStore implements Store {
  readonly kind = "postgres" as const;
  constructor(readonly pool: pg.Pool) {}

  async query<T extends object>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    try {
      return (await this.pool.query(sql, params as unknown[])).rows as T[];
    } catch (err) {
      throw isUnavailable(err) ? storeUnavailableError(err) : err;
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw isUnavailable(err) ? storeUnavailableError(err) : err;
    }
    let broken = false;
    try {
      await client.query("begin");
      const result = await fn({
        query: async <R extends object>(sql: string, params: readonly unknown[] = []) =>
          (await client.query(sql, params as unknown[])).rows as R[],
      });
      await client.query("commit");
      return result;
    } catch (err) {
      broken = isUnavailable(err);
      if (!broken) await client.query("rollback").catch(() => undefined);
      throw broken ? storeUnavailableError(err) : err;
    } finally {
      // a connection that timed out or failed may be broken: destroy it rather than hand it to the next request
      client.release(broken);
    }
  }

  /**
   * One connection for `fn`, without the statement timeouts: for migrations, whose statements (an index
   * on a large table) and whose wait for another replica's migration may take longer than a request.
   */
  async unboundedSession<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query({ text: "set statement_timeout = 0", query_timeout: 0 } as pg.QueryConfig);
      return await fn({
        query: async <R extends object>(sql: string, params: readonly unknown[] = []) =>
          (await client.query({ text: sql, values: params as unknown[], query_timeout: 0 } as pg.QueryConfig)).rows as R[],
      });
    } finally {
      await client.query("reset statement_timeout").catch(() => undefined);
      client.release();
    }
  }

  async exec(sql: string): Promise<void> {
    await this.query(sql);
  }

  async ping(): Promise<void> {
    await this.pool.query("select 1");
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
