import type { Server } from "node:http";
import { Redis } from "ioredis";
import type { Config } from "./config/config.js";
import { createLogger, type Logger } from "./log/logger.js";
import { openStore, prepareStore } from "./store/open-store.js";
import type { Store } from "./store/store.js";
import { buildApp } from "./http/app.js";
import { createMetrics } from "./http/metrics.js";
import { systemClock } from "./clock.js";
import { purgeExpiredTokens } from "./oauth/token-store.js";

export interface RunningServer {
  server: Server;
  store: Store;
  url: string;
  stop(): Promise<void>;
}

/** Starts the HTTP API. Shutdown order: stop accepting, finish requests, quit Redis, close the store. */
export async function startServer(config: Config, logger: Logger = createLogger(config.LOG_LEVEL)): Promise<RunningServer> {
  const store = await openStore(config);
  const applied = await prepareStore(store, new Date());
  if (applied.length) logger.info({ category: "store", applied }, "migrations applied");
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  redis.on("error", (err) => logger.debug({ category: "app", err: err.message }, "redis connection error"));
  redis.connect().catch(() => undefined);
  const app = buildApp({ config, store, logger, clock: systemClock, metrics: createMetrics(), redis });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.PORT, config.HOST, () => resolve(s));
    s.on("error", reject);
  });
  const purge = setInterval(() => {
    purgeExpiredTokens(store, new Date()).catch((err: unknown) => logger.warn({ category: "oauth", err }, "token purge failed"));
  }, 3600_000);
  purge.unref();
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.PORT;
  const url = `http://${config.HOST === "0.0.0.0" || config.HOST === "::" ? "127.0.0.1" : config.HOST}:${port}`;
  logger.info({ category: "app", url, store: store.kind }, "scim-bridge listening");
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(purge);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      redis.disconnect();
      await store.close();
      logger.info({ category: "app" }, "stopped");
    })());
  return { server, store, url, stop };
}
