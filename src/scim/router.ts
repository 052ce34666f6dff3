import express, { type Request, type Response, type Router } from "express";
import type { AppDeps } from "../http/deps.js";
import { bearerAuth } from "../oauth/endpoints/bearer.js";
import { scimServices } from "./resources.js";
import { BULK_RESPONSE, parseBulkRequest, runBulk } from "./bulk.js";
import { runBulkOperation } from "./bulk-operation.js";
import { SCIM_BODY_TYPES, bodyTypeGuard, contextOf, readOnly, requestContext, requestGuard } from "./request-context.js";
import { renderScimAuthFailure, scimBase, scimErrorHandler, sendScim } from "./response.js";
import { mountPatchRoutes } from "./patch-routes.js";
import { mountResourceRoutes } from "./resource-routes.js";
import { configureScimmy } from "./service-provider.js";

/**
 * The SCIM 2.0 service provider (RFC 7644), mounted at /scim/v2 and /api/v2/scim/v2: guards, bearer
 * authentication, body parsing, the request context, then the routes; every failure rendered by
 * the SCIM error handler.
 */
export function scimRouter(deps: AppDeps): Router {
  configureScimmy();
  const { users, groups } = scimServices();
  const send = (req: Request, res: Response, status: number, body: unknown) => sendScim(req, res, status, body, deps.config.PUBLIC_URL);
  const r = express.Router();
  r.use(requestGuard);
  r.use(bearerAuth(deps, renderScimAuthFailure));
  r.all(["/ServiceProviderConfig", "/ResourceTypes", "/ResourceTypes/:id", "/Schemas", "/Schemas/:id"], readOnly);
  r.use(express.json({ type: SCIM_BODY_TYPES, limit: deps.config.BODY_LIMIT_BYTES }));
  r.use(bodyTypeGuard);
  r.use(requestContext(deps));

  mountPatchRoutes(r, deps.store, users, send);
  r.post("/Bulk", async (req, res) => {
    const { operations, failOnErrors } = parseBulkRequest(req.body);
    const base = scimBase(req, deps.config.PUBLIC_URL);
    const services = { store: deps.store, users, groups, bodyLimit: deps.config.BODY_LIMIT_BYTES };
    const results = await runBulk(operations, failOnErrors, (op) => runBulkOperation(services, contextOf(req), base, op));
    send(req, res, 200, { schemas: [BULK_RESPONSE], Operations: results });
  });
  mountResourceRoutes(r, send, deps.config.BODY_LIMIT_BYTES, { users, groups });
  r.use(scimErrorHandler(deps.config.BODY_LIMIT_BYTES));
  return r;
}
