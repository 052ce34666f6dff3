/**
 * `POST /Bulk` (RFC 7644 §3.7): the operations of a BulkRequest run one after another, each as its
 * single form would (the same rights, division scoping, validation and outbox), each in its own
 * transaction: a bulk request is not atomic. `bulkId:<id>` in a path or anywhere in data stands for the
 * resource created by the POST operation carrying that bulkId; operations run in an order that resolves
 * those references (§3.7.2), and an operation whose reference cannot be resolved (undefined, failed, or
 * circular) fails with 409. After `failOnErrors` errors the rest is not run (§3.7.3).
 */
import { ScimError } from "./scim-error.js";
import { LIMITS } from "./limits.js";

export const BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
export const BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

export type BulkMethod = "POST" | "PUT" | "PATCH" | "DELETE";

export interface BulkOperation {
  method: BulkMethod;
  bulkId?: string;
  version?: string;
  path: string;
  data?: unknown;
}

/** What running one operation gave. */
export interface BulkOutcome {
  status: number;
  /** The resource's id, after a POST. */
  id?: string;
  location?: string;
  version?: string;
  /** An error's SCIM body. */
  response?: Record<string, unknown>;
}

export interface BulkResult {
  method: BulkMethod;
  bulkId?: string;
  location?: string;
  version?: string;
  status: string;
  response?: Record<string, unknown>;
}

const METHODS = new Set<BulkMethod>(["POST", "PUT", "PATCH", "DELETE"]);
const REF = /^bulkId:(.+)$/;

/** Parses and checks a BulkRequest: its schema, its size, and each operation's shape. */
export function parseBulkRequest(body: unknown): { operations: BulkOperation[]; failOnErrors?: number } {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new ScimError(400, "invalidSyntax", "a Bulk body must be a BulkRequest object");
  const b = body as Record<string, unknown>;
  if (!Array.isArray(b.schemas) || !b.schemas.some((s) => typeof s === "string" && s.toLowerCase() === BULK_REQUEST.toLowerCase())) {
    throw new ScimError(400, "invalidSyntax", `a Bulk body must list the schema ${BULK_REQUEST}`);
  }
  const ops = b.Operations ?? b.operations;
  if (!Array.isArray(ops)) throw new ScimError(400, "invalidSyntax", "BulkRequest needs an Operations array");
  if (ops.length > LIMITS.bulkOperations)
    throw new ScimError(
      413,
      null,
      `a BulkRequest may carry at most ${LIMITS.bulkOperations} operations (ServiceProviderConfig bulk.maxOperations); got ${ops.length}`,
    );
  let failOnErrors: number | undefined;
  if (b.failOnErrors !== undefined) {
    if (typeof b.failOnErrors !== "number" || !Number.isInteger(b.failOnErrors) || b.failOnErrors < 1)
      throw new ScimError(400, "invalidValue", "failOnErrors must be a whole number of at least 1");
    failOnErrors = b.failOnErrors;
  }
  const bulkIds = new Set<string>();
  const operations = ops.map((o: unknown, i): BulkOperation => {
    if (typeof o !== "object" || o === null || Array.isArray(o))
      throw new ScimError(400, "invalidSyntax", `Operations[${i}] must be an object`);
    const r = o as Record<string, unknown>;
    const method = typeof r.method === "string" ? (r.method.toUpperCase() as BulkMethod) : undefined;
    if (!method || !METHODS.has(method))
      throw new ScimError(400, "invalidSyntax", `Operations[${i}].method must be POST, PUT, PATCH or DELETE`);
    if (typeof r.path !== "string" || !r.path.trim()) throw new ScimError(400, "invalidSyntax", `Operations[${i}].path is required`);
    if (r.bulkId !== undefined && (typeof r.bulkId !== "string" || !r.bulkId))
      throw new ScimError(400, "invalidValue", `Operations[${i}].bulkId must be a non-empty string`);
    if (method === "POST" && r.bulkId === undefined) throw new ScimError(400, "invalidValue", `Operations[${i}]: a POST needs a bulkId`);
    if (typeof r.bulkId === "string") {
      if (bulkIds.has(r.bulkId))
        throw new ScimError(400, "invalidValue", `Operations[${i}]: bulkId ${JSON.stringify(r.bulkId)} is used twice`);
      bulkIds.add(r.bulkId);
    }
    if (method !== "DELETE" && (typeof r.data !== "object" || r.data === null || Array.isArray(r.data)))
      throw new ScimError(400, "invalidValue", `Operations[${i}]: ${method} needs data (an object)`);
    if (r.version !== undefined && typeof r.version !== "string")
      throw new ScimError(400, "invalidValue", `Operations[${i}].version must be a string`);
    return {
      method,
      path: r.path.trim(),
      ...(typeof r.bulkId === "string" ? { bulkId: r.bulkId } : {}),
      ...(typeof r.version === "string" ? { version: r.version } : {}),
      ...(r.data !== undefined ? { data: r.data } : {}),
    };
  });
  return failOnErrors === undefined ? { operations } : { operations, failOnErrors };
}

/** The bulkIds an operation refers to, in its path or anywhere in its data. */
export function referencesOf(op: BulkOperation): Set<string> {
  const refs = new Set<string>();
  for (const segment of op.path.split("/")) {
    const m = REF.exec(segment);
    if (m) refs.add(m[1]!);
  }
  const stack: unknown[] = [op.data];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === "string") {
      const m = REF.exec(v);
      if (m) refs.add(m[1]!);
    } else if (Array.isArray(v)) stack.push(...v);
    else if (typeof v === "object" && v !== null) stack.push(...Object.values(v));
  }
  return refs;
}

/** The operation with every `bulkId:<id>` replaced by the id it resolved to. */
export function resolveReferences(op: BulkOperation, ids: ReadonlyMap<string, string>): BulkOperation {
  const swap = (s: string) => {
    const m = REF.exec(s);
    return m && ids.has(m[1]!) ? ids.get(m[1]!)! : s;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return swap(v);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return { ...op, path: op.path.split("/").map(swap).join("/"), ...(op.data !== undefined ? { data: walk(op.data) } : {}) };
}

/**
 * Runs the operations with `run`, in request order except where an operation must wait for the POST
 * that defines a bulkId it refers to. Returns the results in the order they ran.
 */
export async function runBulk(
  operations: readonly BulkOperation[],
  failOnErrors: number | undefined,
  run: (op: BulkOperation) => Promise<BulkOutcome>,
): Promise<BulkResult[]> {
  const defined = new Set(operations.flatMap((o) => (o.bulkId && o.method === "POST" ? [o.bulkId] : [])));
  const ids = new Map<string, string>();
  const failedIds = new Set<string>();
  const pending = operations.map((op) => ({ op, refs: referencesOf(op) }));
  const results: BulkResult[] = [];
  let errors = 0;
  const record = (op: BulkOperation, outcome: BulkOutcome) => {
    const failed = outcome.status >= 400;
    if (failed) errors++;
    if (op.bulkId && failed) failedIds.add(op.bulkId);
    if (op.bulkId && !failed && outcome.id) ids.set(op.bulkId, outcome.id);
    results.push({
      method: op.method,
      ...(op.bulkId ? { bulkId: op.bulkId } : {}),
      ...(outcome.location ? { location: outcome.location } : {}),
      ...(outcome.version ? { version: outcome.version } : {}),
      status: String(outcome.status),
      ...(outcome.response ? { response: outcome.response } : {}),
    });
  };
  const unresolvable = (status: number, detail: string): BulkOutcome => ({
    status,
    response: new ScimError(status, status === 400 ? "invalidValue" : null, detail).toJSON(),
  });
  while (pending.length > 0 && (failOnErrors === undefined || errors < failOnErrors)) {
    // the first operation whose references are all settled (resolved, or failed/undefined: it fails too)
    const ready = pending.findIndex((p) => [...p.refs].every((r) => ids.has(r) || failedIds.has(r) || !defined.has(r)));
    if (ready < 0) {
      // what is left refers only to itself or each other: a circle (§3.7.2)
      const { op, refs } = pending.shift()!;
      record(
        op,
        unresolvable(
          409,
          `bulkId reference${refs.size > 1 ? "s" : ""} ${[...refs].map((r) => JSON.stringify(r)).join(", ")} form a circle and cannot be resolved`,
        ),
      );
      continue;
    }
    const [{ op, refs }] = pending.splice(ready, 1) as [{ op: BulkOperation; refs: Set<string> }];
    const undefinedRef = [...refs].find((r) => !defined.has(r));
    const failedRef = [...refs].find((r) => failedIds.has(r));
    if (undefinedRef !== undefined)
      record(op, unresolvable(400, `bulkId ${JSON.stringify(undefinedRef)} is not the bulkId of any POST in this request`));
    else if (failedRef !== undefined)
      record(op, unresolvable(409, `bulkId ${JSON.stringify(failedRef)} refers to an operation that failed`));
    else record(op, await run(resolveReferences(op, ids)));
  }
  return results;
}
