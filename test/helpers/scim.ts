import request from "supertest";
import type { Express } from "express";
import type { Store } from "../../src/store/store.js";
import { createClient, type ClientWithSecret } from "../../src/oauth/client-registry.js";
import { builtinRoleId } from "../../src/authz/roles.js";
import { system, tokenFor } from "./app.js";

export const SCIM = "/scim/v2";
export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

/** A SCIM client as an admin would make it: the SCIM Integration role, in all divisions unless told otherwise. */
export async function scimClient(store: Store, divisionIds: string[] = ["*"]): Promise<ClientWithSecret> {
  const roleId = (await builtinRoleId(store, "scim-integration"))!;
  return createClient(store, system, new Date(), {
    name: `scim ${Math.random()}`,
    roleDivisions: divisionIds.map((divisionId) => ({ roleId, divisionId })),
  });
}

/** A supertest agent factory that sends the bearer token and SCIM's content type. */
export async function scimAgent(app: Express, store: Store, divisionIds?: string[]) {
  const token = await tokenFor(app, await scimClient(store, divisionIds));
  const auth = { authorization: `Bearer ${token}` };
  return {
    token,
    get: (path: string) => request(app).get(`${SCIM}${path}`).set(auth),
    post: (path: string, body: unknown) =>
      request(app).post(`${SCIM}${path}`).set(auth).set("content-type", "application/scim+json").send(JSON.stringify(body)),
    put: (path: string, body: unknown) =>
      request(app).put(`${SCIM}${path}`).set(auth).set("content-type", "application/scim+json").send(JSON.stringify(body)),
    patch: (path: string, body: unknown) =>
      request(app).patch(`${SCIM}${path}`).set(auth).set("content-type", "application/scim+json").send(JSON.stringify(body)),
    delete: (path: string) => request(app).delete(`${SCIM}${path}`).set(auth),
  };
}

export function patchOp(...ops: Array<Record<string, unknown>>) {
  return { schemas: [PATCH_OP], Operations: ops };
}
