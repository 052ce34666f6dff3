import express, { type ErrorRequestHandler, type Express, type RequestHandler } from "express";
import type { AppDeps } from "./deps.js";
import { AppError } from "./app-error.js";
import { healthRouter } from "./health.js";
import { oauthRouter } from "../oauth/routes.js";
import { OAuthError } from "../oauth/oauth-error.js";
import { adminRouter, queueDashboardRouter } from "../admin/routes.js";
import { scimRouter } from "../scim/router.js";
import { requestLog, requestTiming } from "./request-log.js";
import { describeReadFailure } from "./body-errors.js";
import { STORE_RETRY_AFTER_SECONDS, storeUnavailable } from "../store/store.js";
import { RedisUnavailableError } from "../sync/redis-health.js";

const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("Referrer-Policy", "no-referrer");
  next();
};

/** The Express app, without `listen()`: tests drive it through supertest. */
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
  app.use((req, res) => {
    res.status(404).json({ error: "not_found", message: `no route ${req.method} ${req.path}` });
  });
  app.use(errorHandler(deps));
  return app;
}

function errorHandler(deps: AppDeps): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const isOAuth = req.path.startsWith("/oauth/");
    const read = describeReadFailure(err, deps.config.BODY_LIMIT_BYTES);
    if (read) {
      const code = read.kind === "too_large" ? "payload_too_large" : read.kind === "syntax" && read.message.includes("JSON") ? "invalid_json" : "invalid_request";
      res.status(read.status).json(isOAuth ? { error: "invalid_request", error_description: read.message } : { error: code, message: read.message });
      return;
    }
    if (storeUnavailable(err)) {
      req.log.warn({ category: "store", err: (err as Error).message }, "store unavailable");
      res.setHeader("Retry-After", String(STORE_RETRY_AFTER_SECONDS));
      const message = `the store is unavailable; retry in ${STORE_RETRY_AFTER_SECONDS} s`;
      res.status(503).json(isOAuth ? { error: "temporarily_unavailable", error_description: message } : { error: "store_unavailable", message });
      return;
    }
    if (err instanceof RedisUnavailableError) {
      res.setHeader("Retry-After", "5");
      res.status(503).json({ error: "redis_unavailable", message: `${err.message}; SCIM writes still succeed and wait in the outbox` });
      return;
    }
    if (err instanceof AppError) {
      req.log.info({ category: "admin", error: err.code, status: err.status }, err.message);
      res.status(err.status).json(err);
      return;
    }
    if (err instanceof OAuthError) {
      res.status(err.status).json(err);
      return;
    }
    req.log.error({ err }, "unhandled error");
    res.status(500).json(isOAuth ? { error: "server_error", error_description: "internal error" } : { error: "internal_error", message: "internal error; see the server log with the X-Request-Id" });
  };
}
