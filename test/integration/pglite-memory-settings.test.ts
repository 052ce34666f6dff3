import { afterAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGLITE_SETTINGS, openPgliteStore } from "../../src/store/pglite-store.js";
import { openTestStore } from "../helpers/store.js";

/**
 * The embedded store's memory settings (src/store/pglite-store.ts) reach PGlite, on a store loaded from
 * a dump and on a new data directory (which a child process initialises). The embedded store only:
 * skipped in the postgres project.
 */
const onPglite = process.env.TEST_STORE !== "postgres";

const show = async (store: { query<T extends object>(sql: string): Promise<T[]> }, name: string): Promise<string | undefined> =>
  (await store.query<{ v: string }>(`select current_setting('${name}') as v`))[0]?.v;

(onPglite ? describe : describe.skip)("PGlite memory settings", () => {
  const dirs: string[] = [];
  const newDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), "scim-bridge-pglite-settings-"));
    dirs.push(dir);
    return join(dir, "data");
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it("are what the store runs with, whatever its postgresql.conf says", async () => {
    expect(PGLITE_SETTINGS.shared_buffers).toBe("16MB");
    const { store, close } = await openTestStore("pglite");
    try {
      for (const [name, value] of Object.entries(PGLITE_SETTINGS)) expect(await show(store, name)).toBe(value);
      // wal_buffers is left to follow shared_buffers (1/32 of it)
      expect(await show(store, "wal_buffers")).toBe("512kB");
    } finally {
      await close();
    }
  });

  it("initialise a new data directory, which later starts resume without initialising again", async () => {
    const dataDir = newDir();
    const first = await openPgliteStore({ dataDir });
    try {
      expect(await show(first, "shared_buffers")).toBe("16MB");
      expect(await show(first, "maintenance_work_mem")).toBe("16MB");
      await first.exec("create table kept (v text); insert into kept values ('still here')");
    } finally {
      await first.close();
    }
    // initdb wrote the settings into the directory's postgresql.conf as well
    const conf = readFileSync(join(dataDir, "postgresql.conf"), "utf8");
    expect(conf).toMatch(/^shared_buffers = 16MB/m);
    expect(conf).toMatch(/^maintenance_work_mem = 16MB/m);

    const again = await openPgliteStore({ dataDir, settings: { shared_buffers: "8MB" } });
    try {
      expect(await again.query<{ v: string }>("select v from kept")).toEqual([{ v: "still here" }]);
      // a start parameter wins over the file
      expect(await show(again, "shared_buffers")).toBe("8MB");
    } finally {
      await again.close();
    }
  });

  it("a directory that cannot be initialised fails start-up, naming it", async () => {
    const dataDir = newDir();
    await expect(openPgliteStore({ dataDir, settings: { shared_buffers: "lots" } })).rejects.toThrow(
      `could not initialise the embedded store in ${dataDir}: INITDB failed`,
    );
  });
});
