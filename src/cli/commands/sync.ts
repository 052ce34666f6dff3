import type { Command } from "commander";
import { parseBody } from "../../errors/parse-body.js";
import { listSyncStates, syncStatus, type ResourceSyncState } from "../../sync/sync-status.js";
import { ResyncBody, RetryBody, SyncListQuery, resyncAll, retrySync, type SyncOperationContext } from "../../sync/sync-operations.js";
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
}
