/**
 * Shared by the robustness suites: real HTTP against a started server (test/helpers/server.ts), every
 * answer kept so that a file can check, at its end, that none carried JavaScript engine text, and the
 * store's tables compared before and after a refused request.
 */
import { expect } from "@jest/globals";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import request from "supertest";
import type { Store } from "../../../src/store/store.js";
import { ERROR_SCHEMA } from "../../helpers/scim.js";

/** What a response body must never carry: V8's exception messages and stack frames. */
export const ENGINE_TEXT =
  /Cannot read|Cannot set|Cannot convert|Cannot destructure|is not a function|is not iterable|is not defined|undefined or null|Unexpected token|Unexpected end of JSON|Maximum call stack|Invalid time value|Invalid array length|\(reading '|at \w+ \(|at file:|node_modules/;

export const SCIM_JSON = /^application\/scim\+json/;
export const SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
export const BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
export const BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
export const LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/** The SCIM tables, and the admin tables a refused admin or OAuth request could touch (tokens change on every use: left out). */
export const SCIM_TABLES = ["scim_users", "scim_groups", "scim_group_members", "outbox", "scim_counts"];
export const ADMIN_TABLES = ["roles", "clients", "client_role_divisions", "divisions", "audit"];

/** The tables' full contents, to show that a refused request changed nothing. */
export async function snapshot(store: Store, tables: readonly string[] = [...SCIM_TABLES, ...ADMIN_TABLES]): Promise<string> {
  const out: Record<string, unknown> = {};
  for (const t of tables) out[t] = await store.query(`select * from ${t} order by 1, 2`);
  return JSON.stringify(out);
}

/** A response as every helper here returns it (supertest's shape; `body` is the parsed JSON, if any). */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: request.Response["body"];
}

/** Every response body a file received, for its final engine-text check. */
export class Transcript {
  readonly entries: Array<{ what: string; status: number; text: string }> = [];
  keep<T extends { status: number; text: string }>(what: string, res: T): T {
    this.entries.push({ what, status: res.status, text: res.text ?? "" });
    return res;
  }
  /** The responses whose body carries engine text (should be none). */
  leaks(): Array<{ what: string; status: number; text: string }> {
    return this.entries.filter((e) => ENGINE_TEXT.test(e.text));
  }
  /** The responses that were a 5xx (should be none). */
  serverErrors(): Array<{ what: string; status: number; text: string }> {
    return this.entries.filter((e) => e.status >= 500);
  }
}

function headersOf(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((v, k) => (out[k] = v));
  return out;
}

function parsed(text: string): request.Response["body"] {
  try {
    return JSON.parse(text) as request.Response["body"];
  } catch {
    return {};
  }
}

/** `fetch`, as a Reply: for what supertest would rewrite (raw paths, Content-Encoding, binary bodies). */
export async function fetchReply(url: string, init: RequestInit): Promise<Reply> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, headers: headersOf(res.headers), text, body: parsed(text) };
}

/** node:http, which sends headers of any size (the server decides what is too large). */
export function rawHttp(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: opts.method ?? "GET", headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
        resolve({ status: res.statusCode ?? 0, headers, text, body: parsed(text) });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

/**
 * A request written on a raw socket, for what no HTTP client sends (headers beyond the server's parser
 * limit). Resolves with everything the server wrote before it closed.
 */
export function rawSocket(url: string, requestText: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname);
    socket.on("data", (c: Buffer) => chunks.push(c));
    // the server may close while the request is still being written: what it answered is what counts
    socket.on("error", (err: NodeJS.ErrnoException) =>
      chunks.length > 0 || err.code === "EPIPE" || err.code === "ECONNRESET" ? undefined : reject(err),
    );
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("utf8")));
    socket.write(requestText);
  });
}

/** A raw HTTP/1.1 answer split into status, headers and body. */
export function parseRawResponse(raw: string): Reply {
  const end = raw.indexOf("\r\n\r\n");
  const head = end < 0 ? raw : raw.slice(0, end);
  const text = end < 0 ? "" : raw.slice(end + 4);
  const [statusLine, ...lines] = head.split("\r\n");
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(":");
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "")?.[1] ?? 0), headers, text, body: parsed(text) };
}

/** RFC 7644 §3.12: the status, the Error schema, `status` as a string, a detail, and scimType where one applies. */
export function expectScimError(res: Reply, status: number, scimType: string | null): void {
  expect({ status: res.status, scimType: res.body?.scimType ?? null }).toEqual({ status, scimType });
  expect(res.headers["content-type"]).toMatch(SCIM_JSON);
  expect(res.body.schemas).toEqual([ERROR_SCHEMA]);
  expect(res.body.status).toBe(String(status));
  expect(typeof res.body.detail).toBe("string");
  expect((res.body.detail as string).length).toBeGreaterThan(0);
  expect(res.body.detail).not.toMatch(ENGINE_TEXT);
}

/** The admin API's error body: `{error, message}`. */
export function expectAdminError(res: Reply, status: number, error: string): void {
  expect({ status: res.status, error: res.body?.error }).toEqual({ status, error });
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  expect(typeof res.body.message).toBe("string");
  expect(res.body.message).not.toMatch(ENGINE_TEXT);
}

/** RFC 6749 §5.2's error: `{error, error_description}`. */
export function expectOAuthError(res: Reply, status: number, error: string): void {
  expect({ status: res.status, error: res.body?.error }).toEqual({ status, error });
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  expect(typeof res.body.error_description).toBe("string");
  expect(res.body.error_description).not.toMatch(ENGINE_TEXT);
}

/** A token from the token endpoint (RFC 6749 §4.4), over the server's real port. */
export async function tokenAt(url: string, client: { id: string; secret: string }): Promise<string> {
  const res = await request(url)
    .post("/oauth/token")
    .auth(client.id, client.secret)
    .type("form")
    .send({ grant_type: "client_credentials" });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${res.text}`);
  return res.body.access_token as string;
}

type Method = "get" | "post" | "put" | "patch" | "delete";

/**
 * A SCIM client over real HTTP with a bearer token: bodies that are strings go as they are (raw JSON),
 * others as JSON; every answer is kept in the transcript.
 */
export function scimAt(url: string, token: string, transcript: Transcript, base = "/scim/v2") {
  const send = async (method: Method, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    let t = request(url)[method](`${base}${path}`).set("authorization", `Bearer ${token}`);
    for (const [k, v] of Object.entries(headers)) t = t.set(k, v);
    if (body !== undefined) {
      if (!Object.keys(headers).some((k) => k.toLowerCase() === "content-type")) t = t.set("content-type", "application/scim+json");
      t = t.send(typeof body === "string" ? body : JSON.stringify(body));
    }
    return transcript.keep(`${method.toUpperCase()} ${base}${path}`, await t);
  };
  return {
    token,
    base,
    get: (path: string, headers?: Record<string, string>) => send("get", path, undefined, headers),
    post: (path: string, body: unknown, headers?: Record<string, string>) => send("post", path, body, headers),
    put: (path: string, body: unknown, headers?: Record<string, string>) => send("put", path, body, headers),
    patch: (path: string, body: unknown, headers?: Record<string, string>) => send("patch", path, body, headers),
    delete: (path: string, headers?: Record<string, string>) => send("delete", path, undefined, headers),
  };
}
export type ScimAt = ReturnType<typeof scimAt>;
