import type { NextFunction, Request, Response } from "express";
import { DomainError } from "../errors/domain-error.js";
import { type AuthFailureRenderer, forbid, principalOf } from "../oauth/endpoints/bearer.js";
import { mayDo } from "../authz/permissions.js";
import { sendAdminError } from "./admin-errors.js";

/** Admin-API failures use DESIGN §7's `{"error", "message"}` body. */
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

/** Genesys-style paging: `pageSize` (1..500, default 25) and `pageNumber` (from 1). */
export function paging(req: Request): { limit: number; offset: number; pageSize: number; pageNumber: number } {
  const num = (name: string, dflt: number, max: number): number => {
    const raw = req.query[name];
    if (raw === undefined) return dflt;
    const n = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > max) throw DomainError.validation([{ field: name, message: `must be a whole number 1..${max}` }]);
    return n;
  };
  const pageSize = num("pageSize", 25, 500);
  const pageNumber = num("pageNumber", 1, 1_000_000);
  return { limit: pageSize, offset: (pageNumber - 1) * pageSize, pageSize, pageNumber };
}
