import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { Queryable, Store } from "./store.js";

/**
 * PostgreSQL settings the embedded store starts with, as `-c name=value` start parameters (they win
 * over the data directory's postgresql.conf and are not written to it). PostgreSQL's defaults size a
 * server that owns its machine; in PGlite the whole engine lives in the process's WebAssembly memory,
 * which only grows: every page of it once touched stays resident for the life of the process.
 *
 * - `shared_buffers`: PGlite's initdb leaves PostgreSQL's default, 128MB, and in PGlite all of it is
 *   resident from the start (measured on an empty data directory: 151 MB of the WebAssembly memory
 *   resident after start with 128MB, 29 MB with 16MB; bench/memory-bench.ts measures the process).
 *   16MB (2,048 pages) holds the hot part of the SCIM queries
 *   (index upper levels, catalog, the tables' recent pages); a miss is a read(2) from the operating
 *   system's page cache (a data directory) or from the in-memory file system, neither of which counts
 *   against the process. `wal_buffers` follows at its default (-1: 1/32 of shared_buffers).
 * - `maintenance_work_mem`: what one CREATE INDEX or VACUUM may allocate (default 64MB). A migration
 *   adding an index to a large table would leave that much resident for good; with less, the sort spills
 *   to temporary files instead (slower, same result).
 *
 * PostgreSQL documents each: https://www.postgresql.org/docs/current/runtime-config-resource.html.
 * `work_mem` (4MB per sort or hash) and `temp_buffers` (used by temporary tables only, which the bridge
 * has none of) keep their defaults.
 */
export const PGLITE_SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: "16MB",
  maintenance_work_mem: "16MB",
};

export interface PgliteOptions {
  /** A directory (persistent) or undefined (in memory). */
  dataDir?: string;
  /** A data directory dump (`dumpDataDir`) to start from: tests copy a migrated template. */
  loadDataDir?: Blob | File;
  /** Settings over PGLITE_SETTINGS (name → value, as in postgresql.conf). */
  settings?: Readonly<Record<string, string>>;
}

const asOptions = (settings: Readonly<Record<string, string>>): string[] =>
  Object.entries({ ...PGLITE_SETTINGS, ...settings }).flatMap(([name, value]) => ["-c", `${name}=${value}`]);

/** PGlite's own start parameters (single-user mode and the rest), then ours as `-c` options. */
export function pgliteStartParams(settings: Readonly<Record<string, string>> = {}): string[] {
  return [...PGlite.defaultStartParams, ...asOptions(settings)];
}

/** Run by `node -e` (CommonJS): PGlite on the new directory runs initdb, then closes. */
const INIT_SCRIPT = `
const { PGlite } = require(process.env.PGLITE_INIT_MODULE);
const { dataDir, startParams, initDbStartParams } = JSON.parse(process.env.PGLITE_INIT_OPTIONS);
const db = new PGlite({ dataDir, startParams, initDbStartParams });
db.waitReady
  .then(() => db.close())
  .catch((err) => {
    process.stderr.write(String(err instanceof Error ? err.message : err));
    process.exitCode = 1;
  });
`;

/**
 * A new data directory is initialised by a short-lived child process. PGlite runs initdb in a second
 * instance with a WebAssembly memory of its own, and copies that memory: some 500 MB which, in the
 * serving process, stayed resident after start (V8 frees them only when it next collects its old
 * generation, which an idle server may not do for hours) and whose native allocations the C library
 * keeps even then. A process returns all of it to the system when it exits. `-c` options given to
 * initdb are also written to the postgresql.conf it generates
 * (https://www.postgresql.org/docs/current/app-initdb.html, `--set`), so initdb's own runs use small
 * shared buffers too.
 */
async function initDataDir(dataDir: string, settings: Readonly<Record<string, string>>): Promise<void> {
  const child = spawn(process.execPath, ["-e", INIT_SCRIPT], {
    env: {
      ...process.env,
      PGLITE_INIT_MODULE: createRequire(import.meta.url).resolve("@electric-sql/pglite"),
      PGLITE_INIT_OPTIONS: JSON.stringify({ dataDir, startParams: pgliteStartParams(settings), initDbStartParams: asOptions(settings) }),
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  // This process may be stopped meanwhile: initdb must not go on writing a directory it no longer holds.
  const stop = (): void => {
    child.kill("SIGKILL");
  };
  process.once("exit", stop);
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", resolve);
    });
    if (code !== 0)
      throw new Error(`could not initialise the embedded store in ${dataDir}: ${stderr.trim() || `initdb exited with ${code}`}`);
  } finally {
    process.off("exit", stop);
  }
}

/** Embedded PostgreSQL in WASM: one connection, so queries run one at a time; keep transactions short. */
export async function openPgliteStore(opts: PgliteOptions = {}): Promise<PgliteStore> {
  if (opts.dataDir) {
    mkdirSync(opts.dataDir, { recursive: true });
    // PGlite's own test for an existing database (PGDATA/PG_VERSION).
    if (!existsSync(join(opts.dataDir, "PG_VERSION"))) await initDataDir(opts.dataDir, opts.settings ?? {});
  }
  const db = new PGlite({ dataDir: opts.dataDir, loadDataDir: opts.loadDataDir, startParams: pgliteStartParams(opts.settings) });
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
