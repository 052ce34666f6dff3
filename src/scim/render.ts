/**
 * A stored resource as SCIMMY's "out" coercion gives it, computed here without SCIMMY's per-request
 * machinery (a frozen schema instance with accessors for every attribute, built and validated twice
 * per resource, was a third of the cost of a GET). What is stored was validated by SCIMMY when it was
 * written, so reading it back needs only what that coercion changes: attributes in their schema's
 * order at every level, names as the schema spells them, values cast to their type (dateTime as ISO
 * 8601), null and absent values left out, `returned: never` attributes dropped (RFC 7643 §7), and an
 * extension without a value left out with its schema URN. Used only where no `attributes` or
 * `excludedAttributes` is asked (those go through SCIMMY); test/integration/scim/render.test.ts holds
 * it to SCIMMY's output, byte for byte, on every resource form the tests send.
 */
import SCIMMY from "scimmy";

type Json = Record<string, unknown>;
type Attribute = SCIMMY.Types.Attribute;
type Definition = SCIMMY.Types.SchemaDefinition;

const isDefinition = (a: unknown): a is Definition => a instanceof SCIMMY.Types.SchemaDefinition;

function returned(a: Attribute): boolean {
  const r = (a.config as { returned?: unknown }).returned;
  return r !== false && r !== "never";
}

function scalar(a: Attribute, v: unknown): unknown {
  switch (a.type) {
    case "dateTime":
      return new Date(v as string).toISOString();
    case "string":
    case "reference":
    case "binary":
      return String(v);
    case "boolean":
      return !!v;
    case "decimal":
    case "integer":
      return Number(v);
    case "complex":
      return typeof v === "object" ? object(a.subAttributes ?? [], v as Json) : undefined;
    default:
      return v;
  }
}

function value(a: Attribute, v: unknown): unknown {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.map((item) => scalar(a, item));
  return scalar(a, v);
}

/**
 * The source's value for an attribute: names are case-insensitive (RFC 7643 §2.1). Stored resources
 * already spell them as the schema does (SCIMMY's "in" coercion did), so the exact name almost always
 * answers; another spelling is looked for only when it does not.
 */
function lookUp(src: Json, name: string): unknown {
  const v = src[name];
  if (v !== undefined) return v;
  const lower = name.toLowerCase();
  let found: unknown;
  // SCIMMY lower-cases every key and the last one of a name wins
  for (const k of Object.keys(src)) if (k.length === name.length && k.toLowerCase() === lower) found = src[k];
  return found;
}

function object(attributes: readonly Attribute[], src: Json): Json {
  const out: Json = {};
  for (const a of attributes) {
    if (!returned(a)) continue;
    const v = value(a, lookUp(src, a.name));
    if (v !== undefined) out[a.name] = v;
  }
  return out;
}

/** Does the value hold anything but empty objects (SCIMMY leaves such an extension out)? */
function hasValues(v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== "object" || v === null || Array.isArray(v)) return true;
  return Object.values(v).some(hasValues);
}

/**
 * The resource, given with `id`, `meta` (resourceType, created, lastModified, version: location is
 * the answer's to add) and the read-only attributes put in, as the schema `definition` orders it.
 */
export function renderResource(definition: Definition, resource: Json): Json {
  const out: Json = {};
  const schemas: string[] = [definition.id];
  let schemasAt = -1;
  for (const a of definition.attributes as ReadonlyArray<Attribute | Definition>) {
    if (isDefinition(a)) {
      const ext = lookUp(resource, a.id);
      if (!ext || typeof ext !== "object") continue;
      const v = object(a.attributes as Attribute[], ext as Json);
      if (!hasValues(v)) continue;
      out[a.id] = v;
      schemas.push(a.id);
      continue;
    }
    if (a.name === "schemas") {
      schemasAt = Object.keys(out).length;
      out.schemas = schemas;
      continue;
    }
    if (!returned(a)) continue;
    const v = value(a, lookUp(resource, a.name));
    if (v !== undefined) out[a.name] = v;
  }
  if (schemasAt < 0) return { schemas, ...out };
  return out;
}

let definitions: { User: Definition; Group: Definition } | null = null;

/** The User and Group definitions as this bridge declared them (schemas.ts), read once. */
export function resourceDefinitions(): { User: Definition; Group: Definition } {
  definitions ??= { User: SCIMMY.Schemas.User.definition, Group: SCIMMY.Schemas.Group.definition };
  return definitions;
}

/** A resource as the store gives it (users.ts, groups.ts), with the location SCIMMY's coercion adds (`sendScim` makes it absolute). */
export function renderStored(kind: "User" | "Group", resource: Json): Json {
  const meta = resource.meta as Json;
  return renderResource(resourceDefinitions()[kind], { ...resource, meta: { ...meta, location: `/${kind}s/${String(resource.id)}` } });
}

/**
 * A body as SCIMMY's resource `write` takes it in ("in" coercion: the schema's validation), with its
 * errors as `write` turns them out, for writes that then go to the store without the rest of `write`.
 */
export function validatedForWrite(kind: "User" | "Group", id: string | undefined, instance: unknown): Json {
  const op = id === undefined ? "POST" : "PUT";
  if (instance === undefined) throw new SCIMMY.Types.Error(400, "invalidSyntax", `Missing request body payload for ${op} operation`);
  if (Object(instance) !== instance || Array.isArray(instance))
    throw new SCIMMY.Types.Error(400, "invalidSyntax", `Operation ${op} expected request body payload to be single complex value`);
  try {
    return new (kind === "User" ? SCIMMY.Schemas.User : SCIMMY.Schemas.Group)(instance as Json, "in") as unknown as Json;
  } catch (ex) {
    if (ex instanceof SCIMMY.Types.Error) throw ex;
    if (ex instanceof TypeError) throw new SCIMMY.Types.Error(400, "invalidValue", ex.message);
    throw ex;
  }
}
