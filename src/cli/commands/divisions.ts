import type { Command } from "commander";
import { listDivisions } from "../../authz/divisions.js";
import { syncDivisions } from "../../sync/reconcile-divisions.js";
import { createTarget } from "../../sync/target-factory.js";
import type { CliContext } from "../context.js";
import { printResult } from "../output.js";

/** `divisions …`: the local catalog, and reading it from the target now as the scheduled sync does. */
export function registerDivisionCommands(program: Command, ctx: CliContext): void {
  const divisions = program.command("divisions").description("divisions");
  divisions
    .command("list")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) =>
      ctx.withStore(async (store) => printResult(await listDivisions(store), !!o.json, ["id", "name", "homeDivision", "description"])),
    );

  divisions
    .command("sync")
    .description("read the target's divisions into the local catalog now")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) =>
      ctx.withStore(async (store) => {
        const result = await syncDivisions(store, createTarget(ctx.config(), store), ctx.now(), ctx.actor().name);
        printResult(result, !!o.json);
      }),
    );
}
