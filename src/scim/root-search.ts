/**
 * `POST /.search` at the root (RFC 7644 §3.4.3): one search across Users and Groups. The filter applies
 * to each type; a type that does not have an attribute the filter names contributes nothing (rather
 * than failing the search), and so does a type the client may not view. Results are the users, then
 * the groups, each in the requested order; `startIndex` and `count` page across the two.
 */
import SCIMMY from "scimmy";
import type { ScimContext } from "./context.js";
import { ScimError } from "./scim-error.js";
import { CORE_GROUP, CORE_USER } from "./schemas.js";

const LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

interface Page {
  total: number;
  resources: Record<string, unknown>[];
}

type ResourceClass = typeof SCIMMY.Resources.User | typeof SCIMMY.Resources.Group;

/** One type's page, or null when the type cannot take part (unknown attribute, no right to view it). */
async function pageOf(Resource: ResourceClass, ctx: ScimContext, startIndex: number, count: number): Promise<Page | null> {
  const query: Record<string, unknown> = { count };
  if (ctx.projection.attributes !== undefined) query.attributes = ctx.projection.attributes;
  if (ctx.projection.excludedAttributes !== undefined) query.excludedAttributes = ctx.projection.excludedAttributes;
  try {
    const list = (await new Resource(query as never).read({ ...ctx, list: { ...ctx.list, startIndex, count } })) as unknown as { totalResults: number; Resources: Record<string, unknown>[] };
    return { total: list.totalResults, resources: list.Resources ?? [] };
  } catch (err) {
    const e = err as { status?: number; scimType?: string; message?: string };
    if (err instanceof SCIMMY.Types.Error && (e.status === 403 || (e.scimType === "invalidFilter" && /unknown (sortBy )?attribute/.test(e.message ?? "")))) return null;
    throw err;
  }
}

export async function searchAll(ctx: ScimContext): Promise<Record<string, unknown>> {
  const { startIndex, count } = ctx.list;
  const users = await pageOf(SCIMMY.Resources.User, ctx, startIndex, count);
  const userTotal = users?.total ?? 0;
  const taken = users?.resources.length ?? 0;
  // the groups' part of the page starts where the users ran out
  const groupStart = Math.max(1, startIndex - userTotal);
  const groups = await pageOf(SCIMMY.Resources.Group, ctx, groupStart, Math.max(0, count - taken));
  if (!users && !groups) throw new ScimError(403, null, "this client may view neither users nor groups, or the filter names attributes neither has");
  // each resource says what it is by its schemas, even when a projection left them out
  const tag = (core: string) => (r: Record<string, unknown>) => {
    if (Array.isArray(r.schemas)) return r;
    const { schemas: _projectedAway, ...rest } = r;
    return { schemas: [core, ...Object.keys(rest).filter((k) => /^urn:/i.test(k))], ...rest };
  };
  const resources = [...(users?.resources ?? []).map(tag(CORE_USER)), ...(groups?.resources ?? []).map(tag(CORE_GROUP))];
  return { schemas: [LIST_RESPONSE], totalResults: userTotal + (groups?.total ?? 0), startIndex, itemsPerPage: resources.length, Resources: resources };
}
