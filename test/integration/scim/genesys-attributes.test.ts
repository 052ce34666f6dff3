import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { openTestStore, type TestStore } from "../../helpers/store.js";
import { buildTestApp, type TestApp } from "../../helpers/app.js";
import { ENTERPRISE, PATCH_OP, scimAgent, USER_SCHEMA } from "../../helpers/scim.js";
import { desiredFields, type ScimUserResource } from "../../../src/sync/genesys-mapping.js";

/** Attributes Genesys's own SCIM takes beyond RFC 7643 that the bridge keeps and syncs. */
describe("the enterprise extension's dateHire, as Genesys's SCIM takes it", () => {
  let ts: TestStore;
  let t: TestApp;
  let scim: Awaited<ReturnType<typeof scimAgent>>;

  beforeAll(async () => {
    ts = await openTestStore();
    t = buildTestApp(ts.store);
    scim = await scimAgent(t.app, ts.store);
  });
  afterAll(async () => {
    await ts.close();
  });

  it("is kept on create, answered on read, changed by PATCH, and mapped to employerInfo.dateHire", async () => {
    // Before: SCIMMY's enterprise schema dropped it on create and a PATCH of it answered 400.
    const made = await scim.post("/Users", {
      schemas: [USER_SCHEMA, ENTERPRISE],
      userName: "hired@example.com",
      displayName: "Hired",
      [ENTERPRISE]: { employeeNumber: "E-1", dateHire: "2024-03-01" },
    });
    expect(made.status).toBe(201);
    expect(made.body[ENTERPRISE]).toMatchObject({ dateHire: "2024-03-01" });
    const read = await scim.get(`/Users/${made.body.id}`);
    expect(read.body[ENTERPRISE]).toMatchObject({ employeeNumber: "E-1", dateHire: "2024-03-01" });

    const patched = await scim.patch(`/Users/${made.body.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: "replace", path: `${ENTERPRISE}:dateHire`, value: "2025-01-15T00:00:00Z" }],
    });
    expect(patched.status).toBe(204);
    const [row] = await ts.store.query<{ resource: ScimUserResource }>("select resource from scim_users where id = $1", [made.body.id]);
    expect(row!.resource[ENTERPRISE]).toMatchObject({ dateHire: "2025-01-15T00:00:00Z" });
    expect(desiredFields(row!.resource, null).employerInfo).toEqual({ employeeId: "E-1", dateHire: "2025-01-15" });

    const schema = await scim.get(`/Schemas/${ENTERPRISE}`);
    expect(schema.body.attributes.map((a: { name: string }) => a.name)).toContain("dateHire");
  });
});
