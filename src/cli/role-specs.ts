import type { Store } from "../store/store.js";
import { ALL_DIVISIONS } from "../authz/permissions.js";
import { listRoles } from "../authz/roles.js";
import { listDivisions } from "../authz/divisions.js";
import type { RoleDivision } from "../oauth/client-rules.js";
import { usageError } from "./options.js";

/** `--role NAME_OR_ID[@DIVISION]`, DIVISION a name, an id or `*`; no division means the home division. */
export async function resolveRoleSpecs(store: Store, specs: string[]): Promise<RoleDivision[]> {
  const roles = await listRoles(store);
  const divisions = await listDivisions(store);
  return specs.map((spec) => {
    const at = spec.lastIndexOf("@");
    const roleRef = at >= 0 ? spec.slice(0, at) : spec;
    const divRef = at >= 0 ? spec.slice(at + 1) : "";
    const role = roles.find((r) => r.id === roleRef || r.name.toLowerCase() === roleRef.toLowerCase());
    if (!role) throw usageError(`unknown role ${JSON.stringify(roleRef)}; roles: ${roles.map((r) => r.name).join(", ")}`);
    if (!divRef) return { roleId: role.id, divisionId: "" };
    if (divRef === ALL_DIVISIONS) return { roleId: role.id, divisionId: ALL_DIVISIONS };
    const division = divisions.find((d) => d.id === divRef || d.name.toLowerCase() === divRef.toLowerCase());
    if (!division) throw usageError(`unknown division ${JSON.stringify(divRef)}; divisions: ${divisions.map((d) => d.name).join(", ")}`);
    return { roleId: role.id, divisionId: division.id };
  });
}
