/**
 * `POST /.search` at the root (RFC 7644 §3.4.3): one search across Users and Groups. The filter applies
 * to each type; a type that does not have an attribute the filter names contributes nothing (rather
 * than failing the search), and so does a type the client may not view. Results are the users, then
 * the groups, each in the requested order; `startIndex` and `count` page across the two.
 */
import SCIMMY from "scimmy";
import type { ScimContext } from "./context.js";
import { ScimError } from "./scim-error.js";
import { toScimError } from "./error-mapping.js";
import { CORE_GROUP, CORE_USER } from "./schemas.js";

const LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

interface Page {
  total: number;
  resources: Record<string, unknown>[];
}

type ResourceClass = typeof SCIMMY.Resources.User | typeof SCIMMY.Resources.Group;

/** Why a type took no part. */
type Absent = { absent: "forbidden" | "unknownAttribute"; error: ScimError };

/** One type's page, or why the type cannot take part (no right to view it, or an attribute it does not have). */
async function pageOf(Resource: ResourceClass, ctx: ScimContext, startIndex: number, count: number): Promise<Page | Absent> {
  const query: Record<string, unknown> = { count };
  if (ctx.projection.attributes !== undefined) query.attributes = ctx.projection.attributes;
  if (ctx.projection.excludedAttributes !== undefined) query.excludedAttributes = ctx.projection.excludedAttributes;
  try {
    const list = (await new Resource(query as never).read({ ...ctx, list: { ...ctx.list, startIndex, count } })) as unknown as {
      totalResults: number;
      Resources: Record<string, unknown>[];
    };
    return { total: list.totalResults, resources: list.Resources ?? [] };
  } catch (err) {
    const scim = toScimError(err);
    if (scim.status === 403) return { absent: "forbidden", error: scim };
    if (scim.scimType === "invalidFilter" && /unknown (sortBy )?attribute/.test(scim.detail))
      return { absent: "unknownAttribute", error: scim };
    throw err;
  }
}

const isPage = (p: Page | Absent): p is Page => !("absent" in p);

export async function searchAll(ctx: ScimContext): Promise<Record<string, unknown>> {
  const { startIndex, count } = ctx.list;
  const usersOr = await pageOf(SCIMMY.Resources.User, ctx, startIndex, count);
  const users = isPage(usersOr) ? usersOr : null;
  const userTotal = users?.total ?? 0;
  const taken = users?.resources.length ?? 0;
  // the groups' part of the page starts where the users ran out
  const groupStart = Math.max(1, startIndex - userTotal);
  const groupsOr = await pageOf(SCIMMY.Resources.Group, ctx, groupStart, Math.max(0, count - taken));
  const groups = isPage(groupsOr) ? groupsOr : null;
  if (!users && !groups) {
    // neither type could answer: a filter neither has is the client's error (400); else it may see neither
    const both = [usersOr, groupsOr] as Absent[];
    throw (
      both.find((a) => a.absent === "unknownAttribute")?.error ?? new ScimError(403, null, "this client may view neither users nor groups")
    );
  }
  // each resource says what it is by its schemas, even when a projection left them out
  const tag = (core: string) => (r: Record<string, unknown>) => {
    if (Array.isArray(r.schemas)) return r;
    const { schemas: _projectedAway, ...rest } = r;
    return { schemas: [core, ...Object.keys(rest).filter((k) => /^urn:/i.test(k))], ...rest };
  };
  const resources = [...(users?.resources ?? []).map(tag(CORE_USER)), ...(groups?.resources ?? []).map(tag(CORE_GROUP))];
  return {
    schemas: [LIST_RESPONSE],
    totalResults: userTotal + (groups?.total ?? 0),
    startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}
