import { userInfo } from "node:os";
import { redactUrl } from "../log/redact-url.js";
import { withinRedisDeadline } from "../sync/redis-health.js";
import { hardenPrototypes } from "../http/hostile-input.js";
import { Command, CommanderError, Option } from "commander";
import { loadConfig, type Config } from "../config/config.js";
import { openStore, prepareStore } from "../store/open-store.js";
import type { Store } from "../store/store.js";
import type { SystemActor } from "../authz/principal.js";
import { ALL_DIVISIONS } from "../authz/permissions.js";
import { builtinRoleId, listRoles } from "../authz/roles.js";
import { listDivisions } from "../authz/divisions.js";
import { createRole, restoreDefaultRoles } from "../oauth/role-service.js";
import { createClient, deleteClient, getClient, listClients, revokeClientTokens, rotateSecret, updateClient } from "../oauth/client-registry.js";
import { issueToken, revokeToken } from "../oauth/token-service.js";
import { GRANT_TYPES, type RoleDivision } from "../oauth/client-rules.js";
import { DomainError } from "../errors/domain-error.js";
import { systemClock } from "../clock.js";
import { startServer } from "../server.js";
import { printResult } from "./output.js";
import { syncDivisions } from "../sync/reconcile-divisions.js";
import { createTarget } from "../sync/target-factory.js";
import { createQueues, type SyncQueues } from "../sync/queues.js";
import { redisConnection } from "../sync/runtime.js";
import { listFailedJobs, retryFailedJob } from "../sync/failed-jobs.js";

const CLIENT_COLUMNS = ["id", "name", "authorizedGrantType", "accessTokenValiditySeconds", "state", "roleDivisions"];

function actor(): SystemActor {
  let name = "cli";
  try {
    name = `cli:${userInfo().username}`;
  } catch {
    /* no passwd entry in some containers */
  }
  return { kind: "system", name };
}

/** Opens the configured store (migrated and seeded), runs `fn`, always closes it. */
async function withStore<T>(config: Config, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(config);
  try {
    await prepareStore(store, new Date());
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** `--role NAME_OR_ID[@DIVISION]`, DIVISION a name, an id or `*`; no division means the home division. */
async function resolveRoleSpecs(store: Store, specs: string[]): Promise<RoleDivision[]> {
  const roles = await listRoles(store);
  const divisions = await listDivisions(store);
  return specs.map((spec) => {
    const at = spec.lastIndexOf("@");
    const roleRef = at >= 0 ? spec.slice(0, at) : spec;
    const divRef = at >= 0 ? spec.slice(at + 1) : "";
    const role = roles.find((r) => r.id === roleRef || r.name.toLowerCase() === roleRef.toLowerCase());
    if (!role) throw new Error(`unknown role ${JSON.stringify(roleRef)}; roles: ${roles.map((r) => r.name).join(", ")}`);
    if (!divRef) return { roleId: role.id, divisionId: "" };
    if (divRef === ALL_DIVISIONS) return { roleId: role.id, divisionId: ALL_DIVISIONS };
    const division = divisions.find((d) => d.id === divRef || d.name.toLowerCase() === divRef.toLowerCase());
    if (!division) throw new Error(`unknown division ${JSON.stringify(divRef)}; divisions: ${divisions.map((d) => d.name).join(", ")}`);
    return { roleId: role.id, divisionId: division.id };
  });
}

const collect = (v: string, prev: string[] = []) => [...prev, v];
const int = (v: string) => {
  if (!/^\d+$/.test(v)) throw new Error(`not a whole number: ${v}`);
  return Number(v);
};

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

function clientOptions(cmd: Command): Command {
  return cmd
    .option("--description <text>", "description")
    .addOption(new Option("--grant-type <type>", "authorized grant type").choices([...GRANT_TYPES]))
    .option("--duration <seconds>", "access token validity in seconds", int)
    .option("--role <role[@division]>", "grant a role (name or id) in a division (name, id or *; home by default); repeatable", collect)
    .option("--redirect-uri <uri>", "registered redirect URI (CODE and TOKEN clients); repeatable", collect)
    .option("--scope <scope>", "scope (CODE and TOKEN clients); repeatable", collect)
    .addOption(new Option("--state <state>", "client state").choices(["active", "inactive"]))
    .option("--json", "print JSON");
}

export function buildCli(config: () => Config): Command {
  const program = new Command("scim-bridge").description("SCIM 2.0 provisioning bridge to Genesys Cloud").exitOverride();

  program
    .command("serve")
    .description("start the HTTP API (SCIM, OAuth, admin) and the sync workers")
    .option("--api-only", "serve HTTP only; workers run elsewhere")
    .option("--worker-only", "run the outbox relay and sync workers only")
    .action(async (o: { apiOnly?: boolean; workerOnly?: boolean }) => {
      if (o.apiOnly && o.workerOnly) throw new Error("--api-only and --worker-only exclude each other");
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
      const running = await startServer(config(), { api: !o.workerOnly, worker: !o.apiOnly });
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

  program
    .command("migrate")
    .description("apply pending store migrations and seed the built-in roles and home division")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const cfg = config();
      const store = await openStore(cfg);
      try {
        const applied = await prepareStore(store, new Date());
        printResult({ store: store.kind, applied: applied.join(", ") || "(none pending)" }, !!o.json);
      } finally {
        await store.close();
      }
    });

  const admin = program.command("admin").description("administration");
  admin
    .command("bootstrap")
    .description("create an admin client holding Bridge Admin and SCIM Integration in all divisions; prints its secret once")
    .option("--name <name>", "client name", "Bridge admin")
    .option("--json", "print the client (with its secret) as JSON")
    .action(async (o: { name: string; json?: boolean }) =>
      withStore(config(), async (store) => {
        const adminRole = await builtinRoleId(store, "bridge-admin");
        const scimRole = await builtinRoleId(store, "scim-integration");
        if (!adminRole || !scimRole) throw new Error("built-in roles missing: run `scim-bridge migrate`");
        const client = await createClient(store, actor(), new Date(), {
          name: o.name,
          authorizedGrantType: "CLIENT-CREDENTIALS",
          roleDivisions: [
            { roleId: adminRole, divisionId: ALL_DIVISIONS },
            { roleId: scimRole, divisionId: ALL_DIVISIONS },
          ],
        });
        if (o.json) printResult(client, true);
        else process.stdout.write(`admin client created\n  client id:     ${client.id}\n  client secret: ${client.secret}\n(the secret is shown only now)\n`);
      }),
    );

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
  ).action(async (o: ClientOpts & { preset?: string; region?: string; dedicatedLoginWindow?: boolean; division?: string[] }) =>
    withStore(config(), async (store) => {
      const body = await clientBody(store, o);
      if (o.preset) {
        body.preset = o.preset;
        if (o.region !== undefined) body.region = o.region;
        if (o.dedicatedLoginWindow) body.dedicatedLoginWindow = true;
        if (o.division) body.divisions = (await resolveRoleSpecs(store, o.division.map((d) => `SCIM Integration@${d}`))).map((g) => g.divisionId);
      }
      const client = await createClient(store, actor(), new Date(), body);
      printResult(client, !!o.json, [...CLIENT_COLUMNS, "secret"]);
      if (client.frameworkClientIds && !o.json) process.stdout.write(`\nframework.js clientIds: ${JSON.stringify(client.frameworkClientIds)}\n`);
    }),
  );
  clients
    .command("list")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => withStore(config(), async (store) => printResult((await listClients(store, { limit: 10_000, offset: 0 })).entities, !!o.json, CLIENT_COLUMNS)));
  clients
    .command("show <id>")
    .option("--json", "print JSON")
    .action(async (id: string, o: { json?: boolean }) =>
      withStore(config(), async (store) => {
        const client = await getClient(store, id);
        if (!client) throw DomainError.notFound("client", id);
        printResult(client, !!o.json);
      }),
    );
  clientOptions(clients.command("update <id>").description("change some fields of a client").option("--name <name>", "client name")).action(async (id: string, o: ClientOpts) =>
    withStore(config(), async (store) => {
      const result = await updateClient(store, actor(), new Date(), id, await clientBody(store, o), "patch");
      printResult(result, !!o.json);
      if (result.durationReset && !o.json) process.stderr.write(`note: accessTokenValiditySeconds reset from ${result.durationReset.from} to ${result.durationReset.to}: ${result.durationReset.reason}\n`);
    }),
  );
  clients
    .command("rotate-secret <id>")
    .description("a new secret, printed once; the old one stops working at once")
    .option("--revoke-tokens", "also revoke every token issued to the client (a leaked secret may have minted some)")
    .option("--json", "print JSON")
    .action(async (id: string, o: { json?: boolean; revokeTokens?: boolean }) =>
      withStore(config(), async (store) => printResult(await rotateSecret(store, actor(), new Date(), id, { revokeTokens: !!o.revokeTokens }), !!o.json, ["id", "name", "secret", ...(o.revokeTokens ? ["tokensRevoked"] : [])])),
    );
  clients
    .command("delete <id>")
    .action(async (id: string) =>
      withStore(config(), async (store) => {
        await deleteClient(store, actor(), new Date(), id);
        process.stdout.write(`deleted ${id}\n`);
      }),
    );

  const roles = program.command("roles").description("roles");
  roles
    .command("list")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => withStore(config(), async (store) => printResult(await listRoles(store), !!o.json, ["id", "name", "builtin", "permissions"])));
  roles
    .command("create")
    .requiredOption("--name <name>", "role name")
    .option("--description <text>", "description")
    .option("--permission <perm>", "permission domain:entity:action; repeatable", collect, [])
    .option("--json", "print JSON")
    .action(async (o: { name: string; description?: string; permission: string[]; json?: boolean }) =>
      withStore(config(), async (store) => printResult(await createRole(store, actor(), new Date(), { name: o.name, description: o.description, permissions: o.permission }), !!o.json, ["id", "name", "permissions"])),
    );

  roles
    .command("restore-defaults")
    .description("recreate deleted built-in roles and reset their permissions to the shipped ones")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) =>
      withStore(config(), async (store) => {
        const result = await restoreDefaultRoles(store, actor(), new Date());
        printResult(o.json ? result : result.roles, !!o.json, ["id", "name", "builtin", "action"]);
        for (const r of o.json ? [] : result.clientsReset) process.stderr.write(`note: client ${r.clientId}: accessTokenValiditySeconds reset from ${r.from} to ${r.to}\n`);
      }),
    );

  const tokens = program.command("tokens").description("access tokens");
  tokens
    .command("issue <clientId>")
    .description("issue an access token to a CLIENT-CREDENTIALS client (for identity providers that take a static secret token)")
    .option("--json", "print JSON")
    .action(async (clientId: string, o: { json?: boolean }) =>
      withStore(config(), async (store) => {
        const client = await getClient(store, clientId);
        if (!client) throw DomainError.notFound("client", clientId);
        const token = await issueToken(store, systemClock, { id: client.id, authorizedGrantType: client.authorizedGrantType, accessTokenValiditySeconds: client.accessTokenValiditySeconds, state: client.state });
        if (o.json) printResult(token, true);
        else process.stdout.write(`${token.access_token}\n`);
      }),
    );
  tokens
    .command("revoke [token]")
    .description("revoke one token, or with --client ID --all every token of a client")
    .option("--client <id>", "the client whose tokens to revoke (with --all)")
    .option("--all", "revoke every token of --client")
    .action(async (token: string | undefined, o: { client?: string; all?: boolean }) =>
      withStore(config(), async (store) => {
        if (o.all || o.client) {
          if (token !== undefined || !o.all || !o.client) throw new Error("give either a token, or --client ID --all");
          const { tokensRevoked } = await revokeClientTokens(store, actor(), new Date(), o.client);
          process.stdout.write(`revoked ${tokensRevoked} token(s) of client ${o.client}\n`);
          return;
        }
        if (token === undefined) throw new Error("give a token to revoke, or --client ID --all");
        const deleted = await revokeToken(store, token, { clientId: "", mayRevokeOthers: async () => true });
        process.stdout.write(deleted ? "revoked\n" : "no such token (already revoked or expired)\n");
      }),
    );

  const divisions = program.command("divisions").description("divisions");
  divisions
    .command("list")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => withStore(config(), async (store) => printResult(await listDivisions(store), !!o.json, ["id", "name", "homeDivision", "description"])));
  divisions
    .command("sync")
    .description("read the target's divisions into the local catalog now")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) =>
      withStore(config(), async (store) => printResult(await syncDivisions(store, createTarget(config(), store), new Date(), actor().name), !!o.json)),
    );

  const jobs = program.command("jobs").description("sync jobs");
  const withQueues = async <T>(fn: (queues: SyncQueues) => Promise<T>): Promise<T> => {
    const cfg = config();
    const queues = createQueues(redisConnection(cfg.REDIS_URL, false), cfg.QUEUE_PREFIX);
    const label = redactUrl(cfg.REDIS_URL);
    try {
      // BullMQ waits for its connection as long as Redis is down: an operator gets an answer in seconds
      return await withinRedisDeadline(label, () => fn(queues));
    } finally {
      await withinRedisDeadline(label, () => queues.close()).catch(() => undefined);
    }
  };
  jobs
    .command("failed")
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => withQueues(async (queues) => printResult(await listFailedJobs(queues), !!o.json, ["id", "resourceType", "resourceId", "attemptsMade", "failedAt", "failedReason"])));
  jobs
    .command("retry <jobId>")
    .description("retry a failed job (an id as `jobs failed` prints it)")
    .action(async (jobId: string) =>
      withStore(config(), (store) =>
        withQueues(async (queues) => {
          const job = await retryFailedJob(store, queues, jobId);
          if (!job) throw new Error(`no failed job ${jobId}`);
          process.stdout.write(`retrying ${job.id}\n`);
        }),
      ),
    );

  return program;
}

/** Returns the exit code; errors print one line. */
/** The process entry point (bin/scim-bridge.js). */
export async function main(argv: string[]): Promise<number> {
  hardenPrototypes();
  const program = buildCli(() => loadConfig());
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`scim-bridge: ${message}\n`);
    return 1;
  }
}

