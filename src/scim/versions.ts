import { ScimError } from "./scim-error.js";
import { etagOf } from "./change-log.js";

/** RFC 7644 §3.14: a write with a stale `If-Match` fails with 412; `*` matches any version. */
export function checkIfMatch(ifMatch: string | undefined, version: number, what: string): void {
  if (ifMatch === undefined) return;
  const wanted = ifMatch.split(",").map((s) => s.trim());
  if (wanted.includes("*")) return;
  const current = etagOf(version);
  const strip = (t: string) => t.replace(/^W\//, "");
  if (!wanted.some((t) => strip(t) === strip(current))) {
    throw new ScimError(412, null, `${what} is at version ${current}, not ${ifMatch}: read it again and retry`);
  }
}
