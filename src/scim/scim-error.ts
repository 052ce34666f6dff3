/**
 * A SCIM protocol error (RFC 7644 §3.12): any status, so that 429 and 503 render in SCIM's format too
 * (SCIMMY's own error type only allows a fixed list). `scimType` only where the RFC defines one for 400/409/413.
 */
export type ScimType =
  | "invalidFilter"
  | "tooMany"
  | "uniqueness"
  | "mutability"
  | "invalidSyntax"
  | "invalidPath"
  | "noTarget"
  | "invalidValue"
  | "invalidVers"
  | "sensitive";

/**
 * RFC 7644 §3.12 Table 9: `uniqueness` goes with 409 Conflict, every other scimType with 400 Bad
 * Request; no other status carries one.
 */
export function scimTypeFits(status: number, scimType: unknown): boolean {
  if (scimType === null || scimType === undefined) return true;
  return scimType === "uniqueness" ? status === 409 : status === 400 && SCIM_TYPES.has(scimType as ScimType);
}

const SCIM_TYPES = new Set<ScimType>([
  "invalidFilter",
  "tooMany",
  "uniqueness",
  "mutability",
  "invalidSyntax",
  "invalidPath",
  "noTarget",
  "invalidValue",
  "invalidVers",
  "sensitive",
]);

export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: ScimType | null,
    readonly detail: string,
    /** Seconds, sent as `Retry-After` with 503 and 429. */
    readonly retryAfter?: number,
  ) {
    super(detail);
    this.name = "ScimError";
    // a programming error, caught by the tests of every path that builds one
    if (!scimTypeFits(status, scimType)) throw new RangeError(`scimType ${scimType} does not go with status ${status} (RFC 7644 §3.12)`);
  }

  toJSON(): Record<string, unknown> {
    return {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
      status: String(this.status),
      ...(this.scimType ? { scimType: this.scimType } : {}),
      detail: this.detail,
    };
  }
}

export const invalidFilter = (detail: string) => new ScimError(400, "invalidFilter", detail);
export const invalidValue = (detail: string) => new ScimError(400, "invalidValue", detail);

/** The shapes of JavaScript engine messages (V8's TypeError, RangeError, SyntaxError texts). */
const ENGINE_MESSAGE =
  /Cannot (read|set|convert|assign|create|add|destructure|access|use)\b|is not (a function|iterable|defined|a constructor|extensible)|object is not extensible|Maximum call stack|Unexpected (token|end)|Invalid (array length|time value)|undefined or null|\(reading '/;

/**
 * A SCIMMY error message as a client may read it: SCIMMY wraps JavaScript exceptions raised while it
 * applies a PatchOp into its own errors, engine text included; that text says nothing useful to a
 * client and tells an attacker about the code, so it is replaced, keeping SCIMMY's note of which
 * operation failed.
 */
export function publicDetail(message: string): string {
  if (!ENGINE_MESSAGE.test(message)) return message;
  const where = / for '(add|remove|replace)' op of operation \d+ in PatchOp request body$/.exec(message)?.[0] ?? "";
  return `the value or path does not fit the resource's schema${where}`;
}
