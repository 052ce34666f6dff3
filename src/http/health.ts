import express, { type Router } from "express";
import { redactUrl } from "../log/redact-url.js";
import { outboxDepth } from "../sync/outbox.js";
import { Gauge } from "prom-client";
import type { AppDeps } from "./deps.js";

/**
 * Probes, split so that a load balancer keeps a bridge that can still take SCIM writes:
 * - `/healthz` (liveness): the process answers. Restart it when this fails.
 * - `/readyz` (readiness): the store answers, so SCIM, OAuth and admin requests can succeed. Redis is
 *   reported but does not decide: without it writes wait in the outbox, and the sync catches up later.
 * - `/metrics`: Prometheus, with `scim_bridge_redis_up`, `scim_bridge_outbox_depth` and
 *   `scim_bridge_outbox_oldest_age_seconds` for alerting on a sync that is not moving.
 */
export function healthRouter(deps: AppDeps): Router {
  const r = express.Router();
  const redisName = redactUrl(deps.config.REDIS_URL);
  registerPipelineGauges(deps);
  r.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  r.get("/readyz", async (_req, res) => {
    const checks: Record<string, string> = {};
    await Promise.all([
      withDeadline(deps.store.ping(), 3_000).then(
        () => (checks.store = "ok"),
        (e: unknown) => (checks.store = `unreachable: ${e instanceof Error ? e.message : String(e)}`),
      ),
      deps.redis
        ? withDeadline(deps.redis.ping(), 2_000).then(
            () => (checks.redis = "ok"),
            () => (checks.redis = `unreachable (${redisName}): SCIM writes wait in the outbox`),
          )
        : Promise.resolve((checks.redis = "not configured")),
    ]);
    const ready = checks.store === "ok";
    const degraded = ready && checks.redis !== "ok" && checks.redis !== "not configured";
    res.status(ready ? 200 : 503).json({ status: ready ? (degraded ? "degraded" : "ready") : "not ready", checks });
  });
  r.get("/metrics", async (_req, res) => {
    res.setHeader("Content-Type", deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });
  return r;
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** Gauges read when /metrics is scraped (the registry calls `collect`). */
function registerPipelineGauges(deps: AppDeps): void {
  const registers = [deps.metrics.registry];
  if (deps.metrics.registry.getSingleMetric("scim_bridge_redis_up")) return;
  new Gauge({
    name: "scim_bridge_redis_up",
    help: "1 while this process's Redis connection is ready, else 0",
    registers,
    collect() {
      this.set(deps.redis?.status === "ready" ? 1 : 0);
    },
  });
  // Both outbox gauges are collected in one scrape: one query serves them (kept for a second)
  let read: { at: number; row: Promise<{ depth: number; oldest: Date | null }> } | null = null;
  const outbox = () => {
    const now = deps.clock();
    if (!read || now - read.at > 1_000) read = { at: now, row: outboxDepth(deps.store) };
    return read.row;
  };
  new Gauge({
    name: "scim_bridge_outbox_depth",
    help: "Changes written but not yet handed to the sync queues",
    registers,
    async collect() {
      const row = await outbox().catch(() => undefined);
      this.set(row ? row.depth : Number.NaN);
    },
  });
  new Gauge({
    name: "scim_bridge_outbox_oldest_age_seconds",
    help: "Age of the oldest change still in the outbox (0 when it is empty)",
    registers,
    async collect() {
      const row = await outbox().catch(() => undefined);
      this.set(!row ? Number.NaN : row.oldest ? Math.max(0, (deps.clock() - row.oldest.getTime()) / 1000) : 0);
    },
  });
}
