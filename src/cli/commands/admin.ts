import type { Command } from "commander";
import { ALL_DIVISIONS } from "../../authz/permissions.js";
import { builtinRoleId } from "../../authz/roles.js";
import { createClient } from "../../oauth/client-registry.js";
import { DomainError } from "../../errors/domain-error.js";
import type { CliContext } from "../context.js";
import { printLines, printResult } from "../output.js";

const SECRET_ONCE = "(the secret is shown only now)";

/** `admin bootstrap`: the first admin client, through the client registry. */
export function registerAdminCommands(program: Command, ctx: CliContext): void {
  const admin = program.command("admin").description("administration");
  admin
    .command("bootstrap")
    .description("create an admin client holding Bridge Admin and SCIM Integration in all divisions; prints its secret once")
    .option("--name <name>", "client name", "Bridge admin")
    .option("--json", "print the client (with its secret) as JSON")
    .action(async (o: { name: string; json?: boolean }) =>
      ctx.withStore(async (store) => {
        const adminRole = await builtinRoleId(store, "bridge-admin");
        const scimRole = await builtinRoleId(store, "scim-integration");
        if (!adminRole || !scimRole) throw new DomainError("not_found", "built-in roles missing: run `scim-bridge migrate`");
        const client = await createClient(store, ctx.actor(), ctx.now(), {
          name: o.name,
          authorizedGrantType: "CLIENT-CREDENTIALS",
          roleDivisions: [
            { roleId: adminRole, divisionId: ALL_DIVISIONS },
            { roleId: scimRole, divisionId: ALL_DIVISIONS },
          ],
        });
        if (o.json) printResult(client, true);
        else printLines("admin client created", `  client id:     ${client.id}`, `  client secret: ${client.secret}`, SECRET_ONCE);
      }),
    );
}
