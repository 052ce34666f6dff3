import type { Clock } from "../clock.js";
import type { Queryable } from "../store/store.js";
import type { DirectoryTarget } from "./targets/target.js";

/** What the reconcilers (users, groups) and the drift check work with. */
export interface ReconcileDeps {
  db: Queryable;
  target: DirectoryTarget;
  clock: Clock;
  /**
   * The role names the sync may grant (GENESYS_GRANTABLE_ROLES). Empty or absent: SCIM roles are
   * kept but never sent, for an identity provider must not hand out Genesys roles unless told it may.
   */
  grantableRoles?: ReadonlySet<string>;
}

interface Waiting<I, O> {
  item: I;
  resolve: (out: O) => void;
  reject: (err: unknown) => void;
}

/**
 * Runs the same statement for the concurrent jobs of a worker as one statement over all their items:
 * while one batch is with the store, the items that arrive wait and go together in the next. A job
 * alone goes at once (the next turn of the event loop), so nothing waits when the workers are idle;
 * under load the store answers one statement for many jobs, which matters most on the embedded store,
 * where every statement runs on the event loop's own thread, one at a time.
 *
 * `run` answers one output per item, in order. Items with the same key never share a statement (an
 * upsert may not touch one row twice): they go in the statements after. A failed statement fails
 * every job in it, as a lost connection would.
 */
export class StoreBatcher<I, O> {
  private waiting: Array<Waiting<I, O>> = [];
  private busy = false;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly key: (item: I) => string,
    private readonly max = 200,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.kick();
    });
  }

  private kick(): void {
    if (this.busy || this.waiting.length === 0) return;
    this.busy = true;
    // the jobs of this turn of the event loop join the batch
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    const batch: Array<Waiting<I, O>> = [];
    const keys = new Set<string>();
    const later: Array<Waiting<I, O>> = [];
    for (const w of this.waiting) {
      const k = this.key(w.item);
      if (batch.length < this.max && !keys.has(k)) {
        keys.add(k);
        batch.push(w);
      } else later.push(w);
    }
    this.waiting = later;
    try {
      const out = await this.run(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(out[i]!));
    } catch (err) {
      for (const w of batch) w.reject(err);
    } finally {
      this.busy = false;
      this.kick();
    }
  }
}

const batchers = new WeakMap<Queryable, Map<string, StoreBatcher<never, unknown>>>();

/** The store's batcher of this name, made by `make` the first time (one per store and statement). */
export function batcherOf<I, O>(db: Queryable, name: string, make: () => StoreBatcher<I, O>): StoreBatcher<I, O> {
  let byName = batchers.get(db);
  if (!byName) batchers.set(db, (byName = new Map()));
  let b = byName.get(name) as StoreBatcher<I, O> | undefined;
  if (!b) {
    b = make();
    byName.set(name, b as unknown as StoreBatcher<never, unknown>);
  }
  return b;
}
