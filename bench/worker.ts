/**
 * Starts bench/server.ts in a worker thread and talks to it: one answer per command, matched by id.
 * tsx's loader does not reach worker threads on Node 20, so the worker bootstraps through tsx's
 * tsImport API.
 */
import { Worker } from "node:worker_threads";
import type { CommandName, Commands, FromServer, Ready, StoreSpec, ToServer } from "./server.js";

export interface ServerHandle {
  /** The real app's origin: POST /oauth/token, /scim/v2/... */
  appBase: string;
  tokenUrl: string;
  /** The tiny app: /noauth, /auth, /bare/Users/:id. */
  verifyBase: string;
  clientId: string;
  secret: string;
  /** `select version()` on the store. */
  version: string;
  call<K extends CommandName>(type: K, args: Commands[K]["args"]): Promise<Commands[K]["result"]>;
  close(): Promise<void>;
}

export async function startServer(spec: StoreSpec): Promise<ServerHandle> {
  const entry = new URL("./server.ts", import.meta.url).href;
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => m.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}));`;
  const worker = new Worker(bootstrap, { eval: true, workerData: spec });

  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let onReady: { resolve: (m: Ready) => void; reject: (e: Error) => void } | null = null;
  let failure: Error | null = null;
  let nextId = 1;
  const failAll = (err: Error): void => {
    failure ??= err;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
    onReady?.reject(err);
    onReady = null;
  };
  worker.on("message", (msg: FromServer) => {
    if (msg.type === "ready") {
      onReady?.resolve(msg);
      onReady = null;
    } else if (msg.type === "result" || msg.id !== undefined) {
      const id = (msg as { id: number }).id;
      const p = pending.get(id);
      pending.delete(id);
      if (msg.type === "result") p?.resolve(msg.value);
      else p?.reject(new Error(`bench server: ${msg.message}`));
    } else {
      failAll(new Error(`bench server: ${msg.message}`));
    }
  });
  worker.on("error", (err) => failAll(err));
  worker.on("exit", (code) => failAll(new Error(`bench server thread exited (code ${code})`)));

  let ready: Ready;
  try {
    ready = await new Promise<Ready>((resolve, reject) => {
      if (failure) return reject(failure);
      onReady = { resolve, reject };
    });
  } catch (err) {
    await worker.terminate();
    throw err;
  }

  const call = <K extends CommandName>(type: K, args: Commands[K]["args"]): Promise<Commands[K]["result"]> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ id, type, args } as ToServer);
    });

  return {
    appBase: ready.appBase,
    tokenUrl: `${ready.appBase}/oauth/token`,
    verifyBase: ready.verifyBase,
    clientId: ready.clientId,
    secret: ready.secret,
    version: ready.version,
    call,
    close: async () => {
      try {
        await call("close", {});
      } finally {
        await worker.terminate();
      }
    },
  };
}
