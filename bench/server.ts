/**
 * The system under test, run in a worker thread (see bench/worker.ts) so that the load generator in
 * the main thread does not share an event loop with it. One store, two loopback servers:
 *   - the real app (buildApp) for POST /oauth/token;
 *   - a tiny app with GET /noauth (bare) and GET /auth (behind bearerAuth), both answering 204.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parentPort, workerData } from "node:worker_threads";
import express from "express";
import { buildApp } from "../src/http/app.js";
import { bearerAuth, type AuthFailureRenderer } from "../src/http/bearer.js";
import type { AppDeps } from "../src/http/deps.js";
import { createMetrics } from "../src/http/metrics.js";
import { openPgliteStore } from "../src/store/pglite-store.js";
import { openPgStore } from "../src/store/pg-store.js";
import { prepareStore } from "../src/store/open-store.js";
import type { Store } from "../src/store/store.js";
import { createClient } from "../src/oauth/client-registry.js";
import { builtinRoleId } from "../src/authz/roles.js";
import { createLogger } from "../src/log/logger.js";
import { systemClock } from "../src/clock.js";
import { loadConfig } from "../src/config/config.js";
import { hashSecret } from "../src/oauth/secrets.js";
import { findToken } from "../src/oauth/token-store.js";
import { verifyToken } from "../src/oauth/token-service.js";

export type StoreSpec = { kind: "pglite" } | { kind: "postgres"; connectionString: string; schema: string };

export type ToServer = { type: "count-tokens" } | { type: "breakdown"; token: string; seconds: number } | { type: "close" };

/** Median ms of one call, in process, one call at a time. */
export interface Breakdown {
  sha256: number;
  select1: number;
  findToken: number;
  verifyToken: number;
}
export type FromServer =
  | { type: "ready"; tokenUrl: string; verifyBase: string; clientId: string; secret: string; version: string }
  | { type: "token-count"; n: number }
  | { type: "breakdown"; result: Breakdown }
  | { type: "closed" }
  | { type: "failed"; message: string };

const renderFailure: AuthFailureRenderer = (res, status, description) => {
  res.status(status).json({ error: status === 401 ? "invalid_token" : "insufficient_scope", message: description });
};

function listen(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

const urlOf = (s: Server): string => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

function close(s: Server): Promise<void> {
  return new Promise((resolve) => {
    s.close(() => resolve());
    s.closeAllConnections();
  });
}

/** Median duration (ms) of `fn`, called back to back for `seconds` after a short warm-up. */
async function medianOf(seconds: number, fn: () => unknown): Promise<number> {
  for (let i = 0; i < 200; i++) await fn();
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor((samples.length - 1) / 2)] ?? Number.NaN;
}

async function openStore(spec: StoreSpec): Promise<Store> {
  return spec.kind === "pglite" ? openPgliteStore() : openPgStore({ connectionString: spec.connectionString, schema: spec.schema });
}

async function main(): Promise<void> {
  const port = parentPort!;
  const spec = workerData as StoreSpec;
  const store = await openStore(spec);
  const now = new Date(systemClock());
  await prepareStore(store, now);
  const roleId = await builtinRoleId(store, "scim-integration");
  if (!roleId) throw new Error("the SCIM Integration role was not seeded");
  const client = await createClient(store, { kind: "system", name: "bench" }, now, {
    name: "bench client",
    description: "created by bench/run.ts",
    roleDivisions: [{ roleId, divisionId: "*" }],
  });

  const config = loadConfig({}, { LOG_LEVEL: "silent", DATABASE_URL: spec.kind === "postgres" ? spec.connectionString : "" });
  const deps: AppDeps = { config, store, logger: createLogger("silent"), clock: systemClock, metrics: createMetrics(false) };

  const verifyApp = express();
  verifyApp.disable("x-powered-by");
  verifyApp.get("/noauth", (_req, res) => {
    res.status(204).end();
  });
  verifyApp.get("/auth", bearerAuth(deps, renderFailure), (_req, res) => {
    res.status(204).end();
  });

  const tokenServer = await listen(buildApp(deps));
  const verifyServer = await listen(verifyApp);

  port.on("message", (msg: ToServer) => {
    void (async () => {
      try {
        if (msg.type === "count-tokens") {
          const [row] = await store.query<{ n: number }>("select count(*)::int as n from tokens");
          port.postMessage({ type: "token-count", n: row?.n ?? 0 } satisfies FromServer);
        } else if (msg.type === "breakdown") {
          const hash = hashSecret(msg.token);
          if (typeof (await verifyToken(store, systemClock, msg.token)) === "string") throw new Error("breakdown: the token does not verify");
          const result: Breakdown = {
            sha256: await medianOf(msg.seconds, () => hashSecret(msg.token)),
            select1: await medianOf(msg.seconds, () => store.query("select 1")),
            findToken: await medianOf(msg.seconds, () => findToken(store, hash)),
            verifyToken: await medianOf(msg.seconds, () => verifyToken(store, systemClock, msg.token)),
          };
          port.postMessage({ type: "breakdown", result } satisfies FromServer);
        } else if (msg.type === "close") {
          await close(tokenServer);
          await close(verifyServer);
          await store.close();
          port.postMessage({ type: "closed" } satisfies FromServer);
          port.close();
        }
      } catch (err) {
        port.postMessage({ type: "failed", message: err instanceof Error ? err.message : String(err) } satisfies FromServer);
      }
    })();
  });

  port.postMessage({
    type: "ready",
    tokenUrl: `${urlOf(tokenServer)}/oauth/token`,
    verifyBase: urlOf(verifyServer),
    clientId: client.id,
    secret: client.secret,
    version: (await store.query<{ v: string }>("select version() as v"))[0]?.v ?? "unknown",
  } satisfies FromServer);
}

main().catch((err: unknown) => {
  parentPort?.postMessage({ type: "failed", message: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies FromServer);
});
