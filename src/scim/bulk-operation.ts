import SCIMMY from "scimmy";
import type { Store } from "../store/store.js";
import type { ScimContext } from "./context.js";
import type { Users } from "./users.js";
import type { Groups } from "./groups.js";
import { ScimError } from "./scim-error.js";
import { toScimError } from "./error-mapping.js";
import { dropExtensionSchemas, fixStringBooleans, normalizePatchBody } from "./normalize.js";
import { patchGroup } from "./group-patch.js";
import { patchUser } from "./patch-routes.js";
import { refuseHostileBody } from "./request-context.js";
import type { BulkOperation, BulkOutcome } from "./bulk.js";

/** One Bulk operation, as its single request would run it: same rights, scoping, checks and outbox. */
export async function runBulkOperation(
  services: { store: Store; users: Users; groups: Groups; bodyLimit: number },
  ctx: ScimContext,
  base: string,
  op: BulkOperation,
): Promise<BulkOutcome> {
  const m = /^\/?(Users|Groups)(?:\/([^/]+))?$/.exec(op.path);
  try {
    if (!m)
      throw new ScimError(
        400,
        "invalidPath",
        `path ${JSON.stringify(op.path)} names no resource: use /Users, /Groups, /Users/{id} or /Groups/{id}`,
      );
    const [, type, rawId] = m as unknown as [string, "Users" | "Groups", string | undefined];
    const Resource = type === "Users" ? SCIMMY.Resources.User : SCIMMY.Resources.Group;
    if ((op.method === "POST") !== (rawId === undefined))
      throw new ScimError(
        400,
        "invalidPath",
        op.method === "POST" ? "a POST names the resource type only (/Users or /Groups)" : `${op.method} needs a resource id in its path`,
      );
    const id = rawId === undefined ? undefined : decodeURIComponent(rawId);
    const opCtx: ScimContext = { ...ctx, ifMatch: op.version, projection: {}, excludeMembers: false };
    refuseHostileBody(op.method, op.data);
    const written = (resource: unknown, status: number): BulkOutcome => {
      const r = resource as { id?: string; meta?: { version?: string } };
      return {
        status,
        ...(r?.id ? { id: r.id, location: `${base}/${type}/${r.id}` } : {}),
        ...(r?.meta?.version ? { version: r.meta.version } : {}),
      };
    };
    switch (op.method) {
      case "POST":
        return written(await new Resource().write(dropExtensionSchemas(fixStringBooleans(op.data)) as never, opCtx), 201);
      case "PUT":
        return written(await new Resource(id!).write(dropExtensionSchemas(fixStringBooleans(op.data)) as never, opCtx), 200);
      case "PATCH": {
        const body = normalizePatchBody(op.data);
        if (type === "Groups") await patchGroup(opCtx, id!, body);
        else await patchUser(services.store, services.users, opCtx, id!, body, {});
        const after =
          type === "Groups" ? await services.groups.get({ ...opCtx, excludeMembers: true }, id!) : await services.users.get(opCtx, id!);
        return written(after, 200);
      }
      case "DELETE":
        await new Resource(id!).dispose(opCtx);
        return { status: 204, location: `${base}/${type}/${id}` };
    }
  } catch (err) {
    const scim = toScimError(err, services.bodyLimit);
    return { status: scim.status, response: scim.toJSON() };
  }
}
