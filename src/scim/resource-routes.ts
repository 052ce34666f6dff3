import type { Request, Response, Router } from "express";
import SCIMMY from "scimmy";
import { contextOf } from "./request-context.js";
import { ScimError } from "./scim-error.js";
import { searchAll } from "./root-search.js";
import { serviceProviderConfig } from "./service-provider.js";
import { renderStored, validatedForWrite } from "./render.js";
import type { ScimContext } from "./context.js";
import type { Users } from "./users.js";
import type { Groups } from "./groups.js";

type Send = (req: Request, res: Response, status: number, body: unknown) => void;
const idOf = (req: Request) => String(req.params.id);
const query = (req: Request) => req.query as never;
const LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/** Reads answered by the bridge's own rendering (render.ts): every one that asks for no projection. */
const plain = (ctx: ScimContext) => ctx.projection.attributes === undefined && ctx.projection.excludedAttributes === undefined;

/**
 * The resource and discovery endpoints (RFC 7644 §3.2–§3.4, §4), each calling SCIMMY's resource
 * classes with the request's context and answering through `send`, which applies the response fixes.
 */
export function mountResourceRoutes(r: Router, send: Send, bodyLimit: number, services: { users: Users; groups: Groups }): void {
  for (const [path, Resource, kind] of [
    ["/Users", SCIMMY.Resources.User, "User"],
    ["/Groups", SCIMMY.Resources.Group, "Group"],
  ] as const) {
    const svc = kind === "User" ? services.users : services.groups;
    const list = async (req: Request, res: Response) => {
      const ctx = contextOf(req);
      if (!plain(ctx)) return send(req, res, 200, await new Resource(query(req)).read(ctx));
      const { total, resources } = await svc.list(ctx);
      const Resources = resources.map((u) => renderStored(kind, u));
      // SCIMMY's ListResponse, as sendScim completes it (itemsPerPage the page's size, startIndex the one asked)
      send(req, res, 200, {
        schemas: [LIST_RESPONSE],
        Resources,
        startIndex: ctx.list.startIndex,
        itemsPerPage: Resources.length,
        totalResults: total,
      });
    };
    r.get(path, list);
    r.post(`${path}/.search`, list);
    r.get(`${path}/:id`, async (req, res) => {
      const ctx = contextOf(req);
      if (!plain(ctx)) return send(req, res, 200, await new Resource(idOf(req), query(req)).read(ctx));
      send(req, res, 200, renderStored(kind, await svc.get(ctx, idOf(req))));
    });
    // Writes: SCIMMY validates the body ("in"); the answer is rendered by the bridge unless projected
    r.post(path, async (req, res) => {
      const ctx = contextOf(req);
      if (!plain(ctx)) return send(req, res, 201, await new Resource(query(req)).write(req.body, ctx));
      send(req, res, 201, renderStored(kind, await svc.write(ctx, undefined, validatedForWrite(kind, undefined, req.body))));
    });
    r.put(`${path}/:id`, async (req, res) => {
      const ctx = contextOf(req);
      const id = idOf(req);
      if (!plain(ctx)) return send(req, res, 200, await new Resource(id, query(req)).write(req.body, ctx));
      send(req, res, 200, renderStored(kind, await svc.write(ctx, id, validatedForWrite(kind, id, req.body))));
    });
    r.delete(`${path}/:id`, async (req, res) => {
      await new Resource(idOf(req)).dispose(contextOf(req));
      res.status(204).end();
    });
  }
  r.post("/.search", async (req, res) => send(req, res, 200, await searchAll(contextOf(req))));

  r.get("/ServiceProviderConfig", async (req, res) =>
    send(req, res, 200, await serviceProviderConfig(req.query as Record<string, unknown>, bodyLimit)),
  );
  for (const [path, Resource] of [
    ["/Schemas", SCIMMY.Resources.Schema],
    ["/ResourceTypes", SCIMMY.Resources.ResourceType],
  ] as const) {
    r.get(path, async (req, res) => send(req, res, 200, await new Resource(query(req)).read()));
    r.get(`${path}/:id`, async (req, res) => send(req, res, 200, await new Resource(idOf(req), query(req)).read()));
  }
  // What no route above takes (RFC 7644 §3.12 has no scimType for it)
  r.use((_req, _res, next) => next(new ScimError(404, null, "Endpoint Not Found")));
}
