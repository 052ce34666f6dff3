/**
 * PatchOp forms SCIMMY does not apply as identity providers mean them, rewritten against the user as
 * it stands before SCIMMY sees them. Pure: the operations and the current resource in, operations out.
 */
import type { PatchOperation } from "./patch-message.js";
import { ENTERPRISE_USER, GENESYS_USER } from "./schemas.js";

const EXTENSIONS = [ENTERPRISE_USER, GENESYS_USER];
/** `attr[type eq "x"]` or `attr[type eq "x"].sub` */
const TYPE_FILTER = /^([A-Za-z][\w-]*)\[\s*type\s+eq\s+"((?:[^"\\]|\\.)*)"\s*\](?:\.([A-Za-z][\w-]*))?$/i;

function hasType(current: Record<string, unknown>, attr: string, type: string): boolean {
  const key = Object.keys(current).find((k) => k.toLowerCase() === attr.toLowerCase());
  const list = key ? current[key] : undefined;
  return Array.isArray(list) && list.some((e) => typeof e === "object" && e !== null && String((e as { type?: unknown }).type ?? "").toLowerCase() === type.toLowerCase());
}

/** Does an operation need the current resource to be rewritten? (Saves the read when none does.) */
export function needsRewrite(ops: readonly PatchOperation[]): boolean {
  return ops.some((o) => (o.op === "remove" && o.path !== undefined && EXTENSIONS.some((e) => e.toLowerCase() === o.path!.toLowerCase())) || (o.op === "replace" && o.path !== undefined && TYPE_FILTER.test(o.path)));
}

/**
 * - `remove` of a whole extension (path = its schema URN) removes each of its attributes the user has
 *   (RFC 7644 §3.5.2.2: the path names the attribute to remove; SCIMMY cannot resolve a bare URN).
 * - `replace` of `attr[type eq "x"]` (or `...].sub`) that matches no value adds one carrying that type:
 *   the form Entra ID and Okta use to set a missing work e-mail or phone. Any other filter that matches
 *   nothing is left to answer 400 noTarget (RFC 7644 §3.5.2.3).
 */
export function rewritePatch(ops: readonly PatchOperation[], current: Record<string, unknown>): PatchOperation[] {
  const out: PatchOperation[] = [];
  const added = new Set<string>();
  for (const o of ops) {
    const ext = o.op === "remove" && o.path ? EXTENSIONS.find((e) => e.toLowerCase() === o.path!.toLowerCase()) : undefined;
    if (ext) {
      const value = current[ext];
      if (value && typeof value === "object") for (const k of Object.keys(value)) out.push({ op: "remove", path: `${ext}:${k}` });
      continue;
    }
    const m = o.op === "replace" && o.path ? TYPE_FILTER.exec(o.path) : null;
    if (m) {
      const [, attr, rawType, sub] = m as unknown as [string, string, string, string | undefined];
      let type = rawType;
      try {
        type = JSON.parse(`"${rawType}"`) as string;
      } catch {
        // an escape JSON does not know: compare the text as written
      }
      const key = `${attr.toLowerCase()}\u0000${type.toLowerCase()}`;
      if (!added.has(key) && !hasType(current, attr, type)) {
        const objectValue = typeof o.value === "object" && o.value !== null && !Array.isArray(o.value);
        if (sub) out.push({ op: "add", path: attr, value: [{ type, [sub]: o.value }] });
        else if (objectValue) out.push({ op: "add", path: attr, value: [{ ...(o.value as Record<string, unknown>), type }] });
        else {
          out.push(o);
          continue;
        }
        added.add(key);
        continue;
      }
    }
    out.push(o);
  }
  return out;
}
