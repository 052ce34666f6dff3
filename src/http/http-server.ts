import { createServer, type RequestListener, type Server } from "node:http";
import type { Socket } from "node:net";

/**
 * Header bytes a request may carry, checked by each surface so that the 431 is in its protocol's
 * format (RFC 6585 §5). Node's parser would refuse above 16 KiB with an empty reply, before any of our
 * code could answer; it is given room up to PARSER_HEADER_BYTES so that ours answers instead.
 */
export const MAX_HEADER_BYTES = 16 * 1024;
const PARSER_HEADER_BYTES = 256 * 1024;

/** The size of a request's header section as received (names, values and their separators). */
export function headerBytes(rawHeaders: readonly string[]): number {
  let n = 0;
  for (const h of rawHeaders) n += h.length + 2;
  return n;
}

/**
 * The HTTP server for the app. Requests Node cannot parse at all (headers beyond even the parser's
 * room, a malformed request line) get a short JSON answer in the admin API's format instead of an empty
 * reply, since the path, and so the protocol, is unknown then.
 */
export function createHttpServer(app: RequestListener): Server {
  const server = createServer({ maxHeaderSize: PARSER_HEADER_BYTES }, app);
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const [status, reason, message] =
      err.code === "HPE_HEADER_OVERFLOW"
        ? [431, "Request Header Fields Too Large", `request headers exceed ${MAX_HEADER_BYTES} bytes`]
        : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
          ? [408, "Request Timeout", "the request took too long to arrive"]
          : [400, "Bad Request", "the request could not be parsed as HTTP/1.1"];
    const body = JSON.stringify({
      error: status === 431 ? "request_header_fields_too_large" : status === 408 ? "request_timeout" : "bad_request",
      message,
    });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}

/**
 * Listens, or fails with a message an operator can act on: a port already taken makes start-up fail
 * (exit non-zero) instead of running beside the process that answers there.
 */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off("listening", onListening);
      if (err.code === "EADDRINUSE")
        reject(new Error(`port ${port} on ${host} is already in use: another process is listening there (set PORT or HOST)`));
      else if (err.code === "EACCES")
        reject(new Error(`no permission to listen on port ${port} on ${host} (ports below 1024 need privileges)`));
      else if (err.code === "EADDRNOTAVAIL") reject(new Error(`${host} is not an address of this machine (set HOST)`));
      else reject(err);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, host);
  });
}
