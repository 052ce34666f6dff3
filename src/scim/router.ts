import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response, type Router } from "express";
import SCIMMY from "scimmy";
import SCIMMYRouters from "scimmy-routers";
import type { AppDeps } from "../http/deps.js";
import type { Queryable, Store } from "../store/store.js";
import { bearerAuth, principalOf, type AuthFailureRenderer } from "../oauth/endpoints/bearer.js";
import { scimServices } from "./resources.js";
import type { ScimContext } from "./context.js";
import { parseListParams, type RawListParams } from "./list-query.js";
import { parseAttrPath } from "./filter.js";
import { ScimError, publicDetail } from "./scim-error.js";
import { dropExtensionSchemas, fixStringBooleans, normalizePatchBody } from "./normalize.js";
import { patchGroup } from "./group-patch.js";
import { toScimError } from "./error-mapping.js";
import { completeRepresentation } from "./representation.js";
import { CORE_GROUP, CORE_USER } from "./schemas.js";
import { PATCH_OP_SCHEMA, parsePatchMessage } from "./patch-message.js";
import { needsRewrite, rewritePatch } from "./patch-rewrite.js";
import { searchAll } from "./root-search.js";
import { BULK_RESPONSE, parseBulkRequest, runBulk, type BulkOperation, type BulkOutcome } from "./bulk.js";
import type { Users } from "./users.js";
import { LIMITS } from "./limits.js";
import { issuerOf } from "../oauth/endpoints/issuer.js";
import { describeBodyProblem, findBodyProblem, findTargetProblem, forbiddenNameIn } from "../http/hostile-input.js";
import { MAX_HEADER_BYTES, headerBytes } from "../http/http-server.js";

export const SCIM_CONTENT_TYPE = "application/scim+json";
const LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERROR_MESSAGE = "urn:ietf:params:scim:api:messages:2.0:Error";
const ENDPOINTS = /\/(Users|Groups|Schemas|ResourceTypes|ServiceProviderConfig)(\/[^/?#]*)?$/;

function sendScimError(res: Response, err: ScimError): void {
  res.status(err.status).type(SCIM_CONTENT_TYPE).send(JSON.stringify(err));
}

const renderScimAuthFailure: AuthFailureRenderer = (res, status, description) => sendScimError(res, new ScimError(status, null, description));

const contexts = new WeakMap<Request, ScimContext>();

/** Express 5 re-parses `req.query` on every read; scimmy-routers needs a plain object it can read and write (STACK.md). */
function setQuery(req: Request, query: Record<string, unknown>): void {
  Object.defineProperty(req, "query", { value: query, writable: true, configurable: true, enumerable: true });
}

function wantsResource(req: Request): boolean {
  return req.query.attributes !== undefined || req.query.excludedAttributes !== undefined;
}

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

/** The body part of refuseHostileInput: PATCH paths, then every key and string of the body. */
function refuseHostileBody(method: string, body: unknown): void {
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
    const scimType = problem.kind === "name" ? "invalidPath" : problem.kind === "depth" ? "invalidSyntax" : problem.at === "filter" ? "invalidFilter" : "invalidValue";
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

/** The SCIM 2.0 service provider (DESIGN §5), mounted at /scim/v2 and /api/v2/scim/v2. */
export function scimRouter(deps: AppDeps): Router {
  const { users } = scimServices();
  const r = express.Router();

  r.use((req, res, next) => {
    res.type(SCIM_CONTENT_TYPE);
    if (headerBytes(req.rawHeaders) > MAX_HEADER_BYTES) return next(new ScimError(431, null, `request headers exceed ${MAX_HEADER_BYTES} bytes`));
    // Text the store cannot hold, and paths that do not decode, are refused before anything else.
    const problem = findTargetProblem(req.path, req.query);
    if (!problem) return next();
    next(new ScimError(400, /filter/.test(problem) ? "invalidFilter" : /path is not valid/.test(problem) ? "invalidSyntax" : "invalidValue", problem));
  });
  r.use(bearerAuth(deps, renderScimAuthFailure));
  // The discovery endpoints are read-only: any other method is 405 with Allow (RFC 9110 §15.5.6).
  r.all(["/ServiceProviderConfig", "/ResourceTypes", "/ResourceTypes/:id", "/Schemas", "/Schemas/:id"], (req, res, next) => {
    if (req.method === "GET" || req.method === "HEAD") return next();
    res.setHeader("Allow", "GET, HEAD");
    next(new ScimError(405, null, `${req.method} is not allowed on ${req.baseUrl}${req.path}: it is read-only`));
  });
  r.use(express.json({ type: ["application/scim+json", "application/json", "application/*+json"], limit: deps.config.BODY_LIMIT_BYTES }));
  r.use((req, _res, next) => {
    if (["POST", "PUT", "PATCH"].includes(req.method) && req.headers["content-length"] !== "0" && !req.is(["application/scim+json", "application/json", "application/*+json"])) {
      return next(new ScimError(415, null, "send the body as application/scim+json (or application/json)"));
    }
    next();
  });

  // The context every handler receives, with the list parameters taken out of SCIMMY's hands: it
  // neither filters, nor sorts, nor pages in the store (STACK.md).
  r.use((req, res, next) => {
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
      if (req.body !== undefined && ["POST", "PUT"].includes(req.method) && !search) req.body = dropExtensionSchemas(fixStringBooleans(req.body));
      if (req.body !== undefined && req.method === "PATCH") req.body = normalizePatchBody(req.body);
      next();
    } catch (err) {
      next(err);
    }
  });

  // Response fixes: SCIMMY's ListResponse reports the requested count as itemsPerPage and starts at 1;
  // locations are built per request (SCIMMY keeps one global base path); ETag and Location headers.
  r.use((req, res, next) => {
    const json = res.json.bind(res);
    // Taken now: nested routers change req.baseUrl and req.path before the body is sent.
    const base = `${issuerOf(req, deps.config.PUBLIC_URL)}${req.baseUrl}`;
    const isList = /^\/(Users|Groups)(\/\.search)?\/?$/.test(req.path);
    const pathKind = /^\/Users(\/|$)/.test(req.path) ? "User" : /^\/Groups(\/|$)/.test(req.path) ? "Group" : null;
    res.json = (body: unknown) => {
      const ctx = contexts.get(req);
      const fix = (resource: Record<string, unknown>): Record<string, unknown> => {
        const meta = resource.meta as { location?: string; version?: string; resourceType?: unknown } | undefined;
        if (meta?.location) {
          const m = ENDPOINTS.exec(meta.location);
          if (m) meta.location = `${base}/${m[1]}${m[2] ?? ""}`;
        }
        const schemas = Array.isArray(resource.schemas) ? resource.schemas : [];
        const kind = meta?.resourceType === "User" || meta?.resourceType === "Group" ? meta.resourceType : schemas.includes(CORE_USER) ? "User" : schemas.includes(CORE_GROUP) ? "Group" : pathKind;
        return kind && ctx ? completeRepresentation(resource, kind, base, ctx.projection) : resource;
      };
      if (body && typeof body === "object") {
        let b = body as Record<string, unknown>;
        if (Array.isArray(b.schemas) && b.schemas.includes(ERROR_MESSAGE)) {
          // scimmy-routers rendering an error of its own routes: send the answer we meant instead
          const failure = ctx?.outcome.failure;
          const scim = failure ? failure.error : new ScimError(Number(b.status) || 500, (typeof b.scimType === "string" ? b.scimType : null) as ScimError["scimType"], publicDetail(String(b.detail ?? "")));
          if (scim.status >= 500) req.log.error({ category: "scim", err: failure?.cause }, "SCIM request failed");
          if (scim.retryAfter !== undefined) res.setHeader("Retry-After", String(scim.retryAfter));
          res.status(scim.status);
          b = scim.toJSON();
        }
        if (Array.isArray(b.schemas) && b.schemas.includes(LIST_RESPONSE) && Array.isArray(b.Resources)) {
          b = { ...b, Resources: (b.Resources as Record<string, unknown>[]).map(fix) };
          b.itemsPerPage = (b.Resources as unknown[]).length;
          if (ctx && isList) b.startIndex = ctx.list.startIndex;
        } else if (!(Array.isArray(b.schemas) && b.schemas.some((s) => typeof s === "string" && s.startsWith("urn:ietf:params:scim:api:messages:")))) {
          b = fix(b);
          const meta = b.meta as { location?: string; version?: string } | undefined;
          if (meta?.version) res.setHeader("ETag", meta.version);
          if (res.statusCode === 201 && meta?.location) res.setHeader("Location", meta.location);
        }
        body = b;
      }
      res.type(SCIM_CONTENT_TYPE);
      return json(body);
    };
    next();
  });

  const ctxOf = (req: Request): ScimContext => contexts.get(req)!;
  const wrap = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => fn(req, res).catch(next);

  /** Groups: member changes as row changes (group-patch.ts). 204, or the group when attributes were asked for. */
  r.patch(
    "/Groups/:id",
    wrap(async (req, res) => {
      await patchGroup(ctxOf(req), String(req.params.id), req.body);
      if (wantsResource(req)) res.json(await new SCIMMY.Resources.Group(String(req.params.id), req.query).read(ctxOf(req)));
      else res.status(204).end();
    }),
  );
  /** Users: SCIMMY applies the operations; answer 204 (Microsoft's suite expects it) unless attributes were asked for. */
  r.patch(
    "/Users/:id",
    wrap(async (req, res) => {
      const value = await patchUser(deps.store, users, ctxOf(req), String(req.params.id), req.body, req.query as Record<string, unknown>);
      if (wantsResource(req) && value) res.json(value);
      else res.status(204).end();
    }),
  );
  r.post(
    "/Bulk",
    wrap(async (req, res) => {
      const { operations, failOnErrors } = parseBulkRequest(req.body);
      const base = `${issuerOf(req, deps.config.PUBLIC_URL)}${req.baseUrl}`;
      const results = await runBulk(operations, failOnErrors, (op) => runBulkOperation(deps, users, ctxOf(req), base, op));
      res.status(200).json({ schemas: [BULK_RESPONSE], Operations: results });
    }),
  );
  for (const [path, Resource] of [
    ["/Users/.search", SCIMMY.Resources.User],
    ["/Groups/.search", SCIMMY.Resources.Group],
  ] as const) {
    r.post(
      path,
      wrap(async (req, res) => {
        res.status(200).json(await new Resource(req.query as never).read(ctxOf(req)));
      }),
    );
  }
  r.post(
    "/.search",
    wrap(async (req, res) => {
      res.status(200).json(await searchAll(ctxOf(req)));
    }),
  );

  const scimmy = new SCIMMYRouters({ type: "bearer", handler: (req: Request) => contexts.get(req)?.principal.clientId ?? "", context: (req: Request) => ctxOf(req) });
  configureServiceProvider(deps);
  r.use(scimmy);
  r.use(scimErrorHandler(deps));
  return r;
}

/** A store whose queries and nested transactions all run in the open transaction `tx`. */
function boundTo(store: Store, tx: Queryable): Store {
  return { kind: store.kind, query: (sql, params) => tx.query(sql, params), transaction: (fn) => fn(tx), exec: (sql) => tx.query(sql).then(() => undefined), ping: () => store.ping(), close: async () => undefined };
}

/**
 * PATCH of a user: SCIMMY reads, patches in memory, then writes, all in one transaction whose read
 * locks the row, so that concurrent PATCHes of one user wait for each other instead of losing updates.
 * Returns the patched user, or undefined when nothing changed.
 */
async function patchUser(store: Store, users: Users, ctx: ScimContext, id: string, rawBody: unknown, query: Record<string, unknown>): Promise<unknown> {
  // The same checks as for groups, so that a malformed PatchOp is invalidSyntax (SCIMMY says invalidValue)
  const ops = parsePatchMessage(rawBody);
  if (ops.length === 0) {
    await users.get(ctx, id); // a no-op still answers 404/403 as it should
    return undefined;
  }
  return store.transaction(async (tx) => {
    const txCtx: ScimContext = { ...ctx, store: boundTo(store, tx), lockOnRead: true };
    type PatchBody = Parameters<InstanceType<typeof SCIMMY.Resources.User>["patch"]>[0];
    let body = rawBody as PatchBody;
    if (needsRewrite(ops)) {
      const rewritten = rewritePatch(ops, await users.get(txCtx, id));
      if (rewritten.length === 0) return undefined; // e.g. removing an extension the user does not have
      body = { schemas: [PATCH_OP_SCHEMA], Operations: rewritten } as PatchBody;
    }
    return new SCIMMY.Resources.User(id, query as never).patch(body, txCtx);
  });
}

/** One Bulk operation, as its single request would run it: same rights, scoping, checks and outbox. */
async function runBulkOperation(deps: AppDeps, users: Users, ctx: ScimContext, base: string, op: BulkOperation): Promise<BulkOutcome> {
  const m = /^\/?(Users|Groups)(?:\/([^/]+))?$/.exec(op.path);
  try {
    if (!m) throw new ScimError(400, "invalidPath", `path ${JSON.stringify(op.path)} names no resource: use /Users, /Groups, /Users/{id} or /Groups/{id}`);
    const [, type, rawId] = m as unknown as [string, "Users" | "Groups", string | undefined];
    const Resource = type === "Users" ? SCIMMY.Resources.User : SCIMMY.Resources.Group;
    if ((op.method === "POST") !== (rawId === undefined)) throw new ScimError(400, "invalidPath", op.method === "POST" ? "a POST names the resource type only (/Users or /Groups)" : `${op.method} needs a resource id in its path`);
    const id = rawId === undefined ? undefined : decodeURIComponent(rawId);
    const opCtx: ScimContext = { ...ctx, ifMatch: op.version, projection: {}, excludeMembers: false };
    refuseHostileBody(op.method, op.data);
    const written = (resource: unknown, status: number): BulkOutcome => {
      const r = resource as { id?: string; meta?: { version?: string } };
      return { status, ...(r?.id ? { id: r.id, location: `${base}/${type}/${r.id}` } : {}), ...(r?.meta?.version ? { version: r.meta.version } : {}) };
    };
    switch (op.method) {
      case "POST":
        return written(await new Resource().write(dropExtensionSchemas(fixStringBooleans(op.data)) as never, opCtx), 201);
      case "PUT":
        return written(await new Resource(id!).write(dropExtensionSchemas(fixStringBooleans(op.data)) as never, opCtx), 200);
      case "PATCH": {
        const body = normalizePatchBody(op.data);
        if (type === "Groups") await patchGroup(opCtx, id!, body);
        else await patchUser(deps.store, users, opCtx, id!, body, {});
        const after = type === "Groups" ? await scimServices().groups.get({ ...opCtx, excludeMembers: true }, id!) : await users.get(opCtx, id!);
        return written(after, 200);
      }
      case "DELETE":
        await new Resource(id!).dispose(opCtx);
        return { status: 204, location: `${base}/${type}/${id}` };
    }
  } catch (err) {
    const scim = toScimError(err, deps.config.BODY_LIMIT_BYTES);
    return { status: scim.status, response: scim.toJSON() };
  }
}

/** ServiceProviderConfig says what is true (scimmy-routers would report bulk and ETags as it sees fit). */
function configureServiceProvider(deps: AppDeps): void {
  SCIMMY.Config.set({
    patch: true,
    bulk: { supported: true, maxOperations: LIMITS.bulkOperations, maxPayloadSize: deps.config.BODY_LIMIT_BYTES },
    filter: { supported: true, maxResults: LIMITS.maxResults },
    changePassword: false,
    sort: true,
    etag: true,
    authenticationSchemes: [],
  });
  SCIMMY.Config.set({
    authenticationSchemes: [
      {
        type: "oauthbearertoken",
        name: "OAuth Bearer Token",
        description: "An access token from this bridge's token endpoint (POST /oauth/token, client credentials)",
        specUri: "https://datatracker.ietf.org/doc/html/rfc6750",
        primary: true,
      },
    ],
  });
}

/** Every failure in SCIM's format (RFC 7644 §3.12), whatever threw it; 5xx are logged with their cause. */
function scimErrorHandler(deps: AppDeps): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const scim = toScimError(err, deps.config.BODY_LIMIT_BYTES);
    if (scim.status >= 500) req.log.error({ category: "scim", err: (err as { cause?: unknown }).cause ?? err }, "SCIM request failed");
    else if (scim.detail !== (err as { message?: unknown }).message) req.log.debug({ category: "scim", err }, "SCIM request refused");
    if (res.headersSent) return;
    if (scim.retryAfter !== undefined) res.setHeader("Retry-After", String(scim.retryAfter));
    sendScimError(res, scim);
  };
}
