import type { Command } from "commander";
import { revokeClientTokens } from "../../oauth/client-registry.js";
import { issueToken, loadIssuableClient, revokeToken } from "../../oauth/token-service.js";
import { DomainError } from "../../errors/domain-error.js";
import type { CliContext } from "../context.js";
import { usageError } from "../options.js";
import { printLines, printResult } from "../output.js";

/** `tokens …`: issued and revoked by the token service, a client's all at once by the client registry. */
export function registerTokenCommands(program: Command, ctx: CliContext): void {
  const tokens = program.command("tokens").description("access tokens");
  tokens
    .command("issue <clientId>")
    .description("issue an access token to a CLIENT-CREDENTIALS client (for identity providers that take a static secret token)")
    .option("--json", "print JSON")
    .action(async (clientId: string, o: { json?: boolean }) =>
      ctx.withStore(async (store) => {
        const client = await loadIssuableClient(store, clientId);
        if (!client) throw DomainError.notFound("client", clientId);
        const token = await issueToken(store, ctx.clock, client);
        if (o.json) printResult(token, true);
        else printLines(token.access_token);
      }),
    );

  tokens
    .command("revoke [token]")
    .description("revoke one token, or with --client ID --all every token of a client")
    .option("--client <id>", "the client whose tokens to revoke (with --all)")
    .option("--all", "revoke every token of --client")
    .action(async (token: string | undefined, o: { client?: string; all?: boolean }) =>
      ctx.withStore(async (store) => {
        if (o.all || o.client) {
          if (token !== undefined || !o.all || !o.client) throw usageError("give either a token, or --client ID --all");
          const { tokensRevoked } = await revokeClientTokens(store, ctx.actor(), ctx.now(), o.client);
          printLines(`revoked ${tokensRevoked} token(s) of client ${o.client}`);
          return;
        }
        if (token === undefined) throw usageError("give a token to revoke, or --client ID --all");
        // The operator holds every right: any client's token may be revoked.
        const deleted = await revokeToken(store, token, { clientId: "", mayRevokeOthers: async () => true });
        printLines(deleted ? "revoked" : "no such token (already revoked or expired)");
      }),
    );
}
