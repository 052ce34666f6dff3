import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { AppDeps } from "../http/deps.js";
import { principalOf } from "../oauth/endpoints/bearer.js";
import type { ScimContext } from "./context.js";
import { parseListParams, type RawListParams } from "./list-query.js";
import { parseAttrPath } from "./filter.js";
import { ScimError } from "./scim-error.js";
import { dropExtensionSchemas, fixStringBooleans, normalizePatchBody } from "./normalize.js";
import { describeBodyProblem, findBodyProblem, findTargetProblem, forbiddenNameIn } from "../http/hostile-input.js";
import { MAX_HEADER_BYTES, headerBytes } from "../http/http-server.js";

export const SCIM_CONTENT_TYPE = "application/scim+json";
export const SCIM_BODY_TYPES = ["application/scim+json", "application/json", "application/*+json"];

const contexts = new WeakMap<Request, ScimContext>();

/** The context the request-context step made for this request (every SCIM route runs after it). */
export function contextOf(req: Request): ScimContext {
  const ctx = contexts.get(req);
  if (!ctx) throw new Error("SCIM route mounted before the request context");
  return ctx;
}

/** The context when there is one (an error may come before it was made). */
export function contextIfAny(req: Request): ScimContext | undefined {
  return contexts.get(req);
}

/** `attributes` or `excludedAttributes` asked: the answer is the resource rather than 204. */
export function wantsResource(req: Request): boolean {
  return req.query.attributes !== undefined || req.query.excludedAttributes !== undefined;
}

/** Express 5 re-parses `req.query` on every read; SCIMMY's resources need a plain object they can read and write. */
function setQuery(req: Request, query: Record<string, unknown>): void {
  Object.defineProperty(req, "query", { value: query, writable: true, configurable: true, enumerable: true });
}

/** Before anything else: oversized headers, and text the store cannot hold or paths that do not decode. */
export const requestGuard: RequestHandler = (req, res, next) => {
  res.type(SCIM_CONTENT_TYPE);
  if (headerBytes(req.rawHeaders) > MAX_HEADER_BYTES)
    return next(new ScimError(431, null, `request headers exceed ${MAX_HEADER_BYTES} bytes`));
  const problem = findTargetProblem(req.path, req.query);
  if (!problem) return next();
  next(
    new ScimError(
      400,
      /filter/.test(problem) ? "invalidFilter" : /path is not valid/.test(problem) ? "invalidSyntax" : "invalidValue",
      problem,
    ),
  );
};

/** A body that is not JSON is 415 (RFC 7644 §3.1: application/scim+json, application/json accepted). */
export const bodyTypeGuard: RequestHandler = (req, _res, next) => {
  if (["POST", "PUT", "PATCH"].includes(req.method) && req.headers["content-length"] !== "0" && !req.is(SCIM_BODY_TYPES)) {
    return next(new ScimError(415, null, "send the body as application/scim+json (or application/json)"));
  }
  next();
};

/** The discovery endpoints are read-only: any other method is 405 with Allow (RFC 9110 §15.5.6). */
export const readOnly: RequestHandler = (req, res, next) => {
  if (req.method === "GET" || req.method === "HEAD") return next();
  res.setHeader("Allow", "GET, HEAD");
  next(new ScimError(405, null, `${req.method} is not allowed on ${req.baseUrl}${req.path}: it is read-only`));
};

/**
 * Refuses, before any parser sees them, attribute names that reach a shared prototype (see
 * hostile-input.ts): in the list parameters (query or SearchRequest body), PATCH paths and body keys.
 */
function refuseHostileInput(req: Request, search: boolean): void {
  const body = req.body as unknown;
  const text = (v: unknown): string => (Array.isArray(v) ? v.map(String).join(",") : typeof v === "string" ? v : "");
  for (const params of [req.query as Record<string, unknown>, search ? (body as Record<string, unknown> | undefined) : undefined]) {
    if (!params || typeof params !== "object") continue;
    for (const name of ["attributes", "excludedAttributes", "sortBy"]) {
      const bad = forbiddenNameIn(text(params[name]));
      if (bad) throw new ScimError(400, "invalidPath", `${name}: "${bad}" is not an attribute name`);
    }
    const bad = forbiddenNameIn(text(params.filter));
    if (bad) throw new ScimError(400, "invalidFilter", `filter: "${bad}" is not an attribute name`);
  }
  refuseHostileBody(req.method, body);
}

/** The body part of the hostile-input check: PATCH paths, then every key and string of the body. */
export function refuseHostileBody(method: string, body: unknown): void {
  if (body === undefined || body === null || typeof body !== "object") return;
  if (method === "PATCH") {
    const ops = (body as { Operations?: unknown; operations?: unknown }).Operations ?? (body as { operations?: unknown }).operations;
    if (Array.isArray(ops)) {
      ops.forEach((o: unknown, i) => {
        const path = typeof o === "object" && o !== null ? (o as { path?: unknown }).path : undefined;
        const bad = typeof path === "string" ? forbiddenNameIn(path) : null;
        if (bad) throw new ScimError(400, "invalidPath", `Operations[${i}].path: "${bad}" is not an attribute name`);
      });
    }
  }
  const problem = findBodyProblem(body);
  if (problem) {
    // a SearchRequest's filter is a filter wherever the bad text sits in it
    const scimType =
      problem.kind === "name"
        ? "invalidPath"
        : problem.kind === "depth"
          ? "invalidSyntax"
          : problem.at === "filter"
            ? "invalidFilter"
            : "invalidValue";
    throw new ScimError(400, scimType, describeBodyProblem(problem));
  }
}

/**
 * `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5): a comma-separated list of attribute paths,
 * each checked. Microsoft's reference suite also sends a value filter (`emails[type eq "work"]`), which
 * SCIMMY applies; its attribute part is checked the same way.
 */
function attributeList(v: unknown, name: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw new ScimError(400, "invalidValue", `${name} must be a comma-separated list of attribute paths`);
  const paths = v.split(/,(?![^[]*\])/).map((p) => p.trim());
  for (const p of paths) {
    if (!p) throw new ScimError(400, "invalidPath", `${name}: an attribute path is empty`);
    const filtered = /^([^[\]]+)\[[^\]]*\](?:\.([^[\].]+))?$/.exec(p);
    const check = (path: string) => parseAttrPath(path, (detail) => new ScimError(400, "invalidPath", `${name}: ${detail}`));
    if (filtered) {
      check(filtered[1]!);
      if (filtered[2]) check(filtered[2]);
    } else check(p);
  }
  return paths.join(",");
}

function excludesMembers(v: unknown): boolean {
  return typeof v === "string" && v.split(",").some((a) => /^\s*(urn:ietf:params:scim:schemas:core:2\.0:Group:)?members\s*$/i.test(a));
}

/**
 * The context every handler receives, with the list parameters taken out of SCIMMY's hands: it
 * neither filters, nor sorts, nor pages in the store (docs/scimmy.md). Bodies are normalised here
 * (string booleans, extension schemas, PatchOp forms the identity providers send).
 */
export function requestContext(deps: Pick<AppDeps, "store" | "clock">): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    try {
      const q = req.query as Record<string, unknown>;
      const search = req.method === "POST" && /\/\.search$/.test(req.path);
      refuseHostileInput(req, search);
      const raw: RawListParams & { attributes?: unknown; excludedAttributes?: unknown } = search ? ((req.body ?? {}) as RawListParams) : q;
      const list = parseListParams(raw);
      const join = (v: unknown) => (Array.isArray(v) ? v.join(",") : v);
      const attributes = attributeList(join(raw.attributes), "attributes");
      const excludedAttributes = attributeList(join(raw.excludedAttributes), "excludedAttributes");
      const ifMatch = req.headers["if-match"];
      contexts.set(req, {
        store: deps.store,
        principal: principalOf(res),
        now: new Date(deps.clock()),
        list,
        ifMatch: typeof ifMatch === "string" ? ifMatch : undefined,
        excludeMembers: excludesMembers(excludedAttributes),
        projection: { attributes, excludedAttributes },
        outcome: {},
      });
      // SCIMMY pages from its own `count`; keeping startIndex away from it (it would slice our page again)
      const clean: Record<string, unknown> = /^\/(Users|Groups)(\/\.search)?\/?$/.test(req.path) ? { count: list.count } : {};
      // `schemas` always: SCIMMY drops it from a projection, then fails on a user with extension data
      if (attributes !== undefined) clean.attributes = `${attributes},schemas`;
      if (excludedAttributes !== undefined) clean.excludedAttributes = excludedAttributes;
      setQuery(req, clean);
      if (req.body !== undefined && ["POST", "PUT"].includes(req.method) && !search)
        req.body = dropExtensionSchemas(fixStringBooleans(req.body));
      if (req.body !== undefined && req.method === "PATCH") req.body = normalizePatchBody(req.body);
      next();
    } catch (err) {
      next(err);
    }
  };
}
