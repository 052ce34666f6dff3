/**
 * Input refused at the edge, before any parser or the store sees it: text the store cannot hold, and
 * names that would let a request write to a shared prototype.
 *
 * Text: PostgreSQL's text and jsonb types cannot hold U+0000, and a lone UTF-16 surrogate has no
 * UTF-8 form (RFC 3629 §3), so either would fail deep in the store with a 500.
 *
 * Names: *
 * Libraries that turn attribute paths into nested objects (SCIMMY's filter and attribute parsers do:
 * `target = target[name] ?? {}`) write onto `Object.prototype` when a path segment is `__proto__`, or
 * onto the `Object` function through `constructor` and its `prototype`. No SCIM schema has an attribute
 * of those names, and RFC 7644 §3.10's ATTRNAME cannot even start with `_`, so they are refused
 * wherever a client can name an attribute: in paths, filters, and the keys of a JSON body.
 */

/** Compared case-insensitively: SCIMMY lower-cases names before it uses them as keys. */
const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);

/** The deepest JSON a body may nest (RFC 7643 resources nest three levels; a PatchOp value five). */
export const MAX_JSON_DEPTH = 32;

export function isForbiddenName(name: string): boolean {
  return FORBIDDEN.has(name.toLowerCase());
}

/** A string literal in a filter, with its escapes (RFC 7159 §7). */
const STRING_LITERAL = /"(?:[^"\\]|\\.)*"?/g;
/** An unquoted comparison value (Microsoft's suite sends `userName eq Foo`): a value, not a name. */
const BARE_VALUE = /\b(eq|ne|co|sw|ew|gt|lt|ge|le)\s+[^\s()[\]"]+/gi;
/** What separates names in paths, filters and schema URNs. */
const SEPARATORS = /[^A-Za-z0-9_$-]+/;

/**
 * The first forbidden name in an attribute path, a comma-separated list of paths, a PATCH path or a
 * filter; quoted (and bare comparison) values are not names and are skipped. Null when there is none.
 */
export function forbiddenNameIn(expression: string): string | null {
  const names = expression.replace(STRING_LITERAL, " ").replace(BARE_VALUE, " ").split(SEPARATORS);
  return names.find((n) => n !== "" && isForbiddenName(n)) ?? null;
}

/** NUL, or a UTF-16 surrogate without its pair. */
// eslint-disable-next-line no-control-regex -- finding NUL is the point: PostgreSQL text cannot hold it
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Does this text hold a character the store cannot keep? */
export function isUnstorable(text: string): boolean {
  return UNSTORABLE.test(text);
}

export type BodyProblem = { kind: "name"; name: string; at: string } | { kind: "depth"; at: string } | { kind: "text"; at: string };

/**
 * Walks a parsed JSON value without recursion (a body nested 10,000 deep must not overflow the
 * stack) and returns the first key naming a prototype, or the first place deeper than `maxDepth`.
 */
export function findBodyProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): BodyProblem | null {
  const stack: Array<{ v: unknown; depth: number; at: string }> = [{ v: value, depth: 0, at: "" }];
  while (stack.length > 0) {
    const { v, depth, at } = stack.pop()!;
    if (typeof v === "string" && isUnstorable(v)) return { kind: "text", at: at || "(body)" };
    if (typeof v !== "object" || v === null) continue;
    if (depth >= maxDepth) return { kind: "depth", at: at || "(body)" };
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push({ v: v[i], depth: depth + 1, at: `${at}[${i}]` });
      continue;
    }
    for (const key of Object.keys(v)) {
      const here = at ? `${at}.${key}` : key;
      if (isForbiddenName(key)) return { kind: "name", name: key, at: here };
      if (isUnstorable(key)) return { kind: "text", at: here };
      stack.push({ v: (v as Record<string, unknown>)[key], depth: depth + 1, at: here });
    }
  }
  return null;
}

/** A message for a body problem, naming where it is. */
export function describeBodyProblem(p: BodyProblem, maxDepth = MAX_JSON_DEPTH): string {
  // JSON.stringify escapes NUL and lone surrogates, so the message itself is always storable text
  const at = JSON.stringify(p.at.slice(0, 200));
  switch (p.kind) {
    case "name":
      return `${at}: "${p.name}" is not an attribute name this service accepts`;
    case "depth":
      return `the body nests deeper than ${maxDepth} levels (at ${at})`;
    case "text":
      return `${at}: text may not contain U+0000 or an unpaired UTF-16 surrogate`;
  }
}

/**
 * Defence in depth for the process as a whole, applied once at start-up: the `__proto__` accessor is
 * removed (what `node --disable-proto=delete` does), so `obj["__proto__"]` is an ordinary key, and the
 * shared prototypes take no new properties. Existing properties stay writable: freezing them would
 * break libraries that assign an inherited name such as `toString` on their own objects.
 */
export function hardenPrototypes(): void {
  delete (Object.prototype as { __proto__?: unknown }).__proto__;
  for (const shared of [Object.prototype, Object, Function.prototype, Array.prototype, String.prototype]) Object.preventExtensions(shared);
}

/**
 * A problem with the request target: a path segment that is not valid percent-encoded UTF-8 (RFC 3986
 * §2.1), or a path segment or query value holding text the store cannot keep. Null when there is none.
 */
export function findTargetProblem(path: string, query: unknown): string | null {
  for (const segment of path.split("/")) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return "the request path is not valid percent-encoded UTF-8";
    }
    if (isUnstorable(decoded)) return "the request path may not contain U+0000 or an unpaired UTF-16 surrogate";
  }
  if (query && typeof query === "object") {
    for (const [name, value] of Object.entries(query as Record<string, unknown>)) {
      const values = Array.isArray(value) ? value : [value];
      if (isUnstorable(name) || values.some((v) => typeof v === "string" && isUnstorable(v))) {
        // eslint-disable-next-line no-control-regex -- NUL is what is removed
        return `query parameter ${JSON.stringify(name.replace(/\u0000/g, ""))} may not contain U+0000 or an unpaired UTF-16 surrogate`;
      }
    }
  }
  return null;
}
