/**
 * Tests talk to loopback only: real Redis, PostgreSQL, the fake Genesys and the bridge itself all
 * listen on this machine. A connection anywhere else is a test that would depend on the network (or
 * leak to a real service), so it fails at once with a message naming the address.
 */
import net from "node:net";

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|::ffff:127(\.\d{1,3}){3}|0\.0\.0\.0|::)$/i;

type ConnectArgs = Parameters<net.Socket["connect"]>;

function hostOf(args: ConnectArgs): string | null {
  const [first, second] = args as unknown[];
  // net.connect() passes its normalised arguments as one array
  if (Array.isArray(first)) return hostOf(first as ConnectArgs);
  if (typeof first === "object" && first !== null) {
    const o = first as { path?: unknown; host?: unknown };
    if (typeof o.path === "string") return null; // a Unix socket
    return typeof o.host === "string" ? o.host : "localhost";
  }
  if (typeof first === "string" && !/^\d+$/.test(first)) return null; // a Unix socket path
  return typeof second === "string" ? second : "localhost";
}

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host.replace(/^\[|\]$/g, ""));
}

const guarded = Symbol.for("scim-bridge.network-guard");
const proto = net.Socket.prototype as net.Socket & { [guarded]?: boolean };
if (!proto[guarded]) {
  const connect = proto.connect;
  proto.connect = function (this: net.Socket, ...args: ConnectArgs) {
    const host = hostOf(args);
    if (host !== null && !isLoopback(host))
      throw new Error(`test network guard: outbound connection to ${host} refused (tests use loopback only)`);
    return connect.apply(this, args);
  } as net.Socket["connect"];
  proto[guarded] = true;
}
