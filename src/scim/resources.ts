import SCIMMY from "scimmy";
import { configureScimSchemas, CORE_GROUP, CORE_USER } from "./schemas.js";
import { Catalog } from "./catalog.js";
import { Users, USER_COLUMNS } from "./users.js";
import { Groups, GROUP_COLUMNS } from "./groups.js";
import type { ScimContext } from "./context.js";
import { toScimError } from "./error-mapping.js";

/** The statuses SCIMMY's error type accepts (with a null scimType). */
const SCIMMY_STATUSES = new Set([307, 308, 400, 401, 403, 404, 409, 412, 413, 500, 501]);

/**
 * Every handler goes through this. SCIMMY turns a plain Error from a handler into "404 Resource not
 * found" (a database outage would look like a missing user), and its error type refuses pairs such as
 * 400 tooMany or any 503; so the answer we mean is recorded in the context's outcome (and on the error),
 * and SCIMMY is given an error it accepts.
 */
async function guarded<T>(ctx: unknown, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const error = toScimError(err);
    (ctx as ScimContext).outcome.failure = { error, cause: err };
    throw Object.assign(
      new SCIMMY.Types.Error(
        (SCIMMY_STATUSES.has(error.status) ? error.status : 500) as 400,
        null as unknown as "invalidValue",
        error.detail,
      ),
      { scimFailure: error, cause: err },
    );
  }
}

/** A page as SCIMMY's ListResponse wants it: an array whose length is the total (docs/scimmy.md). */
function page(total: number, resources: Record<string, unknown>[]): Record<string, unknown>[] {
  const out = resources.slice();
  out.length = Math.max(total, resources.length);
  return out;
}

let services: { users: Users; groups: Groups } | null = null;

/** Declares the resources and their handlers once per process; returns the services the router uses. */
export function scimServices(): { users: Users; groups: Groups } {
  if (services) return services;
  configureScimSchemas();
  const users = new Users(new Catalog(CORE_USER, SCIMMY.Schemas.User.definition, USER_COLUMNS));
  const groups = new Groups(new Catalog(CORE_GROUP, SCIMMY.Schemas.Group.definition, GROUP_COLUMNS));
  type Handled = { id?: string };
  // SCIMMY types its handlers with its own schema classes; ours return plain SCIM objects that it
  // coerces, so the handlers are cast at this one boundary.
  const egress = (svc: Users | Groups) => (resource: Handled, ctx: unknown) =>
    guarded(ctx, async () => {
      const c = ctx as ScimContext;
      if (resource.id) return svc.get(c, resource.id);
      const { total, resources } = await svc.list(c);
      return page(total, resources);
    });
  const ingress = (svc: Users | Groups) => (resource: Handled, instance: unknown, ctx: unknown) =>
    guarded(ctx, () => svc.write(ctx as ScimContext, resource.id, instance as Record<string, unknown>));
  const degress = (svc: Users | Groups) => (resource: Handled, ctx: unknown) =>
    guarded(ctx, () => svc.delete(ctx as ScimContext, resource.id!));
  SCIMMY.Resources.User.egress(egress(users) as never)
    .ingress(ingress(users) as never)
    .degress(degress(users) as never);
  SCIMMY.Resources.Group.egress(egress(groups) as never)
    .ingress(ingress(groups) as never)
    .degress(degress(groups) as never);
  services = { users, groups };
  return services;
}
