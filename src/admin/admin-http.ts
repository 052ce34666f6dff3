import type { NextFunction, Request, Response } from "express";
import { z } from "zod";
import { parseBody } from "../errors/parse-body.js";
import { type AuthFailureRenderer, forbid, principalOf } from "../oauth/endpoints/bearer.js";
import { mayDo } from "../authz/permissions.js";
import { sendAdminError } from "./admin-errors.js";

/** Admin-API failures use the admin API's `{"error", "message"}` body (admin-errors.ts). */
export const renderAdminAuthFailure: AuthFailureRenderer = (res, status, description) => {
  sendAdminError(res, status, status === 401 ? "unauthorized" : "forbidden", description);
};

/** Admin resources are not divided: holding the permission in any division suffices. */
export function requirePermission(permission: string) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (mayDo(principalOf(res).grants, permission)) return next();
    forbid(res, renderAdminAuthFailure, `this client lacks the permission ${permission}`);
  };
}

/** A page size or number: digits only (not `1e3`, `+5` or `0x10`), within 1..max. */
function pageParam(max: number, fallback: number) {
  const message = `must be a whole number 1..${max}`;
  const inRange = z.number().min(1, { error: message }).max(max, { error: message });
  return z.string({ error: message }).regex(/^\d+$/, { error: message }).transform(Number).pipe(inRange).default(fallback);
}

/** Genesys-style paging: `pageSize` (1..500, default 25) and `pageNumber` (from 1); other parameters are the route's. */
const PagingQuery = z.object({ pageSize: pageParam(500, 25), pageNumber: pageParam(1_000_000, 1) });

export function paging(req: Request): { limit: number; offset: number; pageSize: number; pageNumber: number } {
  const { pageSize, pageNumber } = parseBody(PagingQuery, req.query);
  return { limit: pageSize, offset: (pageNumber - 1) * pageSize, pageSize, pageNumber };
}

/**
 * An optional text filter of a query. Express reads `?a=1&a=2` as an array: such a filter was never
 * refused, only not applied, and stays so.
 */
export const queryText = z.string().optional().catch(undefined);
