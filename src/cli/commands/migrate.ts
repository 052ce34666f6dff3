import type { Command } from "commander";
import type { CliContext } from "../context.js";
import { printResult } from "../output.js";

/** `migrate`: the store's pending migrations and, on a new store, the shipped data. */
export function registerMigrateCommands(program: Command, ctx: CliContext): void {
  program
    .command("migrate")
    .description("apply pending store migrations and seed the built-in roles and home division")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) =>
      ctx.withStore(async (store, applied) => {
        printResult({ store: store.kind, applied: applied.join(", ") || "(none pending)" }, !!o.json);
      }),
    );
}
