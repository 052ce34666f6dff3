import type { Store } from "../store/store.js";
import type { Logger } from "../log/logger.js";
import { enqueueSync, type SyncQueues } from "./queues.js";
import { forgetChanges, takeChanges } from "./outbox.js";
import { markPendingMany, type SyncResourceType } from "./sync-state.js";

const BATCH = 500;

/**
 * Moves outbox rows into BullMQ and deletes them only after Redis accepted the jobs. Safe
 * to run in several processes: a row relayed twice adds a job that deduplication collapses.
 * Returns how many rows it moved.
 */
export async function relayOnce(store: Store, queues: SyncQueues): Promise<number> {
  const rows = await takeChanges(store, BATCH);
  if (rows.length === 0) return 0;
  const first = new Map<string, { type: SyncResourceType; id: string; since: Date }>();
  for (const r of rows) {
    const key = `${r.resourceType}:${r.resourceId}`;
    if (!first.has(key)) first.set(key, { type: r.resourceType, id: r.resourceId, since: r.createdAt });
  }
  await markPendingMany(store, [...first.values()]);
  await Promise.all([...first.values()].map((c) => enqueueSync(queues, c.type, c.id)));
  await forgetChanges(
    store,
    rows.map((r) => r.id),
  );
  return rows.length;
}

/** Polls the outbox; a failed round (Redis down) is retried on the next tick, nothing is lost. */
export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private failing = false;

  constructor(
    private readonly store: Store,
    private readonly queues: SyncQueues,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    const tick = () => {
      this.running = this.drain().finally(() => {
        this.running = null;
        if (this.timer !== null) this.timer = setTimeout(tick, this.intervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Relays until the outbox is empty or a round fails. */
  async drain(): Promise<void> {
    try {
      while ((await relayOnce(this.store, this.queues)) === BATCH);
      if (this.failing) this.logger.debug({ category: "sync" }, "outbox relay recovered");
      this.failing = false;
    } catch (err) {
      const message = (err as Error).message;
      // Redis being lost is logged once, by RedisHealth; anything else is the relay's own news
      const level = /Connection is closed|Stream isn't writeable|ECONNREFUSED|ETIMEDOUT|ENOTFOUND|ECONNRESET/i.test(message)
        ? "debug"
        : "warn";
      if (!this.failing)
        this.logger[level]({ category: "sync", err: message }, "outbox relay failed; retrying (SCIM writes continue, nothing is lost)");
      this.failing = true;
    }
  }

  /** Waits for a round in progress, but not for ever: with Redis unreachable an add can wait for its connection indefinitely. */
  async stop(graceMs = 2_000): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await Promise.race([this.running, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
  }
}
