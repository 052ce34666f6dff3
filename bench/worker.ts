/**
 * Starts bench/server.ts in a worker thread and talks to it. tsx's loader does not reach worker
 * threads on Node 20, so the worker bootstraps through tsx's tsImport API.
 */
import { Worker } from "node:worker_threads";
import type { Breakdown, FromServer, StoreSpec, ToServer } from "./server.js";

export interface ServerHandle {
  tokenUrl: string;
  verifyBase: string;
  clientId: string;
  secret: string;
  /** `select version()` on the store. */
  version: string;
  countTokens(): Promise<number>;
  /** In-process timings of the parts of one verification. */
  breakdown(token: string, seconds: number): Promise<Breakdown>;
  close(): Promise<void>;
}

export async function startServer(spec: StoreSpec): Promise<ServerHandle> {
  const entry = new URL("./server.ts", import.meta.url).href;
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => m.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}));`;
  const worker = new Worker(bootstrap, { eval: true, workerData: spec });

  let pending: { want: FromServer["type"]; resolve: (m: FromServer) => void; reject: (e: Error) => void } | null = null;
  let failure: Error | null = null;
  const fail = (err: Error): void => {
    failure ??= err;
    const p = pending;
    pending = null;
    p?.reject(err);
  };
  worker.on("message", (msg: FromServer) => {
    if (msg.type === "failed") return fail(new Error(`bench server: ${msg.message}`));
    if (pending && pending.want === msg.type) {
      const p = pending;
      pending = null;
      p.resolve(msg);
    }
  });
  worker.on("error", (err) => fail(err));
  worker.on("exit", (code) => fail(new Error(`bench server thread exited (code ${code})`)));

  const await_ = <T extends FromServer["type"]>(want: T, send?: ToServer): Promise<Extract<FromServer, { type: T }>> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      pending = { want, resolve: resolve as (m: FromServer) => void, reject };
      if (send) worker.postMessage(send);
    });

  let ready: Extract<FromServer, { type: "ready" }>;
  try {
    ready = await await_("ready");
  } catch (err) {
    await worker.terminate();
    throw err;
  }
  return {
    tokenUrl: ready.tokenUrl,
    verifyBase: ready.verifyBase,
    clientId: ready.clientId,
    secret: ready.secret,
    version: ready.version,
    countTokens: async () => (await await_("token-count", { type: "count-tokens" })).n,
    breakdown: async (token, seconds) => (await await_("breakdown", { type: "breakdown", token, seconds })).result,
    close: async () => {
      try {
        await await_("closed", { type: "close" });
      } finally {
        await worker.terminate();
      }
    },
  };
}
