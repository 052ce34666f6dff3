/**
 * RFC 7644 §3.4.2.2 filters, parsed into a tree that the store turns into SQL.
 *
 * SCIMMY's parser is not used: it flattens filters into a disjunctive form that turns
 * `not (a and b)` into `not a and not b`, merges `emails[...] and emails[...]` into one value path
 * (one e-mail must then satisfy both), and accepts a trailing `and`. This parser keeps the tree.
 * Beyond the RFC it accepts what real clients send: attribute names in any case, bare unquoted
 * values (`userName sw O`, Microsoft's reference suite) and a sub-attribute after a value path
 * (`emails[type eq "work"].value eq "x"`, Entra ID).
 */
import { invalidFilter } from "./scim-error.js";

export const COMPARE_OPS = ["eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le"] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];
export type FilterValue = string | number | boolean | null;

/** `urn:...:User:manager.value` → schema `urn:...:user`, attr `manager`, sub `value` (names lower-cased). */
export interface AttrPath {
  schema?: string;
  attr: string;
  sub?: string;
}

export type FilterNode =
  | { kind: "and" | "or"; left: FilterNode; right: FilterNode }
  | { kind: "not"; expr: FilterNode }
  | { kind: "compare"; path: AttrPath; op: CompareOp; value: FilterValue }
  | { kind: "present"; path: AttrPath }
  /** `attr[filter]`: one element of the multi-valued `attr` satisfies `filter` (whose paths are its sub-attributes). */
  | { kind: "valuePath"; path: AttrPath; filter: FilterNode };

type Token =
  | { t: "word"; v: string; raw: string }
  | { t: "string"; v: string }
  | { t: "("; v: "(" }
  | { t: ")"; v: ")" }
  | { t: "["; v: "[" }
  | { t: "]"; v: "]" };

const MAX_FILTER_LENGTH = 4096;

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
    } else if (c === "(" || c === ")" || c === "[" || c === "]") {
      tokens.push({ t: c, v: c } as Token);
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < input.length && input[j] !== '"') j += input[j] === "\\" ? 2 : 1;
      if (j >= input.length) throw invalidFilter(`unterminated string starting at position ${i + 1}`);
      const raw = input.slice(i, j + 1);
      try {
        tokens.push({ t: "string", v: JSON.parse(raw) as string });
      } catch {
        throw invalidFilter(`invalid string ${raw}`);
      }
      i = j + 1;
    } else {
      let j = i;
      while (j < input.length && !' \t\r\n()[]"'.includes(input[j]!)) j++;
      const raw = input.slice(i, j);
      tokens.push({ t: "word", v: raw.toLowerCase(), raw });
      i = j;
    }
  }
  return tokens;
}

const ATTR_NAME = /^[a-z$][\w$-]*$/i;

/** Parses an attribute path as RFC 7644 §3.10 writes it; throws with `error` for bad ones. */
export function parseAttrPath(raw: string, error: (detail: string) => Error = invalidFilter): AttrPath {
  let schema: string | undefined;
  let rest = raw;
  if (/^urn:/i.test(raw)) {
    const cut = raw.lastIndexOf(":");
    schema = raw.slice(0, cut).toLowerCase();
    rest = raw.slice(cut + 1);
  }
  const parts = rest.split(".");
  if (parts.length > 2 || parts.some((p) => !ATTR_NAME.test(p))) throw error(`invalid attribute path "${raw}"`);
  return { schema, attr: parts[0]!.toLowerCase(), sub: parts[1]?.toLowerCase() };
}

function literal(tok: Token | undefined, op: string): FilterValue {
  if (!tok) throw invalidFilter(`operator "${op}" needs a value`);
  if (tok.t === "string") return tok.v;
  if (tok.t !== "word") throw invalidFilter(`operator "${op}" needs a value, found "${tok.v}"`);
  if (tok.v === "true") return true;
  if (tok.v === "false") return false;
  if (tok.v === "null") return null;
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(tok.raw)) return Number(tok.raw);
  if (tok.v === "and" || tok.v === "or" || tok.v === "not") throw invalidFilter(`operator "${op}" needs a value, found "${tok.raw}"`);
  return tok.raw; // a bare word: not RFC JSON, but sent by Microsoft's reference suite
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peekWord(): string | undefined {
    const t = this.tokens[this.i];
    return t?.t === "word" ? t.v : undefined;
  }

  parse(): FilterNode {
    if (this.tokens.length === 0) throw invalidFilter("empty filter");
    const node = this.or();
    if (this.i < this.tokens.length)
      throw invalidFilter(`unexpected "${(this.tokens[this.i] as { raw?: string; v: string }).raw ?? this.tokens[this.i]!.v}"`);
    return node;
  }

  private or(): FilterNode {
    let left = this.and();
    while (this.peekWord() === "or") {
      this.i++;
      left = { kind: "or", left, right: this.and() };
    }
    return left;
  }

  private and(): FilterNode {
    let left = this.unary();
    while (this.peekWord() === "and") {
      this.i++;
      left = { kind: "and", left, right: this.unary() };
    }
    return left;
  }

  private unary(): FilterNode {
    const t = this.tokens[this.i];
    if (!t) throw invalidFilter("filter ends where an expression was expected");
    if (t.t === "word" && t.v === "not") {
      this.i++;
      const next = this.tokens[this.i];
      if (next?.t !== "(") throw invalidFilter('"not" must be followed by a parenthesised expression');
      return { kind: "not", expr: this.unary() };
    }
    if (t.t === "(") {
      this.i++;
      const inner = this.or();
      if (this.tokens[this.i]?.t !== ")") throw invalidFilter("missing closing parenthesis");
      this.i++;
      return inner;
    }
    if (t.t !== "word" || t.v === "and" || t.v === "or")
      throw invalidFilter(`expected an attribute, found "${t.t === "word" ? t.raw : t.v}"`);
    this.i++;
    const path = parseAttrPath(t.raw);
    if (this.tokens[this.i]?.t === "[") {
      if (path.sub) throw invalidFilter(`a value filter applies to a multi-valued attribute, not "${t.raw}"`);
      this.i++;
      const filter = this.or();
      if (this.tokens[this.i]?.t !== "]") throw invalidFilter("missing closing bracket");
      this.i++;
      assertSubOnly(filter, t.raw);
      // Entra ID: `emails[type eq "work"].value eq "x"`
      const after = this.tokens[this.i];
      if (after?.t === "word" && after.raw.startsWith(".")) {
        this.i++;
        const sub = after.raw.slice(1);
        if (!ATTR_NAME.test(sub)) throw invalidFilter(`invalid sub-attribute "${after.raw}"`);
        const cmp = this.comparison({ attr: sub.toLowerCase() });
        return { kind: "valuePath", path, filter: { kind: "and", left: filter, right: cmp } };
      }
      return { kind: "valuePath", path, filter };
    }
    return this.comparison(path);
  }

  private comparison(path: AttrPath): FilterNode {
    const opTok = this.tokens[this.i];
    if (opTok?.t !== "word") throw invalidFilter(`expected an operator after the attribute`);
    this.i++;
    if (opTok.v === "pr") return { kind: "present", path };
    if (!(COMPARE_OPS as readonly string[]).includes(opTok.v)) throw invalidFilter(`unknown operator "${opTok.raw}"`);
    const value = literal(this.tokens[this.i], opTok.v);
    this.i++;
    return { kind: "compare", path, op: opTok.v as CompareOp, value };
  }
}

/** Inside `attr[...]` paths name sub-attributes of `attr`: no schema, no further nesting. */
function assertSubOnly(node: FilterNode, outer: string): void {
  switch (node.kind) {
    case "and":
    case "or":
      assertSubOnly(node.left, outer);
      assertSubOnly(node.right, outer);
      return;
    case "not":
      assertSubOnly(node.expr, outer);
      return;
    case "valuePath":
      throw invalidFilter(`value filters cannot nest inside "${outer}[...]"`);
    default:
      if (node.path.schema || node.path.sub) throw invalidFilter(`inside "${outer}[...]" name a sub-attribute of ${outer}`);
  }
}

export function parseFilter(input: string): FilterNode {
  if (input.length > MAX_FILTER_LENGTH) throw invalidFilter(`filter longer than ${MAX_FILTER_LENGTH} characters`);
  return new Parser(tokenize(input)).parse();
}
