import type SCIMMY from "scimmy";
import type { AttrPath } from "./filter.js";

/** What the filter and sort compilers know of an attribute: its SCIM characteristics and where it is stored. */
export interface AttrInfo {
  /** Canonical name, as stored in the resource JSON. */
  name: string;
  type: string;
  multiValued: boolean;
  caseExact: boolean;
  /** JSON path in the `resource` column: `["name", "givenName"]`, `["urn:...:User", "department"]`. */
  jsonPath: string[];
  sub: Map<string, AttrInfo>;
}

/**
 * A column that answers for an attribute from an index. `lc` columns hold the lower-cased value of a
 * case-insensitive attribute; `emails` is the lower-cased array of emails[].value; `members` and
 * `groups` live in the membership table.
 */
export type ColumnKind = "lc" | "text" | "bool" | "time" | "emails" | "members" | "groups";
export interface Column {
  sql: string;
  kind: ColumnKind;
}

export interface Resolved {
  attr: AttrInfo;
  sub?: AttrInfo;
  column?: Column;
}

interface ScimmyAttribute {
  name: string;
  type: string;
  config: { multiValued?: boolean; caseExact?: boolean };
  subAttributes?: ScimmyAttribute[];
}

function fromScimmy(a: ScimmyAttribute, jsonPath: string[]): AttrInfo {
  const info: AttrInfo = {
    name: a.name,
    type: a.type,
    multiValued: !!a.config.multiValued,
    caseExact: !!a.config.caseExact,
    jsonPath,
    sub: new Map(),
  };
  for (const s of a.subAttributes ?? []) info.sub.set(s.name.toLowerCase(), fromScimmy(s, [s.name]));
  return info;
}

export class Catalog {
  private readonly schemas = new Map<string, Map<string, AttrInfo>>();

  constructor(
    readonly coreSchema: string,
    definition: SCIMMY.Types.SchemaDefinition,
    private readonly columns: Record<string, Column>,
  ) {
    const core = new Map<string, AttrInfo>();
    this.schemas.set(coreSchema.toLowerCase(), core);
    for (const a of definition.attributes as unknown as Array<ScimmyAttribute | SCIMMY.Types.SchemaDefinition>) {
      if ("attributes" in a && "id" in a) {
        const ext = new Map<string, AttrInfo>();
        for (const e of a.attributes as unknown as ScimmyAttribute[]) ext.set(e.name.toLowerCase(), fromScimmy(e, [a.id, e.name]));
        this.schemas.set(a.id.toLowerCase(), ext);
      } else {
        const attr = a as ScimmyAttribute;
        core.set(attr.name.toLowerCase(), fromScimmy(attr, [attr.name]));
      }
    }
  }

  /** Resolves a filter or sort path; null when the schema has no such attribute. */
  resolve(path: AttrPath): Resolved | null {
    const attrs = this.schemas.get(path.schema ?? this.coreSchema.toLowerCase());
    const attr = attrs?.get(path.attr);
    if (!attr) return null;
    let sub: AttrInfo | undefined;
    if (path.sub) {
      sub = attr.sub.get(path.sub);
      if (!sub) return null;
    }
    const key = `${path.schema && path.schema !== this.coreSchema.toLowerCase() ? `${path.schema}:` : ""}${path.attr}${path.sub ? `.${path.sub}` : ""}`;
    return { attr, sub, column: this.columns[key] };
  }
}
