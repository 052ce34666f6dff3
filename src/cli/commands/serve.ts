import type { Command } from "commander";
import { startServer } from "../../server.js";
import type { CliContext } from "../context.js";
import { usageError } from "../options.js";

/** `serve`: the HTTP API and the sync workers, until a signal stops them. */
export function registerServeCommands(program: Command, ctx: CliContext): void {
  program
    .command("serve")
    .description("start the HTTP API (SCIM, OAuth, admin) and the sync workers")
    .option("--api-only", "serve HTTP only; workers run elsewhere")
    .option("--worker-only", "run the outbox relay and sync workers only")
    .action(async (o: { apiOnly?: boolean; workerOnly?: boolean }) => {
      if (o.apiOnly && o.workerOnly) throw usageError("--api-only and --worker-only exclude each other");
      // Signals are taken from the start: one that arrives while starting stops the server once it is up.
      let onSignal: (() => void) | null = null;
      const handler = () => {
        // Before start-up is done there is nothing to finish: a database that never answers must not
        // keep an operator's SIGTERM waiting (start-up itself gives up after STORE_STARTUP_TIMEOUT_MS).
        if (!onSignal) {
          process.stderr.write("scim-bridge: stopped during start-up\n");
          process.exit(143);
        }
        onSignal();
      };
      process.on("SIGTERM", handler);
      process.on("SIGINT", handler);
      const running = await startServer(ctx.config(), { api: !o.workerOnly, worker: !o.apiOnly });
      await new Promise<void>((resolve) => {
        onSignal = () => {
          onSignal = () => undefined; // a second signal does not start a second stop
          // Requests in flight finish; but a store or Redis that stopped answering cannot hold the process
          setTimeout(() => {
            process.stderr.write("scim-bridge: shutdown did not finish in 30 s; exiting\n");
            process.exit(1);
          }, 30_000).unref();
          running.stop().then(resolve, resolve);
        };
      });
      process.off("SIGTERM", handler);
      process.off("SIGINT", handler);
      // Stopped: a client still retrying an unreachable Redis must not keep the process alive.
      setTimeout(() => process.exit(process.exitCode ?? 0), 1_000).unref();
    });
}
