/**
 * PatchOp forms SCIMMY does not apply as RFC 7644 and identity providers mean them, rewritten against
 * the user as it stands before SCIMMY sees them. Pure: the operations and the current resource in,
 * operations out.
 */
import SCIMMY from "scimmy";
import type { PatchOperation } from "./patch-message.js";
import { ENTERPRISE_USER, GENESYS_USER } from "./schemas.js";
import { ScimError } from "./scim-error.js";

const EXTENSIONS = [ENTERPRISE_USER, GENESYS_USER];
/** `attr[filter]` or `attr[filter].sub` */
const VALUE_PATH = /^([A-Za-z][\w-]*)\[(.+)\](?:\.([A-Za-z$][\w$-]*))?$/;
/** A filter that only names a type: `type eq "x"` */
const TYPE_ONLY = /^\s*type\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i;

const isExtension = (path: string | undefined) => path !== undefined && EXTENSIONS.some((e) => e.toLowerCase() === path.toLowerCase());

/** Does an operation need the current resource to be rewritten? (Saves the read when none does.) */
export function needsRewrite(ops: readonly PatchOperation[]): boolean {
  return ops.some(
    (o) => (o.op === "remove" && isExtension(o.path)) || (o.op === "replace" && o.path !== undefined && VALUE_PATH.test(o.path)),
  );
}

function unescape(raw: string): string {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw; // an escape JSON does not know: compare the text as written
  }
}

/** The elements of `list` that `filter` (relative to one element) selects, or null when SCIMMY cannot read the filter. */
function matching(list: readonly Record<string, unknown>[], filter: string): Record<string, unknown>[] | null {
  try {
    return new SCIMMY.Types.Filter(filter).match(list as Record<string, unknown>[]) as Record<string, unknown>[];
  } catch {
    return null; // SCIMMY applies (and refuses) it itself
  }
}

/**
 * - `remove` of a whole extension (path = its schema URN) removes each of its attributes the user has
 *   (RFC 7644 §3.5.2.2: the path names what to remove; SCIMMY cannot resolve a bare URN).
 * - `replace` through a value filter (RFC 7644 §3.5.2.3):
 *   - that matches nothing: when the filter only names a type (`emails[type eq "work"].value`, the form
 *     Entra ID and Okta use to set a missing work e-mail or phone), a value of that type is added;
 *     any other filter answers 400 noTarget, as the RFC says (SCIMMY would add the value instead);
 *   - of a sub-attribute (`emails[value eq "a"].value`): the matched values get the new sub-attribute
 *     and the whole list is replaced (SCIMMY filters again after the change, and so fails when the
 *     changed sub-attribute is the one the filter tests).
 * A later operation on the same attribute is rewritten against the list as the earlier ones left it;
 * once an operation that is not rewritten touches the attribute, later ones are left to SCIMMY.
 */
export function rewritePatch(ops: readonly PatchOperation[], current: Record<string, unknown>): PatchOperation[] {
  const out: PatchOperation[] = [];
  const lists = new Map<string, Record<string, unknown>[]>();
  const untracked = new Set<string>();
  const keyOf = (attr: string) => Object.keys(current).find((k) => k.toLowerCase() === attr.toLowerCase()) ?? attr;
  const listOf = (attr: string): Record<string, unknown>[] => {
    const key = attr.toLowerCase();
    if (!lists.has(key)) {
      const v = current[keyOf(attr)];
      lists.set(key, Array.isArray(v) ? v.filter((e): e is Record<string, unknown> => typeof e === "object" && e !== null) : []);
    }
    return lists.get(key)!;
  };
  ops.forEach((o, i) => {
    if (o.op === "remove" && isExtension(o.path)) {
      const ext = EXTENSIONS.find((e) => e.toLowerCase() === o.path!.toLowerCase())!;
      const value = current[ext];
      if (value && typeof value === "object") for (const k of Object.keys(value)) out.push({ op: "remove", path: `${ext}:${k}` });
      return;
    }
    const m = o.op === "replace" && o.path ? VALUE_PATH.exec(o.path) : null;
    if (!m || untracked.has(m[1]!.toLowerCase())) {
      // not rewritten: what it touches is no longer known here
      const touched = o.path ? o.path.split(/[.[:]/)[0]!.toLowerCase() : null;
      if (touched) untracked.add(touched);
      else if (o.value && typeof o.value === "object") for (const k of Object.keys(o.value)) untracked.add(k.toLowerCase());
      out.push(o);
      return;
    }
    const [, attr, filter, sub] = m as unknown as [string, string, string, string | undefined];
    const list = listOf(attr);
    const matched = matching(list, filter);
    if (matched === null) {
      untracked.add(attr.toLowerCase());
      out.push(o);
      return;
    }
    let next: Record<string, unknown>[];
    if (matched.length === 0) {
      const typeOnly = TYPE_ONLY.exec(filter);
      const objectValue = typeof o.value === "object" && o.value !== null && !Array.isArray(o.value);
      if (!typeOnly || (!sub && !objectValue))
        throw new ScimError(
          400,
          "noTarget",
          `Operations[${i}]: the filter ${JSON.stringify(filter)} matches no value of ${attr} (RFC 7644 §3.5.2.3)`,
        );
      const type = unescape(typeOnly[1]!);
      next = [...list, sub ? { type, [sub]: o.value } : { ...(o.value as Record<string, unknown>), type }];
    } else if (sub) {
      next = list.map((e) => (matched.includes(e) ? { ...e, [sub]: o.value } : e));
    } else {
      // a whole matched value replaced: SCIMMY does this right; the list is no longer tracked
      untracked.add(attr.toLowerCase());
      out.push(o);
      return;
    }
    lists.set(attr.toLowerCase(), next);
    out.push({ op: "replace", path: keyOf(attr), value: next });
  });
  return out;
}
