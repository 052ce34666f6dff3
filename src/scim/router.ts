import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response, type Router } from "express";
import SCIMMY from "scimmy";
import SCIMMYRouters from "scimmy-routers";
import type { AppDeps } from "../http/deps.js";
import type { Queryable, Store } from "../store/store.js";
import { bearerAuth, principalOf, type AuthFailureRenderer } from "../http/bearer.js";
import { scimServices } from "./resources.js";
import type { ScimContext } from "./context.js";
import { parseListParams, type RawListParams } from "./list-query.js";
import { parseAttrPath } from "./filter.js";
import { ScimError, publicDetail } from "./scim-error.js";
import { dropExtensionSchemas, fixStringBooleans, normalizePatchBody } from "./normalize.js";
import { patchGroup } from "./group-patch.js";
import { parsePatchMessage } from "./patch-message.js";
import { issuerOf } from "../oauth/routes.js";
import { describeBodyProblem, findBodyProblem, findTargetProblem, forbiddenNameIn } from "../http/hostile-input.js";
import { describeReadFailure } from "../http/body-errors.js";

export const SCIM_CONTENT_TYPE = "application/scim+json";
const LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
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
  if (body === undefined || body === null || typeof body !== "object") return;
  if (req.method === "PATCH") {
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
  if (problem) throw new ScimError(400, problem.kind === "name" ? "invalidPath" : problem.kind === "text" ? "invalidValue" : "invalidSyntax", describeBodyProblem(problem));
}

/** `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5): a comma-separated list of attribute paths, each checked. */
function attributeList(v: unknown, name: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw new ScimError(400, "invalidValue", `${name} must be a comma-separated list of attribute paths`);
  const paths = v.split(",").map((p) => p.trim());
  for (const p of paths) {
    if (!p) throw new ScimError(400, "invalidPath", `${name}: an attribute path is empty`);
    parseAttrPath(p, (detail) => new ScimError(400, "invalidPath", `${name}: ${detail}`));
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
    // Text the store cannot hold, and paths that do not decode, are refused before anything else.
    const problem = findTargetProblem(req.path, req.query);
    if (!problem) return next();
    next(new ScimError(400, /filter/.test(problem) ? "invalidFilter" : /path is not valid/.test(problem) ? "invalidSyntax" : "invalidValue", problem));
  });
  r.use(bearerAuth(deps, renderScimAuthFailure));
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
      });
      // SCIMMY pages from its own `count`; keeping startIndex away from it (it would slice our page again)
      const clean: Record<string, unknown> = /^\/(Users|Groups)(\/\.search)?\/?$/.test(req.path) ? { count: list.count } : {};
      if (attributes !== undefined) clean.attributes = attributes;
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
    res.json = (body: unknown) => {
      const ctx = contexts.get(req);
      const fix = (resource: Record<string, unknown>) => {
        const meta = resource.meta as { location?: string; version?: string } | undefined;
        if (meta?.location) {
          const m = ENDPOINTS.exec(meta.location);
          if (m) meta.location = `${base}/${m[1]}${m[2] ?? ""}`;
        }
        return meta;
      };
      if (body && typeof body === "object") {
        const b = body as Record<string, unknown>;
        if (Array.isArray(b.schemas) && b.schemas.includes(LIST_RESPONSE) && Array.isArray(b.Resources)) {
          (b.Resources as Record<string, unknown>[]).forEach(fix);
          b.itemsPerPage = b.Resources.length;
          if (ctx && isList) b.startIndex = ctx.list.startIndex;
        } else {
          const meta = fix(b);
          if (meta?.version) res.setHeader("ETag", meta.version);
          if (res.statusCode === 201 && meta?.location) res.setHeader("Location", meta.location);
        }
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
      // The same checks as for groups, so that a malformed PatchOp is invalidSyntax (SCIMMY says invalidValue)
      const ops = parsePatchMessage(req.body);
      if (ops.length === 0) {
        await users.get(ctxOf(req), String(req.params.id)); // a no-op still answers 404/403 as it should
        res.status(204).end();
        return;
      }
      // SCIMMY reads, patches in memory, then writes: all of it in one transaction whose read locks the
      // row, so that concurrent PATCHes of one user wait for each other instead of losing updates.
      const ctx = ctxOf(req);
      const value = await deps.store.transaction((tx) =>
        new SCIMMY.Resources.User(String(req.params.id), req.query).patch(req.body, { ...ctx, store: boundTo(deps.store, tx), lockOnRead: true } satisfies ScimContext),
      );
      if (wantsResource(req) && value) res.json(value);
      else res.status(204).end();
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
  r.post("/.search", (_req, _res, next) => next(new ScimError(501, null, "search one resource type: POST /Users/.search or /Groups/.search")));

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

/** ServiceProviderConfig says what is true (STACK.md: the router forces bulk on and etag off). */
function configureServiceProvider(deps: AppDeps): void {
  SCIMMY.Config.set({
    patch: true,
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: deps.config.BODY_LIMIT_BYTES },
    filter: { supported: true, maxResults: 1000 },
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
    let scim: ScimError;
    const read = describeReadFailure(err, deps.config.BODY_LIMIT_BYTES);
    if (err instanceof ScimError) scim = err;
    else if (read) scim = new ScimError(read.status, read.status === 400 ? (read.kind === "path" ? "invalidValue" : "invalidSyntax") : null, read.message);
    else if (err instanceof SCIMMY.Types.Error) scim = new ScimError(err.status, (err.scimType ?? null) as ScimError["scimType"], publicDetail(err.message));
    else scim = new ScimError(500, null, "internal error; see the server log with the X-Request-Id");
    if (scim.status >= 500) req.log.error({ category: "scim", err: (err as { cause?: unknown }).cause ?? err }, "SCIM request failed");
    else if (scim.detail !== (err as { message?: unknown }).message) req.log.debug({ category: "scim", err }, "SCIM request refused");
    if (res.headersSent) return;
    sendScimError(res, scim);
  };
}
