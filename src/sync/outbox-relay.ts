import type { Store } from "../store/store.js";
import type { Logger } from "../log/logger.js";
import { enqueueSyncMany, type SyncQueues } from "./queues.js";
import { claimChanges, forgetChanges } from "./outbox.js";
import type { SyncResourceType } from "./sync-state.js";

const BATCH = 500;

/**
 * Moves outbox rows into BullMQ and deletes them only after Redis accepted the jobs. Safe
 * to run in several processes: a row relayed twice adds a job that deduplication collapses.
 * A round is two statements and one Redis pipeline per type, whatever the batch holds: the rows are
 * read and their resources marked pending in one statement, the jobs added with one addBulk, the
 * rows deleted in one statement. Returns how many rows it moved.
 */
export async function relayOnce(store: Store, queues: SyncQueues): Promise<number> {
  const rows = await claimChanges(store, BATCH);
  if (rows.length === 0) return 0;
  const ids: Record<SyncResourceType, Set<string>> = { User: new Set(), Group: new Set() };
  for (const r of rows) ids[r.resourceType].add(r.resourceId);
  await Promise.all([enqueueSyncMany(queues, "User", [...ids.User]), enqueueSyncMany(queues, "Group", [...ids.Group])]);
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
