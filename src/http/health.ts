import express, { type Router } from "express";
import type { AppDeps } from "./deps.js";

/** `/healthz`: the process answers. `/readyz`: the store and (when configured) Redis answer. */
export function healthRouter(deps: AppDeps): Router {
  const r = express.Router();
  r.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  r.get("/readyz", async (_req, res) => {
    const checks: Record<string, string> = {};
    await Promise.all([
      deps.store.ping().then(
        () => (checks.store = "ok"),
        (e: unknown) => (checks.store = `unreachable: ${e instanceof Error ? e.message : String(e)}`),
      ),
      deps.redis
        ? deps.redis.ping().then(
            () => (checks.redis = "ok"),
            (e: unknown) => (checks.redis = `unreachable: ${e instanceof Error ? e.message : String(e)}`),
          )
        : Promise.resolve((checks.redis = "not configured")),
    ]);
    const ready = Object.values(checks).every((v) => v === "ok" || v === "not configured");
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "not ready", checks });
  });
  r.get("/metrics", async (_req, res) => {
    res.setHeader("Content-Type", deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });
  return r;
}
