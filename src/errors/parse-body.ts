/**
 * Request bodies checked against zod schemas, every problem named as a FieldError in the admin API's
 * terms (docs/oauth-clients.md: "a 400 whose body lists every field at fault"). A schema carries its
 * own messages (zod's `{ error: "..." }`); this module only turns zod's issues into FieldErrors.
 * Nothing here knows HTTP: each surface renders the DomainError in its own format.
 */
import { z } from "zod";
import { DomainError, type FieldError } from "./domain-error.js";

/** The name a field is reported under: `roleDivisions[0].divisionId`; the body itself is `(body)`. */
export function fieldName(path: readonly PropertyKey[]): string {
  let name = "";
  for (const seg of path) name += typeof seg === "number" ? `[${seg}]` : name ? `.${String(seg)}` : String(seg);
  return name || "(body)";
}

/**
 * One FieldError per issue, and one per unknown key (zod reports them together). Unknown keys come
 * first: a misspelt field explains the errors after it (`nmae` before `name: is required`).
 */
export function fieldErrors(error: z.ZodError): FieldError[] {
  const named = (issue: z.core.$ZodIssue): FieldError[] =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ field: fieldName([...issue.path, key]), message: issue.message }))
      : [{ field: fieldName(issue.path), message: issue.message }];
  const unknownKeys = error.issues.filter((i) => i.code === "unrecognized_keys");
  return [...unknownKeys, ...error.issues.filter((i) => i.code !== "unrecognized_keys")].flatMap(named);
}

/** A body parsed by its schema, or a validation DomainError naming every field at fault. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw DomainError.validation(fieldErrors(parsed.error));
}

const isJsonObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A body that is a JSON object with exactly `shape`'s fields: any other key is a FieldError of its own
 * with `unknownField` as the message. The `ignored` keys are what a GET returns and the server sets
 * (ids, dates): they are dropped unread, so that a GET can be PUT back (docs/oauth-clients.md, Fields).
 */
export function bodyObject<S extends z.core.$ZodLooseShape>(shape: S, opts: { unknownField: string; ignored?: readonly string[] }) {
  const ignored = new Set(opts.ignored ?? []);
  const dropIgnored = (v: unknown): unknown =>
    isJsonObject(v) && ignored.size ? Object.fromEntries(Object.entries(v).filter(([k]) => !ignored.has(k))) : v;
  const error = (issue: z.core.$ZodRawIssue): string => (issue.code === "unrecognized_keys" ? opts.unknownField : "must be a JSON object");
  return z.preprocess(dropIgnored, z.strictObject(shape, { error }));
}

/**
 * `schema` checked as one value: a problem anywhere inside it is one FieldError at the value itself,
 * with `message` (a grant `{roleId, divisionId}` is reported as `roleDivisions[0]`, not at its parts).
 */
export function asOne<T>(schema: z.ZodType<T>, message: string) {
  return z.unknown().transform((value, ctx): T => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    ctx.addIssue({ code: "custom", message, input: value });
    return z.NEVER;
  });
}
