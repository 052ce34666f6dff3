import express, { type Request, type Response, type Router } from "express";
import { redactUrl } from "../log/redact-url.js";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { AppDeps } from "../http/deps.js";
import { paging, queryText, requirePermission } from "./admin-http.js";
import { z } from "zod";
import { parseBody } from "../errors/parse-body.js";
import { DomainError } from "../errors/domain-error.js";
import { dryRunPlan, listSyncStates, resourceSyncState, syncStatus } from "../sync/sync-status.js";
import { ResyncBody, RetryBody, SyncListQuery, resyncAll, retrySync } from "../sync/sync-operations.js";
import { listFailedJobs, retryFailedJob } from "../sync/failed-jobs.js";
import { syncDivisions } from "../sync/reconcile-divisions.js";
import { actorName } from "../authz/principal.js";
import { principalOf } from "../oauth/endpoints/bearer.js";
import { redisUnavailableError, withinRedisDeadline } from "../sync/redis-health.js";

function needQueues(deps: AppDeps) {
  if (!deps.queues) throw DomainError.unavailable("queues_unavailable", "this process runs without the sync queues (Redis not configured)");
  // Known to be down: answer at once rather than wait for the deadline
  if (deps.redis && deps.redis.status !== "ready") throw redisUnavailableError(redactUrl(deps.config.REDIS_URL));
  return deps.queues;
}

/** Queue work bounded in time: BullMQ would wait for a lost Redis indefinitely. */
const queueWork = <T>(deps: AppDeps, work: () => Promise<T>) => withinRedisDeadline(redactUrl(deps.config.REDIS_URL), work);

/** `GET /sync/plan`: the whole plan, or one resource's. */
const PlanQuery = z.object({ resourceId: queryText });

/** `/admin/v1/sync/*`, `/admin/v1/jobs/*`, `POST /admin/v1/divisions/sync`, behind the admin router's bearer check. */
export function syncAdminRouter(deps: AppDeps): Router {
  const r = express.Router();
  const idOf = (req: Request) => String(req.params.id);

  r.get("/sync/status", requirePermission("bridge:job:view"), async (_req, res) => {
    res.json(await syncStatus(deps.store, new Date(deps.clock())));
  });
  for (const [path, type] of [
    ["/sync/users", "User"],
    ["/sync/groups", "Group"],
  ] as const) {
    r.get(path, requirePermission("bridge:job:view"), async (req, res) => {
      const p = paging(req);
      const { state } = parseBody(SyncListQuery, req.query);
      const { entities, total } = await listSyncStates(deps.store, type, state, p);
      res.json({ entities, total, pageSize: p.pageSize, pageNumber: p.pageNumber });
    });
    r.get(`${path}/:id`, requirePermission("bridge:job:view"), async (req, res) => {
      const state = await resourceSyncState(deps.store, type, idOf(req));
      if (!state) throw DomainError.notFound(type === "User" ? "user" : "group", idOf(req));
      res.json(state);
    });
  }
  // Retry and resync change the store first, then queue (sync-operations.ts): a Redis lost half-way
  // answers 503, and the sweep queues what is left.
  const operation = (res: Response) => ({
    store: deps.store,
    queues: needQueues(deps),
    actor: actorName(principalOf(res)),
    now: new Date(deps.clock()),
    bounded: <T>(work: () => Promise<T>) => queueWork(deps, work),
  });
  r.post("/sync/retry", requirePermission("bridge:job:retry"), async (req, res) => {
    const target = parseBody(RetryBody, req.body);
    const result = await retrySync(operation(res), target);
    req.log.info({ category: "admin", ...target, retried: result.retried, by: actorName(principalOf(res)) }, "sync retried");
    res.json(result);
  });
  r.post("/sync/resync", requirePermission("bridge:job:retry"), async (req, res) => {
    const { type } = parseBody(ResyncBody, req.body);
    const result = await resyncAll(operation(res), type);
    req.log.info({ category: "admin", type: type ?? "*", resynced: result.resynced, by: actorName(principalOf(res)) }, "full resync");
    res.json(result);
  });
  r.get("/sync/plan", requirePermission("bridge:job:view"), async (req, res) => {
    const { resourceId } = parseBody(PlanQuery, req.query);
    res.json(await dryRunPlan(deps.store, resourceId, 10_000));
  });
  r.get("/jobs/failed", requirePermission("bridge:job:view"), async (_req, res) => {
    const queues = needQueues(deps);
    const entities = await queueWork(deps, () => listFailedJobs(queues));
    res.json({ entities, total: entities.length });
  });
  r.post("/jobs/:id/retry", requirePermission("bridge:job:retry"), async (req, res) => {
    const queues = needQueues(deps);
    const job = await queueWork(deps, () => retryFailedJob(deps.store, queues, idOf(req), new Date(deps.clock())));
    if (!job) throw DomainError.notFound("failed job", idOf(req));
    req.log.info({ category: "admin", job: job.id, by: actorName(principalOf(res)) }, "job retried");
    res.json(job);
  });
  r.post("/divisions/sync", requirePermission("bridge:division:add"), async (_req, res) => {
    if (!deps.target) throw DomainError.unavailable("target_unavailable", "this process has no sync target configured");
    res.json(await syncDivisions(deps.store, deps.target, new Date(deps.clock()), actorName(principalOf(res))));
  });
  return r;
}

/** Bull Board at /admin/queues; the caller mounts it behind admin authentication. */
export function queueDashboard(deps: AppDeps, basePath: string): express.Router | null {
  if (!deps.queues) return null;
  const adapter = new ExpressAdapter();
  adapter.setBasePath(basePath);
  createBullBoard({
    queues: [deps.queues.user, deps.queues.group, deps.queues.divisions].map((q) => new BullMQAdapter(q)),
    serverAdapter: adapter,
  });
  return adapter.getRouter() as express.Router;
}
