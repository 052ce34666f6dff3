import type { ErrorRequestHandler, Request, Response } from "express";
import type { AuthFailureRenderer } from "../oauth/endpoints/bearer.js";
import { issuerOf } from "../oauth/endpoints/issuer.js";
import { ScimError } from "./scim-error.js";
import { toScimError } from "./error-mapping.js";
import { completeRepresentation } from "./representation.js";
import { CORE_GROUP, CORE_USER } from "./schemas.js";
import { SCIM_CONTENT_TYPE, contextIfAny } from "./request-context.js";

const LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const MESSAGES = "urn:ietf:params:scim:api:messages:";
const ENDPOINTS = /\/(Users|Groups|Schemas|ResourceTypes|ServiceProviderConfig)(\/[^/?#]*)?$/;

type Json = Record<string, unknown>;

/** The SCIM base URL this request reached (both mount paths answer; PUBLIC_URL wins when set). */
export function scimBase(req: Request, publicUrl: string): string {
  return `${issuerOf(req, publicUrl)}${req.baseUrl}`;
}

/**
 * What SCIMMY hands back, as this bridge answers it: locations built per request (SCIMMY keeps one
 * global base path), `schemas` and `$ref` put back (representation.ts), a ListResponse's
 * itemsPerPage the number of resources on the page and its startIndex the one asked for.
 */
export function fixScimBody(body: Json, req: Request, base: string): Json {
  const ctx = contextIfAny(req);
  const pathKind = /^\/Users(\/|$)/.test(req.path) ? "User" : /^\/Groups(\/|$)/.test(req.path) ? "Group" : null;
  const fix = (resource: Json): Json => {
    const meta = resource.meta as { location?: string; resourceType?: unknown } | undefined;
    if (meta?.location) {
      const m = ENDPOINTS.exec(meta.location);
      if (m) meta.location = `${base}/${m[1]}${m[2] ?? ""}`;
    }
    const schemas = Array.isArray(resource.schemas) ? resource.schemas : [];
    const kind =
      meta?.resourceType === "User" || meta?.resourceType === "Group"
        ? meta.resourceType
        : schemas.includes(CORE_USER)
          ? "User"
          : schemas.includes(CORE_GROUP)
            ? "Group"
            : pathKind;
    return kind && ctx ? completeRepresentation(resource, kind, base, ctx.projection) : resource;
  };
  const schemas = Array.isArray(body.schemas) ? body.schemas : [];
  if (schemas.includes(LIST_RESPONSE) && Array.isArray(body.Resources)) {
    const Resources = (body.Resources as Json[]).map(fix);
    const isList = /^\/(Users|Groups)(\/\.search)?\/?$/.test(req.path);
    return { ...body, Resources, itemsPerPage: Resources.length, ...(ctx && isList ? { startIndex: ctx.list.startIndex } : {}) };
  }
  if (schemas.some((s) => typeof s === "string" && s.startsWith(MESSAGES))) return body;
  return fix(body);
}

/** Sends a SCIM answer: the body fixed, with ETag for a resource and Location for one just created. */
export function sendScim(req: Request, res: Response, status: number, body: unknown, publicUrl: string): void {
  const fixed = body && typeof body === "object" ? fixScimBody(body as Json, req, scimBase(req, publicUrl)) : body;
  const meta = (fixed as Json | undefined)?.meta as { location?: string; version?: string } | undefined;
  if (meta?.version) res.setHeader("ETag", meta.version);
  if (status === 201 && meta?.location) res.setHeader("Location", meta.location);
  res.status(status).type(SCIM_CONTENT_TYPE).send(JSON.stringify(fixed));
}

export function sendScimError(res: Response, err: ScimError): void {
  if (err.retryAfter !== undefined) res.setHeader("Retry-After", String(err.retryAfter));
  res.status(err.status).type(SCIM_CONTENT_TYPE).send(JSON.stringify(err));
}

export const renderScimAuthFailure: AuthFailureRenderer = (res, status, description) =>
  sendScimError(res, new ScimError(status, null, description));

/**
 * Every failure in SCIM's format (RFC 7644 §3.12), whatever threw it; 5xx are logged with their
 * cause. SCIMMY wraps what our handlers throw, so the answer we meant travels in the context.
 */
export function scimErrorHandler(bodyLimit: number): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const failure = contextIfAny(req)?.outcome.failure;
    const scim = failure?.error ?? toScimError(err, bodyLimit);
    const cause = failure?.cause ?? (err as { cause?: unknown }).cause ?? err;
    if (scim.status >= 500) req.log.error({ category: "scim", err: cause }, "SCIM request failed");
    else if (scim.detail !== (err as { message?: unknown }).message) req.log.debug({ category: "scim", err }, "SCIM request refused");
    if (res.headersSent) return;
    sendScimError(res, scim);
  };
}
