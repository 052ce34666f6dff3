import type { Request, Response, Router } from "express";
import SCIMMY from "scimmy";
import { contextOf } from "./request-context.js";
import { ScimError } from "./scim-error.js";
import { searchAll } from "./root-search.js";
import { serviceProviderConfig } from "./service-provider.js";

type Send = (req: Request, res: Response, status: number, body: unknown) => void;
const idOf = (req: Request) => String(req.params.id);
const query = (req: Request) => req.query as never;

/**
 * The resource and discovery endpoints (RFC 7644 §3.2–§3.4, §4), each calling SCIMMY's resource
 * classes with the request's context and answering through `send`, which applies the response fixes.
 */
export function mountResourceRoutes(r: Router, send: Send, bodyLimit: number): void {
  for (const [path, Resource] of [
    ["/Users", SCIMMY.Resources.User],
    ["/Groups", SCIMMY.Resources.Group],
  ] as const) {
    r.get(path, async (req, res) => send(req, res, 200, await new Resource(query(req)).read(contextOf(req))));
    r.post(`${path}/.search`, async (req, res) => send(req, res, 200, await new Resource(query(req)).read(contextOf(req))));
    r.get(`${path}/:id`, async (req, res) => send(req, res, 200, await new Resource(idOf(req), query(req)).read(contextOf(req))));
    r.post(path, async (req, res) => send(req, res, 201, await new Resource(query(req)).write(req.body, contextOf(req))));
    r.put(`${path}/:id`, async (req, res) =>
      send(req, res, 200, await new Resource(idOf(req), query(req)).write(req.body, contextOf(req))),
    );
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
