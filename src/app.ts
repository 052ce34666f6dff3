import express, { type Express, type RequestHandler } from "express";
import type { AppDeps } from "./http/deps.js";
import { healthRouter } from "./http/health.js";
import { requestLog, requestTiming } from "./http/request-log.js";
import { oauthRouter } from "./oauth/endpoints/router.js";
import { adminRouter, queueDashboardRouter } from "./admin/routes.js";
import { adminErrorHandler, sendAdminError } from "./admin/admin-errors.js";
import { scimRouter } from "./scim/router.js";

const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("Referrer-Policy", "no-referrer");
  next();
};

/**
 * The Express app, without `listen()`: tests drive it through supertest. Each surface renders its
 * own errors (its router mounts its handler); what falls through answers in the admin API's format.
 */
export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", deps.config.TRUST_PROXY);
  app.use(requestLog(deps.logger));
  app.use(securityHeaders);
  app.use(requestTiming(deps.metrics, deps.logger));
  app.use(healthRouter(deps));
  app.use(oauthRouter(deps));
  app.use("/admin/v1", adminRouter(deps));
  const dashboard = queueDashboardRouter(deps, "/admin/queues");
  if (dashboard) app.use("/admin/queues", dashboard);
  // One router at both paths: an Okta or Entra app made for Genesys Cloud only changes its base URL.
  app.use(["/scim/v2", "/api/v2/scim/v2"], scimRouter(deps));
  app.use((req, res) => sendAdminError(res, 404, "not_found", `no route ${req.method} ${req.path}`));
  app.use(adminErrorHandler(deps.config.BODY_LIMIT_BYTES));
  return app;
}
