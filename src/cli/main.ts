import { Command, CommanderError } from "commander";
import { hardenPrototypes } from "../http/hostile-input.js";
import { loadConfig, type Config } from "../config/config.js";
import { DomainError } from "../errors/domain-error.js";
import { systemClock } from "../clock.js";
import { type CliContext, createContext } from "./context.js";
import { registerServeCommands } from "./commands/serve.js";
import { registerMigrateCommands } from "./commands/migrate.js";
import { registerAdminCommands } from "./commands/admin.js";
import { registerClientCommands } from "./commands/clients.js";
import { registerRoleCommands } from "./commands/roles.js";
import { registerTokenCommands } from "./commands/tokens.js";
import { registerDivisionCommands } from "./commands/divisions.js";
import { registerJobCommands } from "./commands/jobs.js";
import { registerSyncCommands } from "./commands/sync.js";

/** The command groups, in the order `--help` lists them. */
const COMMAND_GROUPS: ReadonlyArray<(program: Command, ctx: CliContext) => void> = [
  registerServeCommands,
  registerMigrateCommands,
  registerAdminCommands,
  registerClientCommands,
  registerRoleCommands,
  registerTokenCommands,
  registerDivisionCommands,
  registerJobCommands,
  registerSyncCommands,
];

/** The program, every command group registered on it; `config` is called when a command runs. */
export function buildCli(config: () => Config): Command {
  const program = new Command("scim-bridge").description("SCIM 2.0 provisioning bridge to Genesys Cloud").exitOverride();
  const ctx = createContext(config, systemClock);
  for (const register of COMMAND_GROUPS) register(program, ctx);
  return program;
}

/** The one line a failed command prints: a domain error's public message (never its detail), or the error's message. */
function errorLine(err: unknown): string {
  if (err instanceof DomainError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

/** The process entry point (bin/scim-bridge.js). Returns the exit code; errors print one line. */
export async function main(argv: string[]): Promise<number> {
  hardenPrototypes();
  const program = buildCli(() => loadConfig());
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    process.stderr.write(`scim-bridge: ${errorLine(err)}\n`);
    return 1;
  }
}
