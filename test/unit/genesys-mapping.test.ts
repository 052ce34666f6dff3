import { describe, expect, it } from "@jest/globals";
import {
  addressesOf,
  createBody,
  desiredFields,
  fieldChanges,
  managerScimId,
  stateOf,
  type ScimUserResource,
} from "../../src/sync/genesys-mapping.js";
import type { GenesysUser } from "../../src/sync/targets/target.js";

const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const user: ScimUserResource = {
  userName: "ann@example.com",
  displayName: "Ann Smith",
  title: "Agent",
  active: true,
  emails: [{ value: "ann.smith@example.com", type: "work", primary: true }],
  phoneNumbers: [
    { value: "+1 555 0100", type: "work" },
    { value: "+1 555 0101", type: "Work2" },
    { value: "+1 555 0102", type: "mobile" },
    { value: "+1 555 0103", type: "microsoftteams" },
    { value: "+1 555 0104", type: "fax" },
  ],
  [ENT]: { department: "Care", employeeNumber: "42", dateHire: "2024-03-01T00:00:00Z", manager: { value: "m-1" }, division: "Sales" },
};

describe("SCIM user → Genesys Cloud user", () => {
  it("maps phone types to Genesys address types, skipping Teams, and adds a work e-mail that differs from userName", () => {
    expect(addressesOf(user)).toEqual([
      { address: "+1 555 0100", mediaType: "PHONE", type: "WORK" },
      { address: "+1 555 0101", mediaType: "PHONE", type: "WORK2" },
      { address: "+1 555 0102", mediaType: "PHONE", type: "MOBILE" },
      { address: "+1 555 0104", mediaType: "PHONE", type: "OTHER" },
      { address: "ann.smith@example.com", mediaType: "EMAIL", type: "WORK" },
    ]);
    expect(addressesOf({ userName: "a@x", emails: [{ value: "A@X", type: "work" }] })).toEqual([]);
  });

  it("builds the create body: name, email = userName, divisionId, title, department; no manager or employer info", () => {
    const body = createBody(user, "div-1");
    expect(body).toMatchObject({ name: "Ann Smith", email: "ann@example.com", divisionId: "div-1", title: "Agent", department: "Care" });
    expect(body).not.toHaveProperty("manager");
    expect(body).not.toHaveProperty("employerInfo");
    expect(createBody({ userName: "x@y" }, undefined)).toEqual({ name: "x@y", email: "x@y" });
  });

  it("maps active to state", () => {
    expect(stateOf({ active: false })).toBe("inactive");
    expect(stateOf({ active: true })).toBe("active");
    expect(stateOf({})).toBe("active");
  });

  it("finds the manager's SCIM id and puts employee number and hire date in employerInfo", () => {
    expect(managerScimId(user)).toBe("m-1");
    expect(managerScimId({})).toBeNull();
    expect(desiredFields(user, "g-9")).toMatchObject({ manager: "g-9", employerInfo: { employeeId: "42", dateHire: "2024-03-01" } });
  });

  it("sends only what differs, and nothing when the target already matches", () => {
    const want = desiredFields(user, "g-9");
    const current: GenesysUser = {
      id: "u1",
      version: 3,
      state: "active",
      name: "Ann Smith",
      email: "ANN@example.com",
      title: "Agent",
      department: "Care",
      manager: { id: "g-9" },
      addresses: [...(want.addresses ?? [])].reverse(),
      employerInfo: { employeeId: "42", dateHire: "2024-03-01" },
    };
    expect(fieldChanges(current, want)).toBeNull();
    expect(fieldChanges({ ...current, title: "Lead", manager: null }, want)).toEqual({ title: "Agent", manager: "g-9" });
    expect(fieldChanges({ ...current, addresses: [] }, want)).toEqual({ addresses: want.addresses });
    expect(fieldChanges(current, desiredFields({ ...user, [ENT]: { ...user[ENT], manager: undefined } }, null))).toEqual({ manager: null });
  });
});
