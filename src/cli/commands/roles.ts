import type { Command } from "commander";
import { listRoles } from "../../authz/roles.js";
import { createRole, restoreDefaultRoles } from "../../oauth/role-service.js";
import type { CliContext } from "../context.js";
import { collect } from "../options.js";
import { printNote, printResult } from "../output.js";

const ROLE_COLUMNS = ["id", "name", "builtin", "permissions"];

/** `roles …`: through role-service.ts as the admin API uses it. */
export function registerRoleCommands(program: Command, ctx: CliContext): void {
  const roles = program.command("roles").description("roles");
  roles
    .command("list")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => ctx.withStore(async (store) => printResult(await listRoles(store), !!o.json, ROLE_COLUMNS)));

  roles
    .command("create")
    .requiredOption("--name <name>", "role name")
    .option("--description <text>", "description")
    .option("--permission <perm>", "permission domain:entity:action; repeatable", collect, [])
    .option("--json", "print JSON")
    .action(async (o: { name: string; description?: string; permission: string[]; json?: boolean }) =>
      ctx.withStore(async (store) => {
        const body = { name: o.name, description: o.description, permissions: o.permission };
        const role = await createRole(store, ctx.actor(), ctx.now(), body);
        printResult(role, !!o.json, ["id", "name", "permissions"]);
      }),
    );

  roles
    .command("restore-defaults")
    .description("recreate deleted built-in roles and reset their permissions to the shipped ones")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) =>
      ctx.withStore(async (store) => {
        const result = await restoreDefaultRoles(store, ctx.actor(), ctx.now());
        printResult(o.json ? result : result.roles, !!o.json, ["id", "name", "builtin", "action"]);
        for (const r of o.json ? [] : result.clientsReset) {
          printNote(`client ${r.clientId}: accessTokenValiditySeconds reset from ${r.from} to ${r.to}`);
        }
      }),
    );
}
