import express, { type Request, type Router } from "express";
import { redactUrl } from "../log/redact-url.js";
import { z } from "zod";
import { mayDo } from "../authz/permissions.js";
import type { AppDeps } from "../http/deps.js";
import { bearerAuth, principalOf } from "../oauth/endpoints/bearer.js";
import { paging, queryText, renderAdminAuthFailure, requirePermission } from "./admin-http.js";
import {
  createClient,
  deleteClient,
  getClient,
  listClients,
  revokeClientTokens,
  rotateSecret,
  updateClient,
} from "../oauth/client-registry.js";
import { createRole, deleteRole, restoreDefaultRoles, updateRole } from "../oauth/role-service.js";
import { getRole, listRoles } from "../authz/roles.js";
import { createDivision, listDivisions } from "../authz/divisions.js";
import { listAudit } from "../audit/audit-log.js";
import { DomainError } from "../errors/domain-error.js";
import { bodyObject, parseBody } from "../errors/parse-body.js";
import { queueDashboard, syncAdminRouter } from "./sync-routes.js";
import { adminErrorHandler, sendAdminError } from "./admin-errors.js";
import { getSettings, putSettings } from "../settings/settings.js";
import { describeBodyProblem, findBodyProblem, findTargetProblem } from "../http/hostile-input.js";
import { MAX_HEADER_BYTES, headerBytes } from "../http/http-server.js";
import { redisUnavailableError } from "../sync/redis-health.js";

const idOf = (req: Request): string => String(req.params.id);

/** `POST /clients/{id}/secret`: an empty body, or `{"revokeTokens": true}`. */
const RotateBody = bodyObject(
  { revokeTokens: z.boolean({ error: "must be true or false" }).optional() },
  { unknownField: "unknown field; the body may hold only revokeTokens" },
);

/** `GET /audit`'s filters (paging apart). */
const AuditQuery = z.object({ targetType: queryText, targetId: queryText, action: queryText });

/** `/admin/v1`: every route needs a bearer token whose client holds the route's bridge permission. */
export function adminRouter(deps: AppDeps): Router {
  const r = express.Router();
  const now = () => new Date(deps.clock());
  r.use((req, res, next) => {
    if (headerBytes(req.rawHeaders) > MAX_HEADER_BYTES)
      return sendAdminError(res, 431, "request_header_fields_too_large", `request headers exceed ${MAX_HEADER_BYTES} bytes`);
    const problem = findTargetProblem(req.path, req.query);
    next(problem ? DomainError.validation([{ field: "(request)", message: problem }]) : undefined);
  });
  r.use(bearerAuth(deps, renderAdminAuthFailure));
  r.use(express.json({ limit: deps.config.BODY_LIMIT_BYTES }));
  r.use((req, _res, next) => {
    const problem = findBodyProblem(req.body);
    next(problem ? DomainError.validation([{ field: problem.at, message: describeBodyProblem(problem) }]) : undefined);
  });

  r.get("/clients", requirePermission("bridge:client:view"), async (req, res) => {
    const p = paging(req);
    const { entities, total } = await listClients(deps.store, p);
    res.json({ entities, total, pageSize: p.pageSize, pageNumber: p.pageNumber });
  });
  r.post("/clients", requirePermission("bridge:client:add"), async (req, res) => {
    const client = await createClient(deps.store, principalOf(res), now(), req.body);
    res.status(201).setHeader("Cache-Control", "no-store").location(`${req.baseUrl}/clients/${client.id}`).json(client);
  });
  r.get("/clients/:id", requirePermission("bridge:client:view"), async (req, res) => {
    const client = await getClient(deps.store, idOf(req));
    if (!client) throw DomainError.notFound("client", idOf(req));
    res.json(client);
  });
  r.put("/clients/:id", requirePermission("bridge:client:edit"), async (req, res) => {
    res.json(await updateClient(deps.store, principalOf(res), now(), idOf(req), req.body, "put"));
  });
  r.patch("/clients/:id", requirePermission("bridge:client:edit"), async (req, res) => {
    res.json(await updateClient(deps.store, principalOf(res), now(), idOf(req), req.body, "patch"));
  });
  r.delete("/clients/:id", requirePermission("bridge:client:delete"), async (req, res) => {
    await deleteClient(deps.store, principalOf(res), now(), idOf(req));
    res.status(204).end();
  });
  r.post("/clients/:id/secret", requirePermission("bridge:client:edit"), async (req, res) => {
    const opts = parseBody(RotateBody, req.body ?? {});
    if (opts.revokeTokens && !mayDo(principalOf(res).grants, "bridge:token:revoke"))
      throw DomainError.forbidden("revokeTokens needs the permission bridge:token:revoke");
    res.setHeader("Cache-Control", "no-store").json(await rotateSecret(deps.store, principalOf(res), now(), idOf(req), opts));
  });
  r.delete("/clients/:id/tokens", requirePermission("bridge:token:revoke"), async (req, res) => {
    res.json(await revokeClientTokens(deps.store, principalOf(res), now(), idOf(req)));
  });

  r.get("/roles", requirePermission("bridge:role:view"), async (_req, res) => {
    const entities = await listRoles(deps.store);
    res.json({ entities, total: entities.length });
  });
  r.post("/roles", requirePermission("bridge:role:add"), async (req, res) => {
    const role = await createRole(deps.store, principalOf(res), now(), req.body);
    res.status(201).location(`${req.baseUrl}/roles/${role.id}`).json(role);
  });
  r.post("/roles/default", requirePermission("bridge:role:edit"), requirePermission("bridge:role:add"), async (_req, res) => {
    res.json(await restoreDefaultRoles(deps.store, principalOf(res), now()));
  });
  r.get("/roles/:id", requirePermission("bridge:role:view"), async (req, res) => {
    const role = await getRole(deps.store, idOf(req));
    if (!role) throw DomainError.notFound("role", idOf(req));
    res.json(role);
  });
  for (const method of ["put", "patch"] as const) {
    r[method]("/roles/:id", requirePermission("bridge:role:edit"), async (req, res) => {
      res.json(await updateRole(deps.store, principalOf(res), now(), idOf(req), req.body));
    });
  }
  r.delete("/roles/:id", requirePermission("bridge:role:delete"), async (req, res) => {
    const result = await deleteRole(deps.store, principalOf(res), now(), idOf(req));
    res.json({ deleted: result.id, clientsReset: result.clientsReset });
  });

  r.get("/divisions", requirePermission("bridge:division:view"), async (_req, res) => {
    const entities = await listDivisions(deps.store);
    res.json({ entities, total: entities.length });
  });
  r.post("/divisions", requirePermission("bridge:division:add"), async (req, res) => {
    const division = await createDivision(deps.store, principalOf(res), now(), req.body);
    res.status(201).json(division);
  });

  r.get("/audit", requirePermission("bridge:audit:view"), async (req, res) => {
    const p = paging(req);
    const filter = parseBody(AuditQuery, req.query);
    res.json(await listAudit(deps.store, { ...filter, limit: p.limit, offset: p.offset }));
  });

  r.get("/settings", requirePermission("bridge:client:view"), async (_req, res) => {
    res.json(await getSettings(deps.store, deps.config, now()));
  });
  r.put("/settings", requirePermission("bridge:client:edit"), async (req, res) => {
    res.json(await putSettings(deps.store, deps.config, principalOf(res), now(), req.body));
  });

  r.use(syncAdminRouter(deps));

  r.use((req, res) => sendAdminError(res, 404, "not_found", `no admin route ${req.method} ${req.originalUrl}`));
  r.use(adminErrorHandler(deps.config.BODY_LIMIT_BYTES));
  return r;
}

/** Bull Board at /admin/queues, behind the same admin authentication (a bearer token with bridge:job:view). */
export function queueDashboardRouter(deps: AppDeps, basePath: string): Router | null {
  const board = queueDashboard(deps, basePath);
  if (!board) return null;
  const r = express.Router();
  // Reading needs bridge:job:view; every call that changes a queue (retry, promote, remove, pause,
  // resume, clean, empty: Bull Board sends them as PUT, POST, PATCH or DELETE) needs bridge:job:retry.
  const acting = requirePermission("bridge:job:retry");
  // With Redis down every dashboard call would wait for it: 503 at once instead
  const redisUp = (_req: express.Request, _res: express.Response, next: express.NextFunction) =>
    next(deps.redis && deps.redis.status !== "ready" ? redisUnavailableError(redactUrl(deps.config.REDIS_URL)) : undefined);
  r.use(
    bearerAuth(deps, renderAdminAuthFailure),
    requirePermission("bridge:job:view"),
    (req, res, next) => (["GET", "HEAD"].includes(req.method) ? next() : acting(req, res, next)),
    redisUp,
    board,
  );
  r.use(adminErrorHandler(deps.config.BODY_LIMIT_BYTES));
  return r;
}
