import { describe, expect, it } from "@jest/globals";
import {
  addressesOf,
  createBody,
  desiredFields,
  externalIdsOf,
  fieldChanges,
  managerScimId,
  mergeWithTarget,
  phoneAddress,
  routingOf,
  SCIM_EXTERNAL_ID_AUTHORITY,
  stateOf,
  type ScimUserResource,
} from "../../src/sync/genesys-mapping.js";
import type { GenesysExternalId, GenesysUser } from "../../src/genesys/api-types.js";
import type { RoutingKind } from "../../src/genesys/requests.js";

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
  it("maps phone types to Genesys address types in E.164 (Teams to OTHER, first one per type), and adds a work e-mail that differs from userName", () => {
    expect(addressesOf(user)).toEqual([
      { address: "+15550100", mediaType: "PHONE", type: "WORK" },
      { address: "+15550101", mediaType: "PHONE", type: "WORK2" },
      { address: "+15550102", mediaType: "PHONE", type: "MOBILE" },
      { address: "+15550103", mediaType: "PHONE", type: "OTHER" },
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
    // Genesys clears a manager with "" (its Terraform provider sends that), never null
    expect(fieldChanges(current, desiredFields({ ...user, [ENT]: { ...user[ENT], manager: undefined } }, null))).toEqual({ manager: "" });
  });

  it.each([
    ["a manager in Genesys", "g-9", null, { manager: "g-9" }],
    ["the same manager", "g-9", { id: "g-9" }, null],
    ["no manager, one in Genesys: cleared with an empty string", null, { id: "g-9" }, { manager: "" }],
    ["no manager, none in Genesys", null, null, null],
    ["a manager not yet in Genesys: left as it is", undefined, { id: "g-old" }, null],
    ["a manager not yet in Genesys, none there", undefined, null, null],
  ])("manager: %s", (_case, managerId, current, expected) => {
    const want = desiredFields(user, managerId as string | null | undefined);
    const base: GenesysUser = {
      id: "u1",
      version: 1,
      state: "active",
      name: "Ann Smith",
      email: "ann@example.com",
      title: "Agent",
      department: "Care",
      manager: current as { id: string } | null,
      addresses: want.addresses ?? [],
      employerInfo: { employeeId: "42", dateHire: "2024-03-01" },
    };
    expect(fieldChanges(base, want)).toEqual(expected);
  });
});

describe("phone numbers as Genesys keeps them (E.164, extension apart)", () => {
  it.each([
    ["+1 555 0100 123", { address: "+15550100123" }],
    ["+44 (20) 7946-0958", { address: "+442079460958" }],
    ["+49.30.1234567", { address: "+49301234567" }],
    ["tel:+1-555-010-0123;ext=42", { address: "+15550100123", extension: "42" }],
    ["TEL:+15550100123", { address: "+15550100123" }],
    ["+1 555 010 0123 x 7", { address: "+15550100123", extension: "7" }],
    ["+1 555 010 0123 ext. 99", { address: "+15550100123", extension: "99" }],
    ["555-0100", { address: "555-0100" }],
    ["+12", { address: "+12" }],
  ])("%s", (value, expected) => {
    expect(phoneAddress(value)).toEqual(expected);
  });

  it("maps microsoftteams numbers to Genesys's OTHER phone, as its own SCIM does", () => {
    expect(addressesOf({ phoneNumbers: [{ value: "tel:+15550100", type: "microsoftteams" }] })).toEqual([
      { address: "+15550100", mediaType: "PHONE", type: "OTHER" },
    ]);
  });
});

describe("PATCHes keep what Genesys holds that the bridge does not own", () => {
  it.each([
    [
      "an SMS number and a home e-mail stay; owned phones are replaced",
      { addresses: [{ address: "+15550100", mediaType: "PHONE" as const, type: "WORK" }] },
      {
        addresses: [
          { address: "+15550999", mediaType: "PHONE" as const, type: "WORK" },
          { address: "+15550111", mediaType: "SMS" as const, type: "MOBILE" },
          { address: "me@home.example", mediaType: "EMAIL" as const, type: "HOME" },
        ],
      },
      {
        addresses: [
          { address: "+15550111", mediaType: "SMS", type: "MOBILE" },
          { address: "me@home.example", mediaType: "EMAIL", type: "HOME" },
          { address: "+15550100", mediaType: "PHONE", type: "WORK" },
        ],
      },
    ],
    [
      "officialName and employeeType stay; employeeId is set; a dateHire no longer asked is removed",
      { employerInfo: { employeeId: "42" } },
      { employerInfo: { officialName: "Ann B. Smith", employeeType: "Full-time", employeeId: "41", dateHire: "2020-01-01" } },
      { employerInfo: { officialName: "Ann B. Smith", employeeType: "Full-time", employeeId: "42" } },
    ],
    ["other changes pass through untouched", { title: "Lead" }, { employerInfo: { officialName: "X" } }, { title: "Lead" }],
  ])("%s", (_case, changes, held, expected) => {
    expect(mergeWithTarget(changes, held)).toEqual(expected);
  });
});

const GENESYS_EXT = "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User";
type GenesysExtension = NonNullable<ScimUserResource[typeof GENESYS_EXT]>;
const withExtension = (ext: unknown): ScimUserResource => ({ userName: "ann@example.com", [GENESYS_EXT]: ext as GenesysExtension });

describe("routingOf: the Genesys extension's skills and languages", () => {
  it.each<[string, ScimUserResource, RoutingKind, Array<{ name: string; proficiency: number }> | undefined]>([
    ["no extension: skills left alone", { userName: "ann@example.com" }, "skills", undefined],
    ["no extension: languages left alone", { userName: "ann@example.com" }, "languages", undefined],
    ["extension without routingSkills", withExtension({ routingLanguages: [{ name: "English", proficiency: 5 }] }), "skills", undefined],
    ["extension without routingLanguages", withExtension({ routingSkills: [{ name: "Billing", proficiency: 3 }] }), "languages", undefined],
    ["routingSkills null", withExtension({ routingSkills: null }), "skills", undefined],
    ["routingSkills not an array", withExtension({ routingSkills: { name: "Billing", proficiency: 3 } }), "skills", undefined],
    ["empty routingSkills: none wanted", withExtension({ routingSkills: [] }), "skills", []],
    ["empty routingLanguages: none wanted", withExtension({ routingLanguages: [] }), "languages", []],
    [
      "skills kept in order",
      withExtension({
        routingSkills: [
          { name: "Billing", proficiency: 3 },
          { name: "Sales", proficiency: 1 },
        ],
      }),
      "skills",
      [
        { name: "Billing", proficiency: 3 },
        { name: "Sales", proficiency: 1 },
      ],
    ],
    [
      "a skill's proficiency is not rounded",
      withExtension({ routingSkills: [{ name: "Billing", proficiency: 4.5 }] }),
      "skills",
      [{ name: "Billing", proficiency: 4.5 }],
    ],
    [
      "a skill's 2.4 stays 2.4",
      withExtension({ routingSkills: [{ name: "Billing", proficiency: 2.4 }] }),
      "skills",
      [{ name: "Billing", proficiency: 2.4 }],
    ],
    [
      "a language's 4.5 rounds to 5",
      withExtension({ routingLanguages: [{ name: "English", proficiency: 4.5 }] }),
      "languages",
      [{ name: "English", proficiency: 5 }],
    ],
    [
      "a language's 2.4 rounds to 2",
      withExtension({ routingLanguages: [{ name: "English", proficiency: 2.4 }] }),
      "languages",
      [{ name: "English", proficiency: 2 }],
    ],
    [
      "a language's 2.5 rounds to 3 (half up)",
      withExtension({ routingLanguages: [{ name: "English", proficiency: 2.5 }] }),
      "languages",
      [{ name: "English", proficiency: 3 }],
    ],
    [
      "a language's 0.49 rounds to 0",
      withExtension({ routingLanguages: [{ name: "English", proficiency: 0.49 }] }),
      "languages",
      [{ name: "English", proficiency: 0 }],
    ],
    [
      "a language's whole number is kept",
      withExtension({ routingLanguages: [{ name: "English", proficiency: 3 }] }),
      "languages",
      [{ name: "English", proficiency: 3 }],
    ],
    [
      "a skill without proficiency: 0",
      withExtension({ routingSkills: [{ name: "Billing" }] }),
      "skills",
      [{ name: "Billing", proficiency: 0 }],
    ],
    [
      "a language without proficiency: 0",
      withExtension({ routingLanguages: [{ name: "English" }] }),
      "languages",
      [{ name: "English", proficiency: 0 }],
    ],
    [
      "a null proficiency: 0",
      withExtension({ routingSkills: [{ name: "Billing", proficiency: null }] }),
      "skills",
      [{ name: "Billing", proficiency: 0 }],
    ],
    [
      "a proficiency of 0 is kept",
      withExtension({ routingSkills: [{ name: "Billing", proficiency: 0 }] }),
      "skills",
      [{ name: "Billing", proficiency: 0 }],
    ],
    [
      "a duplicate name: the last one wins, in the first one's place",
      withExtension({
        routingSkills: [
          { name: "Billing", proficiency: 1 },
          { name: "Sales", proficiency: 2 },
          { name: "Billing", proficiency: 3 },
        ],
      }),
      "skills",
      [
        { name: "Billing", proficiency: 3 },
        { name: "Sales", proficiency: 2 },
      ],
    ],
    [
      "a duplicate language: the last one wins, after rounding",
      withExtension({
        routingLanguages: [
          { name: "English", proficiency: 1 },
          { name: "English", proficiency: 3.6 },
        ],
      }),
      "languages",
      [{ name: "English", proficiency: 4 }],
    ],
    [
      "names are case-sensitive: both kept",
      withExtension({
        routingSkills: [
          { name: "billing", proficiency: 1 },
          { name: "Billing", proficiency: 2 },
        ],
      }),
      "skills",
      [
        { name: "billing", proficiency: 1 },
        { name: "Billing", proficiency: 2 },
      ],
    ],
    [
      "entries without a name are skipped",
      withExtension({ routingSkills: [{ proficiency: 5 }, { name: "", proficiency: 4 }, { name: "Billing", proficiency: 3 }] }),
      "skills",
      [{ name: "Billing", proficiency: 3 }],
    ],
    ["only nameless entries: none wanted", withExtension({ routingLanguages: [{ proficiency: 5 }] }), "languages", []],
    [
      "skills are read from routingSkills, languages from routingLanguages",
      withExtension({ routingSkills: [{ name: "Billing", proficiency: 2 }], routingLanguages: [{ name: "English", proficiency: 5 }] }),
      "languages",
      [{ name: "English", proficiency: 5 }],
    ],
  ])("%s", (_label, u, kind, expected) => {
    expect(routingOf(u, kind)).toEqual(expected);
  });
});

describe("externalIdsOf: the external ids to keep in Genesys", () => {
  it("keeps the core externalId under the bridge's own authority", () => {
    expect(SCIM_EXTERNAL_ID_AUTHORITY).toBe("scim-bridge");
  });

  it.each<[string, ScimUserResource, GenesysExternalId[]]>([
    ["no externalId, no extension: none", { userName: "ann@example.com" }, []],
    ["an empty externalId: none", { externalId: "" }, []],
    ["the core externalId", { externalId: "okta-00u1" }, [{ authorityName: "scim-bridge", externalKey: "okta-00u1" }]],
    ["an extension without externalIds", withExtension({ routingSkills: [] }), []],
    ["empty extension externalIds", withExtension({ externalIds: [] }), []],
    [
      "extension externalIds: authority → authorityName, value → externalKey, in order",
      withExtension({
        externalIds: [
          { authority: "hr", value: "E42" },
          { authority: "payroll", value: "P-7" },
        ],
      }),
      [
        { authorityName: "hr", externalKey: "E42" },
        { authorityName: "payroll", externalKey: "P-7" },
      ],
    ],
    [
      "the core externalId first, then the extension's",
      { externalId: "okta-00u1", [GENESYS_EXT]: { externalIds: [{ authority: "hr", value: "E42" }] } },
      [
        { authorityName: "scim-bridge", externalKey: "okta-00u1" },
        { authorityName: "hr", externalKey: "E42" },
      ],
    ],
    ["Genesys's own SCIM authority is skipped", withExtension({ externalIds: [{ authority: "x-pc:scimv2:v1", value: "abc" }] }), []],
    [
      "an authority under Genesys's prefix is skipped",
      withExtension({ externalIds: [{ authority: "x-pc:scimv2:v1:okta", value: "abc" }] }),
      [],
    ],
    [
      "an authority merely containing the prefix is kept",
      withExtension({ externalIds: [{ authority: "my-x-pc:scimv2:v1", value: "abc" }] }),
      [{ authorityName: "my-x-pc:scimv2:v1", externalKey: "abc" }],
    ],
    [
      "Genesys's authority skipped, the others kept",
      withExtension({
        externalIds: [
          { authority: "x-pc:scimv2:v1", value: "abc" },
          { authority: "hr", value: "E42" },
        ],
      }),
      [{ authorityName: "hr", externalKey: "E42" }],
    ],
    [
      "duplicates are dropped",
      withExtension({
        externalIds: [
          { authority: "hr", value: "E42" },
          { authority: "hr", value: "E42" },
        ],
      }),
      [{ authorityName: "hr", externalKey: "E42" }],
    ],
    [
      "the core externalId repeated under the bridge's authority in the extension: once",
      { externalId: "okta-00u1", [GENESYS_EXT]: { externalIds: [{ authority: "scim-bridge", value: "okta-00u1" }] } },
      [{ authorityName: "scim-bridge", externalKey: "okta-00u1" }],
    ],
    [
      "same authority, different values: the first kept (Genesys holds one key per authority and user)",
      withExtension({
        externalIds: [
          { authority: "hr", value: "E42" },
          { authority: "hr", value: "E43" },
        ],
      }),
      [{ authorityName: "hr", externalKey: "E42" }],
    ],
    [
      "same value, different authorities: both kept",
      withExtension({
        externalIds: [
          { authority: "hr", value: "E42" },
          { authority: "payroll", value: "E42" },
        ],
      }),
      [
        { authorityName: "hr", externalKey: "E42" },
        { authorityName: "payroll", externalKey: "E42" },
      ],
    ],
    [
      "entries without an authority or a value are skipped",
      withExtension({
        externalIds: [
          { value: "E1" },
          { authority: "hr" },
          { authority: "", value: "E2" },
          { authority: "hr", value: "" },
          {},
          { authority: "hr", value: "E3" },
        ],
      }),
      [{ authorityName: "hr", externalKey: "E3" }],
    ],
  ])("%s", (_label, u, expected) => {
    expect(externalIdsOf(u)).toEqual(expected);
  });
});
