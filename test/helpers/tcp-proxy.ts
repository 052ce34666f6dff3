import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * - `pass`: forward bytes both ways.
 * - `blackhole`: accept connections and hold them, forwarding nothing; connections already open stop
 *   forwarding too (a database that accepts connections and never answers, a network partition). Bytes
 *   are held, not dropped: back in `pass`, held connections carry on where they stopped.
 * - `refuse`: stop listening (connections are refused) and destroy every connection; a later `pass`
 *   listens again on the same port.
 */
export type ProxyMode = "pass" | "blackhole" | "refuse";

interface Pair {
  client: Socket;
  upstream: Socket | null;
}

/** A TCP proxy on a loopback port in front of `targetHost:targetPort` (PostgreSQL by default). */
export class TcpProxy {
  private server: Server | null = null;
  private readonly pairs = new Set<Pair>();
  private current: ProxyMode = "pass";
  private portNumber = 0;
  /** Connections accepted since the proxy started, in any mode. */
  accepted = 0;

  private constructor(
    readonly targetHost: string,
    readonly targetPort: number,
  ) {}

  static async start(opts: { targetHost?: string; targetPort?: number; mode?: ProxyMode } = {}): Promise<TcpProxy> {
    const proxy = new TcpProxy(opts.targetHost ?? "127.0.0.1", opts.targetPort ?? 5432);
    await proxy.listen(0);
    if (opts.mode && opts.mode !== "pass") await proxy.setMode(opts.mode);
    return proxy;
  }

  get port(): number {
    return this.portNumber;
  }

  get mode(): ProxyMode {
    return this.current;
  }

  /** Connections currently open through the proxy (held ones included). */
  get open(): number {
    return this.pairs.size;
  }

  /** `url` (a URL to the target) rewritten to go through the proxy. */
  url(url: string): string {
    const u = new URL(url);
    u.hostname = "127.0.0.1";
    u.port = String(this.portNumber);
    return u.toString();
  }

  async setMode(mode: ProxyMode): Promise<void> {
    const was = this.current;
    this.current = mode;
    if (mode === "refuse") {
      this.destroyAll();
      await this.stopListening();
      return;
    }
    if (!this.server) await this.listen(this.portNumber);
    if (mode === "blackhole") {
      for (const p of this.pairs) this.hold(p);
    } else if (was === "blackhole") {
      for (const p of this.pairs) this.forward(p);
    }
  }

  async close(): Promise<void> {
    this.current = "refuse";
    this.destroyAll();
    await this.stopListening();
  }

  private listen(port: number): Promise<void> {
    const server = createServer({ pauseOnConnect: true }, (client) => this.accept(client));
    return new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        this.server = server;
        this.portNumber = (server.address() as { port: number }).port;
        resolve();
      });
    });
  }

  private stopListening(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return Promise.resolve();
    return new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private accept(client: Socket): void {
    this.accepted++;
    const pair: Pair = { client, upstream: null };
    this.pairs.add(pair);
    const end = () => this.drop(pair);
    client.on("error", end);
    client.on("close", end);
    if (this.current === "pass") this.forward(pair);
    // blackhole: the connection stays paused (pauseOnConnect) until a later `pass`
  }

  /** Starts (or resumes) forwarding for one connection, connecting upstream on first use. */
  private forward(pair: Pair): void {
    if (!this.pairs.has(pair)) return;
    if (!pair.upstream) {
      const upstream = createConnection({ host: this.targetHost, port: this.targetPort });
      pair.upstream = upstream;
      const end = () => this.drop(pair);
      upstream.on("error", end);
      upstream.on("close", end);
    }
    pair.client.pipe(pair.upstream);
    pair.upstream.pipe(pair.client);
  }

  /** Stops forwarding without losing bytes: unread data stays in the sockets until `forward`. */
  private hold(pair: Pair): void {
    pair.client.unpipe();
    pair.client.pause();
    if (pair.upstream) {
      pair.upstream.unpipe();
      pair.upstream.pause();
    }
  }

  private drop(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    pair.client.destroy();
    pair.upstream?.destroy();
  }

  private destroyAll(): void {
    for (const p of [...this.pairs]) this.drop(p);
  }
}
