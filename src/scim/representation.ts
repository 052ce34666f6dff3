/**
 * What SCIMMY leaves out of a resource as sent, put back: `schemas` on every representation, even a
 * projected one (RFC 7643 §3), and the `$ref` URIs of members, groups and manager, which /Schemas
 * declares returned (RFC 7643 §4.1.2, §4.2, §4.3). Pure: the base URL and the projection are given.
 */
import { CORE_GROUP, CORE_USER, ENTERPRISE_USER } from "./schemas.js";

export type ResourceKind = "User" | "Group";

export interface Projection {
  attributes?: string;
  excludedAttributes?: string;
}

const lower = (list: string | undefined) => (list ? list.split(",").map((p) => p.trim().toLowerCase()) : []);

/** Is the sub-attribute `$ref` of `parent` (a path such as "members" or "<urn>:manager") part of the answer? */
function refWanted(parent: string, core: string, projection: Projection): boolean {
  const container = parent.includes(":") ? [parent.slice(0, parent.lastIndexOf(":"))] : [];
  const names = [parent, `${core}:${parent}`, ...container].map((n) => n.toLowerCase());
  const refs = names.map((n) => `${n}.$ref`);
  if (lower(projection.excludedAttributes).some((a) => names.includes(a) || refs.includes(a))) return false;
  if (projection.attributes === undefined) return true;
  return lower(projection.attributes).some((a) => names.includes(a) || refs.includes(a));
}

function withRef(item: unknown, url: (value: string) => string): unknown {
  if (typeof item !== "object" || item === null) return item;
  const o = item as Record<string, unknown>;
  return typeof o.value === "string" && o.value ? { ...o, $ref: url(o.value) } : o;
}

/** The resource completed in place of the one given (which is not changed). */
export function completeRepresentation(
  resource: Record<string, unknown>,
  kind: ResourceKind,
  base: string,
  projection: Projection,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...resource };
  const core = kind === "User" ? CORE_USER : CORE_GROUP;
  if (projection.attributes !== undefined && Array.isArray(out.schemas)) {
    // a projection names the schemas of the attributes it kept (RFC 7643 §3), not every stored one;
    // an extension of which nothing was kept is left out altogether
    for (const k of Object.keys(out)) {
      const v = out[k];
      if (/^urn:/i.test(k) && (v === undefined || v === null || (typeof v === "object" && Object.keys(v).length === 0))) delete out[k];
    }
    out.schemas = [core, ...Object.keys(out).filter((k) => /^urn:/i.test(k))];
  }
  if (!Array.isArray(out.schemas)) {
    // the core schema, and each extension whose attributes are in the answer
    out.schemas = [core, ...Object.keys(out).filter((k) => /^urn:/i.test(k))];
    // `schemas` first, as every other representation has it
    const { schemas, ...rest } = out;
    return completeRepresentation({ schemas, ...rest }, kind, base, projection);
  }
  const userUrl = (id: string) => `${base}/Users/${id}`;
  const groupUrl = (id: string) => `${base}/Groups/${id}`;
  if (kind === "Group" && Array.isArray(out.members) && refWanted("members", core, projection)) {
    out.members = out.members.map((m) => withRef(m, (id) => ((m as { type?: unknown }).type === "Group" ? groupUrl(id) : userUrl(id))));
  }
  if (kind === "User" && Array.isArray(out.groups) && refWanted("groups", core, projection))
    out.groups = out.groups.map((g) => withRef(g, groupUrl));
  const enterprise = out[ENTERPRISE_USER];
  if (
    kind === "User" &&
    enterprise &&
    typeof enterprise === "object" &&
    refWanted(`${ENTERPRISE_USER}:manager`, ENTERPRISE_USER, projection)
  ) {
    const ext = enterprise as Record<string, unknown>;
    if (ext.manager !== undefined) out[ENTERPRISE_USER] = { ...ext, manager: withRef(ext.manager, userUrl) };
  }
  return out;
}
