import type { RequestListener, Server } from "node:http";
import { grantableRoles, type Config } from "./config/config.js";
import { createLogger, type Logger } from "./log/logger.js";
import { type Clock, systemClock } from "./clock.js";
import { openStore, prepareStore } from "./store/open-store.js";
import type { Store } from "./store/store.js";
import { seedDefaults } from "./authz/roles.js";
import { startTokenPurge } from "./oauth/token-purge.js";
import { logHipaaWarnings } from "./settings/settings.js";
import { createQueues, type SyncQueues } from "./sync/queues.js";
import { redisConnection, startSyncRuntime, type SyncRuntime } from "./sync/runtime.js";
import { createTarget } from "./sync/target-factory.js";
import { targetIdentity } from "./sync/target-change.js";
import { createSyncMetrics } from "./sync/sync-metrics.js";
import { watchQueueDepth } from "./sync/queue-depth.js";
import { RedisHealth } from "./sync/redis-health.js";
import { createHttpServer, listen } from "./http/http-server.js";
import { createMetrics } from "./http/metrics.js";
import { buildApp } from "./app.js";

export interface ServeOptions {
  /** Serve HTTP (SCIM, OAuth, admin). */
  api: boolean;
  /** Run the outbox relay and the sync workers. */
  worker: boolean;
}

export interface RunningServer {
  server: Server | null;
  store: Store;
  url: string | null;
  sync: SyncRuntime | null;
  stop(): Promise<void>;
}

const notYet: RequestListener = (_req, res) => {
  res
    .writeHead(503, { "Content-Type": "application/json", "Retry-After": "1" })
    .end(JSON.stringify({ error: "starting", message: "the bridge is starting" }));
};

/**
 * Assembles the process: the API and/or the workers (one process runs both by default;
 * `--api-only` and `--worker-only` scale them apart). Shutdown order: stop accepting HTTP, let
 * workers finish their jobs, close queues, quit Redis, close the store.
 */
export async function startServer(
  config: Config,
  opts: ServeOptions = { api: true, worker: true },
  logger: Logger = createLogger(config.LOG_LEVEL),
  clock: Clock = systemClock,
): Promise<RunningServer> {
  const store = await openStore(config);
  let server: Server | null = null;
  // Until the app is built, requests are told to come back; the port is taken first, so that a port in
  // use stops start-up before workers start.
  let handler = notYet;
  try {
    const applied = await prepareStore(store, (tx) => seedDefaults(tx, new Date(clock())));
    if (applied.length) logger.info({ category: "store", applied }, "migrations applied");
    if (opts.api) {
      server = createHttpServer((req, res) => handler(req, res));
      await listen(server, config.PORT, config.HOST);
    }
  } catch (err) {
    server?.close();
    await store.close();
    throw err;
  }
  const metrics = createMetrics();
  const syncMetrics = createSyncMetrics(metrics.registry);
  const health = RedisHealth.watch(config.REDIS_URL, logger);
  const target = createTarget(config, store, clock, health.client);
  const sync = opts.worker
    ? await startSyncRuntime(
        store,
        target,
        logger,
        {
          redisUrl: config.REDIS_URL,
          prefix: config.QUEUE_PREFIX,
          concurrency: config.SYNC_CONCURRENCY,
          relayIntervalMs: config.SYNC_RELAY_INTERVAL_MS,
          sweepIntervalMs: config.SYNC_SWEEP_INTERVAL_MS,
          divisionSyncIntervalMs: config.DIVISION_SYNC_INTERVAL_MS,
          debounceMs: config.SYNC_DEBOUNCE_MS,
          retryCapMs: config.SYNC_RETRY_CAP_MS,
          targetIdentity: targetIdentity(config),
          grantableRoles: grantableRoles(config),
          clock,
        },
        syncMetrics,
      )
    : null;
  const queues: SyncQueues | null =
    sync?.queues ??
    (opts.api ? createQueues(redisConnection(config.REDIS_URL, false), config.QUEUE_PREFIX, config.SYNC_DEBOUNCE_MS) : null);
  const stopDepth = queues ? watchQueueDepth(queues, syncMetrics) : () => undefined;
  if (sync) health.whenBack(() => sync.reschedule());
  const stopPurge = startTokenPurge(store, clock, logger);

  let url: string | null = null;
  if (opts.api) {
    handler = buildApp({ config, store, logger, clock, metrics, redis: health.client, queues, target });
    const address = server!.address();
    const port = typeof address === "object" && address ? address.port : config.PORT;
    url = `http://${config.HOST === "0.0.0.0" || config.HOST === "::" ? "127.0.0.1" : config.HOST}:${port}`;
  }
  logger.info(
    { category: "app", url, store: store.kind, api: opts.api, worker: opts.worker, target: target.name },
    url ? "scim-bridge listening" : "scim-bridge workers running",
  );
  await logHipaaWarnings(store, config, clock, logger);
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      stopPurge();
      stopDepth();
      if (server) {
        const s = server;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeIdleConnections();
        });
      }
      // Each step may fail (Redis gone); none of them may keep the store from closing
      if (sync)
        await sync
          .stop()
          .catch((err: unknown) => logger.warn({ category: "app", err: (err as Error).message }, "sync workers did not stop cleanly"));
      else await Promise.race([queues?.close().catch(() => undefined), new Promise((r) => setTimeout(r, 2_000).unref())]);
      health.disconnect();
      await store.close();
      logger.info({ category: "app" }, "stopped");
    })());
  return { server, store, url, sync, stop };
}
