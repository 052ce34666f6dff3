import { ScimError } from "./scim-error.js";
import { LIMITS } from "./limits.js";

export const PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

export interface PatchOperation {
  op: "add" | "replace" | "remove";
  path?: string;
  value?: unknown;
}

/**
 * RFC 7644 §3.5.2 PatchOp. Operation names in any case (Entra ID sends `Replace`); an empty
 * `Operations` list is a valid no-op (Entra's validator sends one).
 */
export function parsePatchMessage(body: unknown): PatchOperation[] {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new ScimError(400, "invalidSyntax", "a PATCH body must be a PatchOp object");
  const b = body as Record<string, unknown>;
  const schemas = b.schemas;
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === "string" && s.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase())) {
    throw new ScimError(400, "invalidSyntax", `a PATCH body must list the schema ${PATCH_OP_SCHEMA}`);
  }
  const ops = b.Operations ?? b.operations;
  if (!Array.isArray(ops)) throw new ScimError(400, "invalidSyntax", "PatchOp needs an Operations array");
  if (ops.length > LIMITS.patchOperations)
    throw new ScimError(400, "tooMany", `a PatchOp may carry at most ${LIMITS.patchOperations} operations; got ${ops.length}`);
  return ops.map((o: unknown, i) => {
    if (typeof o !== "object" || o === null) throw new ScimError(400, "invalidSyntax", `Operations[${i}] must be an object`);
    const r = o as Record<string, unknown>;
    const op = typeof r.op === "string" ? r.op.toLowerCase() : "";
    if (op !== "add" && op !== "replace" && op !== "remove")
      throw new ScimError(400, "invalidSyntax", `Operations[${i}].op must be add, replace or remove`);
    if (r.path !== undefined && (typeof r.path !== "string" || !r.path.trim()))
      throw new ScimError(400, "invalidPath", `Operations[${i}].path must be a non-empty string`);
    // RFC 7644 §3.5.2.1, §3.5.2.3: add and replace carry a value; without a path, an object of attributes
    if (op !== "remove") {
      if (r.value === undefined || (op === "add" && r.value === null))
        throw new ScimError(400, "invalidValue", `Operations[${i}]: ${op} needs a value`);
      if (r.path === undefined && (typeof r.value !== "object" || r.value === null || Array.isArray(r.value))) {
        throw new ScimError(400, "invalidValue", `Operations[${i}]: without a path, value must be an object of attributes`);
      }
    }
    return { op, path: r.path as string | undefined, value: r.value };
  });
}
