import type { Request, Response, Router } from "express";
import SCIMMY from "scimmy";
import type { Queryable, Store } from "../store/store.js";
import type { ScimContext } from "./context.js";
import type { Users } from "./users.js";
import { patchGroup } from "./group-patch.js";
import { PATCH_OP_SCHEMA, parsePatchMessage } from "./patch-message.js";
import { needsRewrite, rewritePatch } from "./patch-rewrite.js";
import { contextOf, wantsResource } from "./request-context.js";
import { renderStored, validatedForWrite } from "./render.js";

type Send = (req: Request, res: Response, status: number, body: unknown) => void;

/** A store whose queries and nested transactions all run in the open transaction `tx`. */
function boundTo(store: Store, tx: Queryable): Store {
  return {
    kind: store.kind,
    query: (sql, params) => tx.query(sql, params),
    transaction: (fn) => fn(tx),
    exec: (sql) => tx.query(sql).then(() => undefined),
    ping: () => store.ping(),
    close: async () => undefined,
  };
}

/**
 * PATCH of a user: SCIMMY reads, patches in memory, then writes, all in one transaction whose read
 * locks the row, so that concurrent PATCHes of one user wait for each other instead of losing updates.
 * Returns the patched user, or undefined when nothing changed.
 */
export async function patchUser(
  store: Store,
  users: Users,
  ctx: ScimContext,
  id: string,
  rawBody: unknown,
  query: Record<string, unknown>,
): Promise<unknown> {
  // The same checks as for groups, so that a malformed PatchOp is invalidSyntax (SCIMMY says invalidValue)
  const ops = parsePatchMessage(rawBody);
  if (ops.length === 0) {
    await users.get(ctx, id); // a no-op still answers 404/403 as it should
    return undefined;
  }
  return store.transaction(async (tx) => {
    const txCtx: ScimContext = { ...ctx, store: boundTo(store, tx), lockOnRead: true };
    type PatchBody = Parameters<InstanceType<typeof SCIMMY.Resources.User>["patch"]>[0];
    type Message = ConstructorParameters<typeof SCIMMY.Messages.PatchOp>[0];
    let body = rawBody as PatchBody;
    if (wantsProjection(query)) {
      // SCIMMY's own sequence, whose answer honours the projection
      if (needsRewrite(ops)) {
        const rewritten = rewritePatch(ops, await users.get(txCtx, id));
        if (rewritten.length === 0) return undefined;
        body = { schemas: [PATCH_OP_SCHEMA], Operations: rewritten } as PatchBody;
      }
      return new SCIMMY.Resources.User(id, query as never).patch(body, txCtx);
    }
    // SCIMMY's PatchOp applies the operations; the read and the write are the store's, without
    // SCIMMY's re-renderings of the user around them (the answer is 204). The message is checked
    // before the user is read, as SCIMMY's patch does, unless it must first be rewritten against it.
    let message = needsRewrite(ops) ? null : new SCIMMY.Messages.PatchOp(body as Message);
    const current = await users.get(txCtx, id);
    if (!message) {
      const rewritten = rewritePatch(ops, current);
      if (rewritten.length === 0) return undefined; // e.g. removing an extension the user does not have
      message = new SCIMMY.Messages.PatchOp({ schemas: [PATCH_OP_SCHEMA], Operations: rewritten } as Message);
    }
    const source = new SCIMMY.Schemas.User(current, "out", "/Users");
    return message.apply(source, async (patched) =>
      renderStored("User", await users.write(txCtx, id, validatedForWrite("User", id, patched))),
    );
  });
}

function wantsProjection(query: Record<string, unknown>): boolean {
  return query.attributes !== undefined || query.excludedAttributes !== undefined;
}

/**
 * PATCH routes (RFC 7644 §3.5.2). Groups: member changes as row changes (group-patch.ts). Users:
 * SCIMMY applies the operations. Both answer 204 (Microsoft's suite expects it) unless attributes
 * were asked for.
 */
export function mountPatchRoutes(r: Router, store: Store, users: Users, send: Send): void {
  r.patch("/Groups/:id", async (req, res) => {
    const ctx = contextOf(req);
    await patchGroup(ctx, String(req.params.id), req.body);
    if (wantsResource(req)) send(req, res, 200, await new SCIMMY.Resources.Group(String(req.params.id), req.query).read(ctx));
    else res.status(204).end();
  });
  r.patch("/Users/:id", async (req, res) => {
    const value = await patchUser(store, users, contextOf(req), String(req.params.id), req.body, req.query as Record<string, unknown>);
    if (wantsResource(req) && value) send(req, res, 200, value);
    else res.status(204).end();
  });
}
