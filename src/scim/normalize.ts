/**
 * Request-body forms that identity providers send and SCIMMY refuses, made standard before SCIMMY
 * sees them (docs/identity-providers.md).
 */
import { ENTERPRISE_USER, GENESYS_USER } from "./schemas.js";

const BOOLEAN_ATTRIBUTES = new Set(["active", "primary"]);

function asBoolean(v: unknown): unknown {
  if (typeof v === "string" && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === "true";
  return v;
}

/** Entra ID without `aadOptscim062020` sends booleans as "True"/"False"; the only boolean attributes are `active` and `primary`. */
export function fixStringBooleans(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fixStringBooleans);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const last = k.split(/[.:]/).pop()!.toLowerCase();
    out[k] = BOOLEAN_ATTRIBUTES.has(last) ? asBoolean(v) : fixStringBooleans(v);
  }
  return out;
}

/**
 * One manager as the complex `{value: id}`: a bare id, a `{value, ...}` object (only value is kept), or
 * either in a one-element array. Anything else (two managers, an empty array, a number, an object
 * without a value) is passed on unchanged for the schema to refuse, never turned into an empty manager;
 * null (clearing the manager) stays null.
 */
function managerValue(value: unknown): unknown {
  const v: unknown = Array.isArray(value) && value.length === 1 ? value[0] : value;
  if (typeof v === "string") return { value: v };
  if (typeof v === "object" && v !== null && !Array.isArray(v) && "value" in v) return { value: (v as { value: unknown }).value };
  return value;
}

/**
 * PATCH operations: string booleans on `active`/`primary` paths, and Entra ID's bare manager id
 * (`{"path": "...:manager", "value": "<id>"}`) as the complex `{value: id}` the schema defines.
 */
export function normalizePatchBody(body: unknown): unknown {
  if (typeof body !== "object" || body === null) return body;
  const b = body as Record<string, unknown>;
  const key = "Operations" in b ? "Operations" : "operations" in b ? "operations" : null;
  if (!key || !Array.isArray(b[key])) return body;
  const ops = (b[key] as unknown[]).map((o) => {
    if (typeof o !== "object" || o === null) return o;
    const op = { ...(o as Record<string, unknown>) };
    const path = typeof op.path === "string" ? op.path : undefined;
    const last = path?.split(/[.:]/).pop()?.toLowerCase();
    if (path && last && BOOLEAN_ATTRIBUTES.has(last.replace(/\[.*$/, ""))) op.value = asBoolean(op.value);
    else if (path && (path.toLowerCase() === "manager" || path.toLowerCase() === `${ENTERPRISE_USER.toLowerCase()}:manager`)) {
      // Entra ID: a bare id; Microsoft's older reference form: `path: "manager"` with a one-element array
      op.path = `${ENTERPRISE_USER}:manager`;
      op.value = managerValue(op.value);
    } else op.value = fixStringBooleans(op.value);
    if (path === undefined) op.value = dropExtensionSchemas(op.value);
    else if (
      [ENTERPRISE_USER, GENESYS_USER].some((e) => e.toLowerCase() === path.toLowerCase()) &&
      typeof op.value === "object" &&
      op.value !== null &&
      !Array.isArray(op.value)
    ) {
      const { schemas: _schemas, ...rest } = op.value as Record<string, unknown>;
      op.value = rest;
    }
    return op;
  });
  return { ...b, [key]: ops };
}

/**
 * An extension's value is an object of its attributes; some clients copy the resource's `schemas` into
 * it too. That key is not an attribute of the extension (RFC 7643 §3.3) and SCIMMY fails on it, so it
 * is dropped.
 */
export function dropExtensionSchemas(value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (/^urn:/i.test(k) && typeof v === "object" && v !== null && !Array.isArray(v)) {
      const { schemas: _schemas, ...rest } = v as Record<string, unknown>;
      out[k] = rest;
    } else out[k] = v;
  }
  return out;
}
