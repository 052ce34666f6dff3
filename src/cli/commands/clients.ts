import { type Command, Option } from "commander";
import type { Store } from "../../store/store.js";
import { createClient, deleteClient, getClient, listClients, rotateSecret, updateClient } from "../../oauth/client-registry.js";
import { GRANT_TYPES } from "../../oauth/client-rules.js";
import { DomainError } from "../../errors/domain-error.js";
import type { CliContext } from "../context.js";
import { collect, wholeNumber } from "../options.js";
import { printLines, printNote, printResult } from "../output.js";
import { resolveRoleSpecs } from "../role-specs.js";

const CLIENT_COLUMNS = ["id", "name", "authorizedGrantType", "accessTokenValiditySeconds", "state", "roleDivisions"];

interface ClientOpts {
  name?: string;
  description?: string;
  grantType?: string;
  duration?: number;
  role?: string[];
  redirectUri?: string[];
  scope?: string[];
  state?: string;
  json?: boolean;
}

interface CreateOpts extends ClientOpts {
  preset?: string;
  region?: string;
  dedicatedLoginWindow?: boolean;
  division?: string[];
}

/** The registry's request body (as the admin API takes it) from the options given. */
async function clientBody(store: Store, o: ClientOpts): Promise<Record<string, unknown>> {
  const body: Record<string, unknown> = {};
  if (o.name !== undefined) body.name = o.name;
  if (o.description !== undefined) body.description = o.description;
  if (o.grantType !== undefined) body.authorizedGrantType = o.grantType;
  if (o.duration !== undefined) body.accessTokenValiditySeconds = o.duration;
  if (o.role !== undefined) body.roleDivisions = await resolveRoleSpecs(store, o.role);
  if (o.redirectUri !== undefined) body.registeredRedirectUri = o.redirectUri;
  if (o.scope !== undefined) body.scope = o.scope;
  if (o.state !== undefined) body.state = o.state;
  return body;
}

/** The preset's fields of `clients create`, added to the body. */
async function addPreset(store: Store, body: Record<string, unknown>, o: CreateOpts): Promise<void> {
  if (!o.preset) return;
  body.preset = o.preset;
  if (o.region !== undefined) body.region = o.region;
  if (o.dedicatedLoginWindow) body.dedicatedLoginWindow = true;
  if (o.division)
    body.divisions = (
      await resolveRoleSpecs(
        store,
        o.division.map((d) => `SCIM Integration@${d}`),
      )
    ).map((g) => g.divisionId);
}

function clientOptions(cmd: Command): Command {
  return cmd
    .option("--description <text>", "description")
    .addOption(new Option("--grant-type <type>", "authorized grant type").choices([...GRANT_TYPES]))
    .option("--duration <seconds>", "access token validity in seconds", wholeNumber)
    .option("--role <role[@division]>", "grant a role (name or id) in a division (name, id or *; home by default); repeatable", collect)
    .option("--redirect-uri <uri>", "registered redirect URI (CODE and TOKEN clients); repeatable", collect)
    .option("--scope <scope>", "scope (CODE and TOKEN clients); repeatable", collect)
    .addOption(new Option("--state <state>", "client state").choices(["active", "inactive"]))
    .option("--json", "print JSON");
}

/** `clients …`: the OAuth client registry, through client-registry.ts as the admin API uses it. */
export function registerClientCommands(program: Command, ctx: CliContext): void {
  const clients = program.command("clients").description("OAuth clients");
  clientOptions(
    clients
      .command("create")
      .description("create a client; prints its secret once")
      .requiredOption("--name <name>", "client name")
      .addOption(new Option("--preset <preset>", "a Genesys procedure's client").choices(["embeddable-framework", "scim"]))
      .option("--region <host>", "Genesys Cloud region host, e.g. mypurecloud.ie (embeddable-framework preset)")
      .option("--dedicated-login-window", "also register authWindow.html (embeddable-framework preset)")
      .option("--division <division>", "a division (name, id or *) for the scim preset's role; repeatable", collect),
  ).action(async (o: CreateOpts) =>
    ctx.withStore(async (store) => {
      const body = await clientBody(store, o);
      await addPreset(store, body, o);
      const client = await createClient(store, ctx.actor(), ctx.now(), body);
      printResult(client, !!o.json, [...CLIENT_COLUMNS, "secret"]);
      const frameworkIds = client.frameworkClientIds;
      if (frameworkIds && !o.json) printLines("", `framework.js clientIds: ${JSON.stringify(frameworkIds)}`);
    }),
  );

  clients
    .command("list")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) =>
      ctx.withStore(async (store) => {
        const { entities } = await listClients(store, { limit: 10_000, offset: 0 });
        printResult(entities, !!o.json, CLIENT_COLUMNS);
      }),
    );

  clients
    .command("show <id>")
    .option("--json", "print JSON")
    .action(async (id: string, o: { json?: boolean }) =>
      ctx.withStore(async (store) => {
        const client = await getClient(store, id);
        if (!client) throw DomainError.notFound("client", id);
        printResult(client, !!o.json);
      }),
    );

  clientOptions(clients.command("update <id>").description("change some fields of a client").option("--name <name>", "client name")).action(
    async (id: string, o: ClientOpts) =>
      ctx.withStore(async (store) => {
        const result = await updateClient(store, ctx.actor(), ctx.now(), id, await clientBody(store, o), "patch");
        printResult(result, !!o.json);
        const reset = result.durationReset;
        if (reset && !o.json) printNote(`accessTokenValiditySeconds reset from ${reset.from} to ${reset.to}: ${reset.reason}`);
      }),
  );

  clients
    .command("rotate-secret <id>")
    .description("a new secret, printed once; the old one stops working at once")
    .option("--revoke-tokens", "also revoke every token issued to the client (a leaked secret may have minted some)")
    .option("--json", "print JSON")
    .action(async (id: string, o: { json?: boolean; revokeTokens?: boolean }) =>
      ctx.withStore(async (store) => {
        const rotated = await rotateSecret(store, ctx.actor(), ctx.now(), id, { revokeTokens: !!o.revokeTokens });
        printResult(rotated, !!o.json, ["id", "name", "secret", ...(o.revokeTokens ? ["tokensRevoked"] : [])]);
      }),
    );

  clients.command("delete <id>").action(async (id: string) =>
    ctx.withStore(async (store) => {
      await deleteClient(store, ctx.actor(), ctx.now(), id);
      printLines(`deleted ${id}`);
    }),
  );
}
