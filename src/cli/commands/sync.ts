import { CommanderError, type Command } from "commander";
import { parseBody } from "../../errors/parse-body.js";
import { listSyncStates, syncStatus, type ResourceSyncState } from "../../sync/sync-status.js";
import {
  ResyncBody,
  RetryBody,
  SyncListQuery,
  reassertSync,
  resyncAll,
  retrySync,
  type SyncOperationContext,
} from "../../sync/sync-operations.js";
import { verifySync } from "../../sync/verify.js";
import { createTarget } from "../../sync/target-factory.js";
import { Redis } from "ioredis";
import { grantableRoles } from "../../config/config.js";
import { describeTarget, recordedTarget } from "../../sync/target-change.js";
import type { SyncResourceType } from "../../sync/sync-state.js";
import type { Store } from "../../store/store.js";
import type { CliContext } from "../context.js";
import { usageError, wholeNumber } from "../options.js";
import { printLines, printNote, printResult } from "../output.js";

const LIST_COLUMNS = ["type", "id", "state", "desiredVersion", "syncedVersion", "targetId", "lastSyncedAt", "lastError"];

/** `--type`, checked as the admin API checks it. */
const typeOption = (type: string | undefined): SyncResourceType | undefined => parseBody(ResyncBody, { type }).type;

/** `sync …`: the sync state from the store, through the functions the admin API's /sync routes use. */
export function registerSyncCommands(program: Command, ctx: CliContext): void {
  const sync = program.command("sync").description("sync state: status, lists, retries and full resyncs");

  /** Runs a store-and-queues operation: Redis must answer first, each batch of jobs within its deadline. */
  const operate = <T>(fn: (op: SyncOperationContext) => Promise<T>) =>
    ctx.withStore((store: Store) =>
      ctx.withQueueSteps((queues, bounded) => fn({ store, queues, bounded, actor: ctx.actor().name, now: ctx.now() })),
    );

  sync
    .command("status")
    .description("resources synced, pending and failed (as GET /admin/v1/sync/status)")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) =>
      ctx.withStore(async (store) => {
        const status = await syncStatus(store, ctx.now());
        const target = await recordedTarget(store);
        if (o.json) return printResult({ ...status, target }, true);
        printResult(
          [
            { type: "User", ...status.users },
            { type: "Group", ...status.groups },
          ],
          false,
          ["type", "synced", "pending", "failed"],
        );
        printLines(
          `oldest pending change: ${status.oldestPendingSeconds === null ? "none" : `${status.oldestPendingSeconds} s ago`}`,
          `target: ${describeTarget(target)}`,
        );
      }),
    );

  sync
    .command("list")
    .description("resources by sync state, with their last error (as GET /admin/v1/sync/users|groups)")
    .option("--state <state>", "failed, pending or synced (all when omitted)")
    .option("--type <type>", "User or Group (both when omitted)")
    .option("--page-size <n>", "resources per type (1..500)", wholeNumber, 100)
    .option("--page-number <n>", "the page, from 1", wholeNumber, 1)
    .option("--json", "print JSON")
    .action(async (o: { state?: string; type?: string; pageSize: number; pageNumber: number; json?: boolean }) => {
      const { state } = parseBody(SyncListQuery, { state: o.state });
      const type = typeOption(o.type);
      if (o.pageSize < 1 || o.pageSize > 500) throw usageError("--page-size: must be 1..500");
      if (o.pageNumber < 1) throw usageError("--page-number: must be 1 or more");
      const page = { limit: o.pageSize, offset: (o.pageNumber - 1) * o.pageSize };
      await ctx.withStore(async (store) => {
        const entities: Array<ResourceSyncState & { type: SyncResourceType }> = [];
        let total = 0;
        for (const t of type ? [type] : (["User", "Group"] as const)) {
          const found = await listSyncStates(store, t, state, page);
          entities.push(...found.entities.map((e) => ({ type: t, ...e })));
          total += found.total;
        }
        if (o.json) return printResult({ entities, total, pageSize: o.pageSize, pageNumber: o.pageNumber }, true);
        printResult(entities, false, LIST_COLUMNS);
        if (total > entities.length) printNote(`${entities.length} of ${total} shown: see --page-size and --page-number`);
      });
    });

  sync
    .command("retry")
    .description("set resources back to pending and queue them: one (--type T --id ID), or every failed one (--all)")
    .option("--all", "every resource whose sync failed for good (of --type, if given)")
    .option("--type <type>", "User or Group")
    .option("--id <id>", "the resource's id")
    .option("--json", "print JSON")
    .action(async (o: { all?: boolean; type?: string; id?: string; json?: boolean }) => {
      if (!o.all && o.id === undefined) throw usageError("give --all, or --type User|Group --id ID");
      if (o.all && o.id !== undefined) throw usageError("give --all or --id, not both");
      const target = parseBody(RetryBody, { type: o.type, id: o.id, all: o.all || undefined });
      const result = await operate((op) => retrySync(op, target));
      if (o.json) printResult(result, true);
      else printLines(`retried ${result.retried} resource(s)`);
    });

  sync
    .command("resync")
    .description("a full resync: every resource (of --type) pending, re-read from the target and asserted again")
    .option("--type <type>", "User or Group (both when omitted)")
    .option("--json", "print JSON")
    .action(async (o: { type?: string; json?: boolean }) => {
      const type = typeOption(o.type);
      const result = await operate((op) => resyncAll(op, type));
      if (o.json) printResult(result, true);
      else printLines(`resyncing ${result.resynced} resource(s)`);
    });

  sync
    .command("verify")
    .description("read synced users and groups back from Genesys and report what differs from SCIM (drift); --fix sends it again")
    .option("--type <type>", "User or Group (both when omitted)")
    .option("--fix", "queue every drifted resource to be read and asserted again")
    .option("--json", "print JSON")
    .action(async (o: { type?: string; fix?: boolean; json?: boolean }) => {
      const type = typeOption(o.type);
      const cfg = ctx.config();
      // paced through the workers' shared budget: a check of 10,000 users must not starve them
      const redis = new Redis(cfg.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
      await redis.connect().catch(() => undefined);
      try {
        const result = await ctx.withStore((store) =>
          verifySync(
            {
              db: store,
              target: createTarget(cfg, store, undefined, redis),
              clock: () => ctx.now().getTime(),
              grantableRoles: grantableRoles(cfg),
            },
            type,
          ),
        );
        const fixed = o.fix ? await operate((op) => reassertSync(op, result.drifted)) : null;
        if (o.json) printResult({ ...result, ...(fixed ?? {}) }, true);
        else {
          printResult(
            result.drifted.map((d) => ({ type: d.type, id: d.id, targetId: d.targetId, differences: d.differences.join("; ") })),
            false,
            ["type", "id", "targetId", "differences"],
          );
          for (const e of result.errors) printNote(`${e.type} ${e.id}: could not be checked: ${e.error}`);
          printLines(
            `checked ${result.checked.users} user(s) and ${result.checked.groups} group(s): ${result.drifted.length} drifted, ${result.errors.length} unreadable`,
            ...(fixed ? [`queued ${fixed.reasserted} resource(s) to be asserted again`] : []),
          );
        }
        // a check that finds drift it was not asked to fix says so to scripts (exit 1, nothing more printed)
        if (!o.fix && (result.drifted.length || result.errors.length)) throw new CommanderError(1, "scim-bridge.drift", "drift found");
      } finally {
        redis.disconnect();
      }
    });
}
