import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Store } from "../../src/store/store.js";
import type { ConfigKey } from "../../src/config/config.js";
import { buildTestApp, type TestApp } from "./app.js";
import { createHttpServer } from "../../src/http/http-server.js";

export interface StartedServer extends TestApp {
  /** `http://127.0.0.1:<port>` */
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** The test app listening on a free loopback port: requests travel over real HTTP. */
export async function startTestServer(
  store: Store,
  overrides: Partial<Record<ConfigKey, unknown>> = {},
  deps: Partial<TestApp["deps"]> = {},
): Promise<StartedServer> {
  const t = buildTestApp(store, overrides, deps);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = createHttpServer(t.app);
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    ...t,
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
