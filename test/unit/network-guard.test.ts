import { describe, expect, it } from "@jest/globals";
import net from "node:net";
import { isLoopback } from "../setup/network-guard.js";

describe("the tests' outbound-network guard", () => {
  it.each([
    ["localhost", true],
    ["127.0.0.1", true],
    ["127.10.0.3", true],
    ["::1", true],
    ["[::1]", true],
    ["::ffff:127.0.0.1", true],
    ["10.0.0.1", false],
    ["api.mypurecloud.com", false],
    ["login.mypurecloud.com", false],
    ["8.8.8.8", false],
    ["2001:db8::1", false],
  ])("%s is loopback: %s", (host, loopback) => {
    expect(isLoopback(host)).toBe(loopback);
  });

  it("refuses a connection to another host before any packet leaves", () => {
    expect(() => net.connect({ host: "192.0.2.1", port: 443 })).toThrow(/test network guard: outbound connection to 192\.0\.2\.1 refused/);
    expect(() => net.connect(443, "example.com")).toThrow(/example\.com/);
  });

  it("lets loopback connections through", async () => {
    const server = net.createServer((s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      await new Promise<void>((resolve, reject) => {
        const socket = net.connect(port, "127.0.0.1", () => {
          socket.end();
          resolve();
        });
        socket.on("error", reject);
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("guards fetch too (undici connects through net)", async () => {
    const failure = await fetch("http://192.0.2.1:8080/").then(
      () => null,
      (err: unknown) => err as Error,
    );
    expect(String((failure?.cause as Error | undefined)?.message)).toMatch(
      /test network guard: outbound connection to 192\.0\.2\.1 refused/,
    );
  });
});
