/**
 * Compiles a filter tree (filter.ts) into a SQL condition on the resource row `r`, with `$n`
 * parameters: indexed columns where the catalog names one, JSON paths into `r.resource` otherwise.
 * RFC 7644 §3.4.2.2; case-insensitive comparison unless the attribute is caseExact (RFC 7643 §2.2).
 */
import type { AttrInfo, Catalog, Column } from "./catalog.js";
import type { AttrPath, CompareOp, FilterNode, FilterValue } from "./filter.js";
import { invalidFilter } from "./scim-error.js";
import { type Params, type Scalar, arrayOf, cast, compareScalar, describe, kindOf, presentScalar } from "./filter-scalar.js";
import { visibleMemberSql, type DivisionScope } from "./division-scope.js";

export interface CompileOptions {
  catalog: Catalog;
  /** Whose group members a `members` filter may match: only those the client may see. */
  memberScope?: DivisionScope;
}

export function compileFilter(node: FilterNode, opts: CompileOptions, p: Params): string {
  return new Compiler(opts, p).node(node);
}

class Compiler {
  constructor(
    /** null where only membership rows are filtered (a PATCH path's `members[...]`). */
    private readonly opts: { catalog: Catalog | null; memberScope?: DivisionScope },
    private readonly p: Params,
  ) {}

  node(n: FilterNode): string {
    switch (n.kind) {
      case "and":
        return `(${this.node(n.left)} and ${this.node(n.right)})`;
      case "or":
        return `(${this.node(n.left)} or ${this.node(n.right)})`;
      case "not":
        return `(not coalesce(${this.node(n.expr)}, false))`;
      case "compare":
        return this.leaf(n.path, (x, label) => compareScalar(x, n.op, n.value, this.p, label), n.op, n.value);
      case "present":
        return this.leaf(n.path, (x) => presentScalar(x), "pr");
      case "valuePath":
        return this.valuePath(n.path, n.filter);
    }
  }

  private resolve(path: AttrPath) {
    const r = this.opts.catalog?.resolve(path);
    if (!r) throw invalidFilter(`unknown attribute "${describe(path)}"`);
    return r;
  }

  /** A comparison or presence test on `path`, wherever it is stored. */
  private leaf(path: AttrPath, test: (x: Scalar, label: string) => string, op: CompareOp | "pr", value?: FilterValue): string {
    const label = describe(path);
    const { attr, sub, column } = this.resolve(path);
    if (column) return this.onColumn(column, attr, sub, test, op, label, value);
    const unstored = this.unstored(path, attr, sub, test, op, label);
    if (unstored !== undefined) return unstored;
    if (!attr.multiValued) {
      const target = sub ?? attr;
      if (target.type === "complex") {
        if (op === "pr")
          return `(jsonb_typeof(r.resource #> ${this.p.add(attr.jsonPath)}::text[]) = 'object' and r.resource #> ${this.p.add(attr.jsonPath)}::text[] <> '{}'::jsonb)`;
        throw invalidFilter(`"${label}" is complex: compare one of its sub-attributes`);
      }
      const kind = kindOf(target.type);
      if (!kind) throw invalidFilter(`"${label}" cannot be filtered`);
      const jsonPath = sub ? [...attr.jsonPath, sub.name] : attr.jsonPath;
      return test({ sql: cast(`r.resource #>> ${this.p.add(jsonPath)}::text[]`, kind), kind, caseExact: target.caseExact }, label);
    }
    // multi-valued: some element satisfies the test (RFC 7644 §3.4.2.2); a complex one compares `value`
    const arr = arrayOf(`r.resource #> ${this.p.add(attr.jsonPath)}::text[]`);
    if (op === "pr" && !sub) return `(jsonb_array_length(${arr}) > 0)`;
    const element = this.elementScalar(attr, sub, label);
    return `exists (select 1 from jsonb_array_elements(${arr}) e where ${test(element, label)})`;
  }

  /**
   * Attributes the resource JSON does not hold (users.ts and groups.ts strip them before storing) and
   * no column answers for: a membership's other sub-attributes, refused as in brackets; `meta`, decided
   * by the row. undefined for every other attribute.
   */
  private unstored(
    path: AttrPath,
    attr: AttrInfo,
    sub: AttrInfo | undefined,
    test: (x: Scalar, label: string) => string,
    op: CompareOp | "pr",
    label: string,
  ): string | undefined {
    if (sub) {
      // `members.display`, `groups.display`, `groups.$ref`: as `members[display ...]` is refused
      const { sub: _sub, ...parentPath } = path;
      const parent = this.opts.catalog?.resolve(parentPath)?.column;
      if (parent?.kind === "members" || parent?.kind === "groups")
        return this.membership(parent.kind, [{ sub: sub.name.toLowerCase(), test, op }], label);
    }
    if (this.opts.catalog && attr.name === "meta" && attr.jsonPath.length === 1) {
      // meta.created and meta.lastModified have columns; every resource has a meta
      if (!sub) return op === "pr" ? "true" : undefined;
      switch (sub.name) {
        case "resourceType":
          // RFC 7644 §3.4.3's root search `meta.resourceType eq "User"`: the type of the resources searched
          return test({ sql: `${this.p.add(resourceTypeOf(this.opts.catalog))}::text`, kind: "text", caseExact: sub.caseExact }, label);
        case "version":
          // the weak ETag users.ts and groups.ts render (change-log.ts etagOf)
          return test({ sql: `('W/"' || r.version || '"')`, kind: "text", caseExact: sub.caseExact }, label);
        default:
          // meta.location carries the base URL of the request, which a filter cannot know
          throw invalidFilter(`"${label}" cannot be filtered`);
      }
    }
    return undefined;
  }

  /** The scalar inside one element `e` of a multi-valued attribute. */
  private elementScalar(attr: AttrInfo, sub: AttrInfo | undefined, label: string): Scalar {
    if (attr.type !== "complex") {
      const kind = kindOf(attr.type);
      if (!kind) throw invalidFilter(`"${label}" cannot be filtered`);
      return { sql: cast("e #>> '{}'", kind), kind, caseExact: attr.caseExact };
    }
    const target = sub ?? attr.sub.get("value");
    if (!target) throw invalidFilter(`"${label}" is complex: name a sub-attribute`);
    const kind = kindOf(target.type);
    if (!kind) throw invalidFilter(`"${label}" cannot be filtered`);
    return { sql: cast(`e ->> ${this.p.add(target.name)}`, kind), kind, caseExact: target.caseExact };
  }

  private onColumn(
    column: Column,
    attr: AttrInfo,
    sub: AttrInfo | undefined,
    test: (x: Scalar, label: string) => string,
    op: CompareOp | "pr",
    label: string,
    value?: FilterValue,
  ): string {
    const target = sub ?? attr;
    switch (column.kind) {
      case "lc":
        return test({ sql: column.sql, kind: "text", caseExact: false, lowered: true }, label);
      case "text":
        return test({ sql: column.sql, kind: "text", caseExact: target.caseExact || attr.name === "id" }, label);
      case "bool":
        return test({ sql: column.sql, kind: "bool", caseExact: true }, label);
      case "time":
        return test({ sql: column.sql, kind: "time", caseExact: true }, label);
      case "emails": {
        if (op === "pr") return `(cardinality(${column.sql}) > 0)`;
        // `eq` answers from the GIN index; other operators test each value
        if (op === "eq" && typeof value === "string") return `(${column.sql} @> array[lower(${this.p.add(value)})])`;
        return `exists (select 1 from unnest(${column.sql}) v where ${test({ sql: "v", kind: "text", caseExact: false, lowered: true }, label)})`;
      }
      case "members":
      case "groups":
        return this.membership(column.kind, [{ sub: sub?.name.toLowerCase() ?? "value", test, op }], label);
    }
  }

  /** A condition on one membership row `m` of a group (`members[...]` in a PATCH path). */
  memberCondition(filter: FilterNode): string {
    return this.membershipInner(filter, membershipScalar("members", "members"));
  }

  /** `members.value eq "x"`, `members[value eq "x"]`, `groups.value eq "x"`: the membership table. */
  private membership(
    kind: "members" | "groups",
    tests: Array<{ sub: string; test: (x: Scalar, label: string) => string; op: CompareOp | "pr" }>,
    label: string,
    inner?: FilterNode,
  ): string {
    // a member the client may not see is not matched either (its existence must not show)
    const own =
      kind === "members"
        ? `m.group_id = r.id and ${visibleMemberSql(this.opts.memberScope ?? { all: true }, (v) => this.p.add(v))}`
        : "m.member_id = r.id";
    const scalarFor = membershipScalar(kind, label);
    const conds = inner
      ? [this.membershipInner(inner, scalarFor)]
      : tests.map((t) => (t.op === "pr" && t.sub === "value" ? "true" : t.test(scalarFor(t.sub), label)));
    return `exists (select 1 from scim_group_members m where ${own} and ${conds.join(" and ")})`;
  }

  private membershipInner(n: FilterNode, scalarFor: (sub: string) => Scalar): string {
    switch (n.kind) {
      case "and":
      case "or":
        return `(${this.membershipInner(n.left, scalarFor)} ${n.kind} ${this.membershipInner(n.right, scalarFor)})`;
      case "not":
        return `(not coalesce(${this.membershipInner(n.expr, scalarFor)}, false))`;
      case "compare":
        return compareScalar(scalarFor(n.path.attr), n.op, n.value, this.p, n.path.attr);
      case "present":
        return presentScalar(scalarFor(n.path.attr));
      case "valuePath":
        throw invalidFilter("value filters cannot nest");
    }
  }

  /** `attr[filter]`: one element satisfies the whole inner filter (RFC 7644 §3.4.2.2). */
  private valuePath(path: AttrPath, filter: FilterNode): string {
    const label = describe(path);
    const { attr, column } = this.resolve(path);
    if (column?.kind === "members" || column?.kind === "groups") return this.membership(column.kind, [], label, filter);
    if (!attr.multiValued || attr.type !== "complex") throw invalidFilter(`"${label}" is not a multi-valued complex attribute`);
    const arr = arrayOf(`r.resource #> ${this.p.add(attr.jsonPath)}::text[]`);
    return `exists (select 1 from jsonb_array_elements(${arr}) e where ${this.element(attr, filter, label)})`;
  }

  private element(attr: AttrInfo, n: FilterNode, label: string): string {
    switch (n.kind) {
      case "and":
      case "or":
        return `(${this.element(attr, n.left, label)} ${n.kind} ${this.element(attr, n.right, label)})`;
      case "not":
        return `(not coalesce(${this.element(attr, n.expr, label)}, false))`;
      case "valuePath":
        throw invalidFilter("value filters cannot nest");
      default: {
        const sub = attr.sub.get(n.path.attr);
        if (!sub) throw invalidFilter(`"${label}" has no sub-attribute "${n.path.attr}"`);
        const x = this.elementScalar(attr, sub, `${label}.${sub.name}`);
        return n.kind === "present" ? presentScalar(x) : compareScalar(x, n.op, n.value, this.p, `${label}.${sub.name}`);
      }
    }
  }
}

/** The resource type a catalog describes: "User" for the core User schema, "Group" for the core Group schema. */
function resourceTypeOf(catalog: Catalog): string {
  return catalog.coreSchema.slice(catalog.coreSchema.lastIndexOf(":") + 1);
}

function membershipScalar(kind: "members" | "groups", label: string): (sub: string) => Scalar {
  const other = kind === "members" ? "m.member_id" : "m.group_id";
  return (sub) => {
    if (sub === "value") return { sql: other, kind: "text", caseExact: true };
    // a group's members[].type is the member's type ("User" or "Group"); a user's groups[].type is
    // "direct" for every group (users.ts renders no other), whatever the membership row holds
    if (sub === "type")
      return kind === "members"
        ? { sql: "m.member_type", kind: "text", caseExact: false }
        : { sql: "'direct'::text", kind: "text", caseExact: false };
    throw invalidFilter(`"${label}" can be filtered on value or type only`);
  };
}

/** For `members[filter]` paths: a condition on the membership row `m`. */
export function compileMemberFilter(filter: FilterNode, p: Params): string {
  return new Compiler({ catalog: null }, p).memberCondition(filter);
}

/** The SQL expression to sort by `sortBy` (RFC 7644 §3.4.2.3): single-valued, or a multi-valued attribute's primary (else first) value. */
export function sortExpression(path: AttrPath, catalog: Catalog, p: Params): string {
  const r = catalog.resolve(path);
  if (!r) throw invalidFilter(`unknown sortBy attribute "${describe(path)}"`);
  const { attr, sub, column } = r;
  if (column && (column.kind === "lc" || column.kind === "text" || column.kind === "bool" || column.kind === "time")) return column.sql;
  if (!attr.multiValued) {
    const target = sub ?? attr;
    const kind = kindOf(target.type);
    if (!kind) throw invalidFilter(`cannot sort by the complex attribute "${describe(path)}"`);
    const jsonPath = sub ? [...attr.jsonPath, sub.name] : attr.jsonPath;
    const x = cast(`r.resource #>> ${p.add(jsonPath)}::text[]`, kind);
    return kind === "text" && !target.caseExact ? `lower(${x})` : x;
  }
  const target = attr.type === "complex" ? (sub ?? attr.sub.get("value")) : undefined;
  const arr = arrayOf(`r.resource #> ${p.add(attr.jsonPath)}::text[]`);
  const value = target ? `lower(e ->> ${p.add(target.name)})` : "lower(e #>> '{}')";
  return `(select ${value} from jsonb_array_elements(${arr}) e order by (e ->> 'primary') = 'true' desc nulls last limit 1)`;
}
