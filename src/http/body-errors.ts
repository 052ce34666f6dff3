/**
 * What went wrong while reading a request, as a status and a message of our own: the errors of
 * body-parser (which carry `type`), of zlib while inflating a `Content-Encoding` (which carry a `Z_`
 * code), and of the router decoding a path parameter (a URIError). Their own messages are library
 * text and never reach a client. Null for anything else.
 */
export interface ReadFailure {
  status: number;
  kind: "too_large" | "syntax" | "encoding" | "media_type" | "path";
  /** The machine code of the bridge's own `{error, message}` format. */
  code: "payload_too_large" | "invalid_json" | "invalid_request";
  message: string;
}

interface LibraryError {
  type?: unknown;
  status?: unknown;
  code?: unknown;
  limit?: unknown;
}

export function describeReadFailure(err: unknown, bodyLimit: number): ReadFailure | null {
  if (err instanceof URIError)
    return { status: 400, kind: "path", code: "invalid_request", message: "the request path is not valid percent-encoded UTF-8" };
  if (typeof err !== "object" || err === null) return null;
  const e = err as LibraryError;
  switch (e.type) {
    case "entity.too.large":
      return {
        status: 413,
        kind: "too_large",
        code: "payload_too_large",
        message: `request body exceeds ${typeof e.limit === "number" ? e.limit : bodyLimit} bytes`,
      };
    case "entity.parse.failed":
      return { status: 400, kind: "syntax", code: "invalid_json", message: "request body is not valid JSON" };
    case "encoding.unsupported":
      return {
        status: 415,
        kind: "encoding",
        code: "invalid_request",
        message: "unsupported Content-Encoding: send the body as identity, gzip, deflate or br",
      };
    case "charset.unsupported":
      return { status: 415, kind: "media_type", code: "invalid_request", message: "unsupported charset: send the body in UTF-8" };
    case "request.aborted":
    case "request.size.invalid":
      return { status: 400, kind: "syntax", code: "invalid_request", message: "the request body ended before its declared length" };
    case "parameters.too.many":
      return { status: 413, kind: "too_large", code: "payload_too_large", message: "too many form parameters" };
    default:
      break;
  }
  // zlib's codes: Z_DATA_ERROR and the like for gzip/deflate, ERR__ERROR_* for brotli
  if (typeof e.code === "string" && (e.code.startsWith("Z_") || e.code.startsWith("ERR__ERROR")))
    return {
      status: 400,
      kind: "encoding",
      code: "invalid_request",
      message: "the request body could not be decoded with its Content-Encoding",
    };
  if (typeof e.type === "string" && typeof e.status === "number" && e.status >= 400 && e.status < 500)
    return { status: e.status, kind: "syntax", code: "invalid_request", message: "the request body could not be read" };
  return null;
}
