import type { Express } from "express";
import type { ConfigKey } from "../../src/config/config.js";
import type { Store } from "../../src/store/store.js";
import type { SyncRuntime } from "../../src/sync/runtime.js";
import { GenesysTarget, type GenesysTargetOptions } from "../../src/sync/targets/genesys-target.js";
import { buildApp } from "../../src/app.js";
import { startFakeGenesys, type FakeGenesys, type FakeGenesysOptions } from "../fakes/genesys/index.js";
import { bootstrapAdmin, buildTestApp, tokenFor, type TestApp } from "./app.js";
import { scimAgent } from "./scim.js";
import { openTestStore, type TestStore } from "./store.js";
import { dropPrefix, startTestSync } from "./sync.js";

export interface GenesysHarnessOptions {
  /** What the fake Genesys Cloud is started with (its defaults otherwise: 3 s search lag, 300 calls a minute). */
  fake?: FakeGenesysOptions;
  /** What startTestSync takes (queue prefix, concurrency, debounce, retry cap…). */
  sync?: Parameters<typeof startTestSync>[2];
  /** Laid over the fake's own target options (its URLs and credentials): a clock, a timeout, a pacer. */
  target?: Partial<GenesysTargetOptions>;
  /** Configuration overrides of the test app. */
  config?: Partial<Record<ConfigKey, unknown>>;
}

export interface GenesysHarness {
  ts: TestStore;
  store: Store;
  fake: FakeGenesys;
  target: GenesysTarget;
  sync: SyncRuntime & { prefix: string };
  /** The app wired to the sync's queues and the target (admin sync, jobs and divisions routes work). */
  t: TestApp;
  app: Express;
  /** A SCIM client in all divisions. */
  scim: Awaited<ReturnType<typeof scimAgent>>;
  /** The headers of a Bridge Admin (bearer token). */
  admin: { authorization: string };
  /** Stops the sync, drops its queues, closes the fake and the store: every step runs, even when one before it fails. */
  close(): Promise<void>;
}

/** Runs every step; throws the one failure, or all of them together, once all have run. */
async function runAll(steps: Array<[string, () => Promise<unknown>]>): Promise<void> {
  const errors: unknown[] = [];
  for (const [what, step] of steps) {
    try {
      await step();
    } catch (err) {
      errors.push(new Error(`genesys harness: ${what} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }));
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `genesys harness: ${errors.length} steps of the shutdown failed`);
}

/**
 * The whole pipeline of one test file: a test store, the fake Genesys Cloud, a GenesysTarget at it,
 * the sync (relay, workers, sweep) on real Redis under a prefix of its own, the app wired to both, a
 * SCIM agent and an admin token. Whatever started before a failure in start-up is ended before the
 * error is thrown; callers end the rest with close() in afterAll.
 */
export async function startGenesysHarness(opts: GenesysHarnessOptions = {}): Promise<GenesysHarness> {
  const undo: Array<[string, () => Promise<unknown>]> = [];
  const close = () => runAll(undo.splice(0).reverse());
  try {
    const ts = await openTestStore();
    undo.push(["closing the store", () => ts.close()]);
    const fake = await startFakeGenesys(opts.fake);
    undo.push(["closing the fake Genesys", () => fake.close()]);
    const target = new GenesysTarget({ ...fake.targetOptions(), ...opts.target });
    const sync = await startTestSync(ts.store, target, opts.sync);
    // in reverse: the sync stops first, then its queues' keys go
    undo.push(["dropping the queue keys", () => dropPrefix(sync.prefix, opts.sync?.redisUrl)]);
    undo.push(["stopping the sync", () => sync.stop()]);
    const t = buildTestApp(ts.store, opts.config);
    t.deps.queues = sync.queues;
    t.deps.target = target;
    t.app = buildApp(t.deps);
    const scim = await scimAgent(t.app, ts.store);
    const admin = { authorization: `Bearer ${await tokenFor(t.app, await bootstrapAdmin(ts.store))}` };
    return { ts, store: ts.store, fake, target, sync, t, app: t.app, scim, admin, close };
  } catch (err) {
    await close().catch(() => undefined); // the start-up's own error is the one that tells
    throw err;
  }
}
