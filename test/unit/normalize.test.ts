import { describe, expect, it } from "@jest/globals";
import { dropExtensionSchemas, fixStringBooleans, normalizePatchBody } from "../../src/scim/normalize.js";

const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GEN = "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User";
const CORE = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

const patch = (...ops: unknown[]) => ({ schemas: [PATCH_OP], Operations: ops });

describe("fixStringBooleans", () => {
  it.each<[string, unknown, unknown]>([
    ['active "True" (Entra ID)', { active: "True" }, { active: true }],
    ['active "False"', { active: "False" }, { active: false }],
    ['active "true"', { active: "true" }, { active: true }],
    ['active "false"', { active: "false" }, { active: false }],
    ['active "TRUE"', { active: "TRUE" }, { active: true }],
    ["active with spaces", { active: " false " }, { active: false }],
    ["active already a boolean", { active: true }, { active: true }],
    ['active "yes" is left for the schema to refuse', { active: "yes" }, { active: "yes" }],
    ['active "1" is left alone', { active: "1" }, { active: "1" }],
    ["active 0 is left alone", { active: 0 }, { active: 0 }],
    ["active null is left alone", { active: null }, { active: null }],
    ["key in any case", { Active: "True" }, { Active: true }],
    ["URN-qualified key", { [`${CORE}:active`]: "False" }, { [`${CORE}:active`]: false }],
    [
      "primary inside a multi-valued attribute",
      {
        emails: [
          { value: "a@x", primary: "True" },
          { value: "b@x", primary: "false" },
        ],
      },
      {
        emails: [
          { value: "a@x", primary: true },
          { value: "b@x", primary: false },
        ],
      },
    ],
    [
      "primary in an extension",
      { [GEN]: { routingSkills: [{ name: "s", primary: "TRUE" }] } },
      { [GEN]: { routingSkills: [{ name: "s", primary: true }] } },
    ],
    ['other attributes keep "True"', { title: "True", nickName: "false" }, { title: "True", nickName: "false" }],
    ['a value "true" under another name keeps its type', { emails: [{ value: "true" }] }, { emails: [{ value: "true" }] }],
    ["numbers and nulls elsewhere are kept", { x: 1, y: null, z: [1, "True"] }, { x: 1, y: null, z: [1, "True"] }],
    ["a top-level array of resources", [{ active: "True" }, { active: "False" }], [{ active: true }, { active: false }]],
    ["a bare string is not an attribute", "True", "True"],
    ["null", null, null],
    ["a number", 5, 5],
    ["an empty object", {}, {}],
  ])("%s", (_label, input, expected) => {
    expect(fixStringBooleans(input)).toEqual(expected);
  });

  it("does not change its input", () => {
    const input = { active: "True", emails: [{ primary: "False" }] };
    fixStringBooleans(input);
    expect(input).toEqual({ active: "True", emails: [{ primary: "False" }] });
  });
});

describe("dropExtensionSchemas", () => {
  it.each<[string, unknown, unknown]>([
    ["drops schemas inside an extension object", { [ENT]: { schemas: [ENT], department: "Care" } }, { [ENT]: { department: "Care" } }],
    [
      "in every extension",
      { [ENT]: { schemas: [ENT], department: "Care" }, [GEN]: { schemas: [GEN] } },
      { [ENT]: { department: "Care" }, [GEN]: {} },
    ],
    ["a URN key in any case", { "URN:x:y": { schemas: ["z"], a: 1 } }, { "URN:x:y": { a: 1 } }],
    [
      "keeps the resource's own schemas",
      { schemas: [CORE, ENT], [ENT]: { department: "Care" } },
      { schemas: [CORE, ENT], [ENT]: { department: "Care" } },
    ],
    ["keeps schemas under a non-extension key", { name: { schemas: ["x"], givenName: "A" } }, { name: { schemas: ["x"], givenName: "A" } }],
    ["a URN-qualified attribute that is not an object is kept", { [`${ENT}:department`]: "Care" }, { [`${ENT}:department`]: "Care" }],
    ["a URN key holding an array is kept", { [ENT]: [{ schemas: ["x"] }] }, { [ENT]: [{ schemas: ["x"] }] }],
    ["only one level deep", { [ENT]: { manager: { schemas: ["x"], value: "m" } } }, { [ENT]: { manager: { schemas: ["x"], value: "m" } } }],
    ["an array is returned as it is", [{ [ENT]: { schemas: [ENT] } }], [{ [ENT]: { schemas: [ENT] } }]],
    ["a string", "x", "x"],
    ["null", null, null],
  ])("%s", (_label, input, expected) => {
    expect(dropExtensionSchemas(input)).toEqual(expected);
  });
});

describe("normalizePatchBody: string booleans", () => {
  it.each<[string, unknown, unknown]>([
    ['path active, "False" (Entra ID)', { op: "Replace", path: "active", value: "False" }, { op: "Replace", path: "active", value: false }],
    ['path active, "True"', { op: "replace", path: "active", value: "True" }, { op: "replace", path: "active", value: true }],
    ["path active in any case", { op: "replace", path: "Active", value: "true" }, { op: "replace", path: "Active", value: true }],
    [
      "URN-qualified path",
      { op: "replace", path: `${CORE}:active`, value: "False" },
      { op: "replace", path: `${CORE}:active`, value: false },
    ],
    [
      "a value path ending in primary",
      { op: "replace", path: 'emails[type eq "work"].primary', value: "True" },
      { op: "replace", path: 'emails[type eq "work"].primary', value: true },
    ],
    [
      "a value path on a multi-valued attribute: booleans inside the value",
      { op: "add", path: 'emails[type eq "work"]', value: { value: "a@x", primary: "True" } },
      { op: "add", path: 'emails[type eq "work"]', value: { value: "a@x", primary: true } },
    ],
    [
      "path emails: booleans inside the value",
      { op: "add", path: "emails", value: [{ value: "a@x", primary: "false" }] },
      { op: "add", path: "emails", value: [{ value: "a@x", primary: false }] },
    ],
    [
      "no path: booleans inside the value",
      { op: "replace", value: { active: "False", title: "True" } },
      { op: "replace", value: { active: false, title: "True" } },
    ],
    ['path title keeps "True"', { op: "replace", path: "title", value: "True" }, { op: "replace", path: "title", value: "True" }],
    ['path active, "yes" left alone', { op: "replace", path: "active", value: "yes" }, { op: "replace", path: "active", value: "yes" }],
    ["remove without value", { op: "remove", path: "title" }, { op: "remove", path: "title", value: undefined }],
  ])("%s", (_label, op, expected) => {
    expect(normalizePatchBody(patch(op))).toEqual(patch(expected));
  });
});

describe("normalizePatchBody: manager", () => {
  it.each<[string, unknown, unknown]>([
    [
      "Entra ID's bare id on the extension path",
      { op: "Add", path: `${ENT}:manager`, value: "m-1" },
      { op: "Add", path: `${ENT}:manager`, value: { value: "m-1" } },
    ],
    [
      "a bare id on the path manager",
      { op: "replace", path: "manager", value: "m-1" },
      { op: "replace", path: `${ENT}:manager`, value: { value: "m-1" } },
    ],
    [
      "the path in another case",
      { op: "replace", path: "Manager", value: "m-1" },
      { op: "replace", path: `${ENT}:manager`, value: { value: "m-1" } },
    ],
    [
      "the extension path in another case",
      { op: "replace", path: `${ENT.toLowerCase()}:Manager`, value: "m-1" },
      { op: "replace", path: `${ENT}:manager`, value: { value: "m-1" } },
    ],
    [
      "Microsoft's older form: a one-element array of {value}",
      { op: "add", path: "manager", value: [{ value: "m-1" }] },
      { op: "add", path: `${ENT}:manager`, value: { value: "m-1" } },
    ],
    [
      "a one-element array of a bare id",
      { op: "add", path: "manager", value: ["m-1"] },
      { op: "add", path: `${ENT}:manager`, value: { value: "m-1" } },
    ],
    [
      "the standard form is kept",
      { op: "replace", path: `${ENT}:manager`, value: { value: "m-1" } },
      { op: "replace", path: `${ENT}:manager`, value: { value: "m-1" } },
    ],
    [
      "only value is kept of a manager object",
      { op: "replace", path: `${ENT}:manager`, value: { value: "m-1", displayName: "Boss" } },
      { op: "replace", path: `${ENT}:manager`, value: { value: "m-1" } },
    ],
    [
      "null (clearing the manager) is kept",
      { op: "replace", path: `${ENT}:manager`, value: null },
      { op: "replace", path: `${ENT}:manager`, value: null },
    ],
    ["remove without a value", { op: "remove", path: `${ENT}:manager` }, { op: "remove", path: `${ENT}:manager`, value: undefined }],
    [
      "manager.value is not rewritten",
      { op: "replace", path: `${ENT}:manager.value`, value: "m-1" },
      { op: "replace", path: `${ENT}:manager.value`, value: "m-1" },
    ],
  ])("%s", (_label, op, expected) => {
    expect(normalizePatchBody(patch(op))).toEqual(patch(expected));
  });

  // BUG: a value that is not one manager (an array of two, or an empty array) becomes `{value: undefined}`,
  // that is `{}` once serialised: the operation then sets an empty manager instead of being refused by the
  // schema. A value that is not a single id or object should be passed on unchanged, for SCIMMY to refuse.
  it.each<[string, unknown[]]>([
    ["two managers", ["m-1", "m-2"]],
    ["an empty array", []],
  ])("a value that is not one manager is passed on unchanged: %s", (_label, value) => {
    const out = normalizePatchBody(patch({ op: "replace", path: "manager", value })) as { Operations: Array<{ value: unknown }> };
    expect(out.Operations[0]?.value).toEqual(value);
  });
});

describe("normalizePatchBody: extension schemas", () => {
  it.each<[string, unknown, unknown]>([
    [
      "path the extension: schemas dropped from the value",
      { op: "replace", path: ENT, value: { schemas: [ENT], department: "Care" } },
      { op: "replace", path: ENT, value: { department: "Care" } },
    ],
    [
      "the Genesys extension",
      { op: "add", path: GEN, value: { schemas: [GEN], routingSkills: [] } },
      { op: "add", path: GEN, value: { routingSkills: [] } },
    ],
    [
      "the extension path in any case",
      { op: "add", path: ENT.toUpperCase(), value: { schemas: [ENT] } },
      { op: "add", path: ENT.toUpperCase(), value: {} },
    ],
    [
      "no path: schemas dropped inside extension objects, booleans fixed",
      { op: "replace", value: { active: "True", [ENT]: { schemas: [ENT], department: "Care" } } },
      { op: "replace", value: { active: true, [ENT]: { department: "Care" } } },
    ],
    [
      "another path keeps a schemas key",
      { op: "replace", path: "name", value: { schemas: ["x"], givenName: "A" } },
      { op: "replace", path: "name", value: { schemas: ["x"], givenName: "A" } },
    ],
  ])("%s", (_label, op, expected) => {
    expect(normalizePatchBody(patch(op))).toEqual(patch(expected));
  });
});

describe("normalizePatchBody: the body", () => {
  it.each<[string, unknown]>([
    ["null", null],
    ["a string", "x"],
    ["an array", [{ op: "replace", path: "active", value: "True" }]],
    ["no Operations", { schemas: [PATCH_OP] }],
    ["Operations not an array", { schemas: [PATCH_OP], Operations: { op: "replace", path: "active", value: "True" } }],
  ])("returns %s unchanged", (_label, body) => {
    expect(normalizePatchBody(body)).toBe(body);
  });

  it("reads a lower-case operations key and keeps it", () => {
    expect(normalizePatchBody({ schemas: [PATCH_OP], operations: [{ op: "replace", path: "active", value: "False" }] })).toEqual({
      schemas: [PATCH_OP],
      operations: [{ op: "replace", path: "active", value: false }],
    });
  });

  it("leaves operations that are not objects for the parser to refuse", () => {
    expect(normalizePatchBody(patch(null, "x", { op: "replace", path: "active", value: "True" }))).toEqual(
      patch(null, "x", { op: "replace", path: "active", value: true }),
    );
  });

  it("keeps the other members of the body and of each operation", () => {
    expect(
      normalizePatchBody({ schemas: [PATCH_OP], id: "x", Operations: [{ op: "replace", path: "active", value: "True", extra: 1 }] }),
    ).toEqual({
      schemas: [PATCH_OP],
      id: "x",
      Operations: [{ op: "replace", path: "active", value: true, extra: 1 }],
    });
  });

  it("does not change its input", () => {
    const body = patch({ op: "replace", path: "manager", value: "m-1" }, { op: "replace", path: "active", value: "True" });
    const copy = JSON.parse(JSON.stringify(body)) as unknown;
    normalizePatchBody(body);
    expect(body).toEqual(copy);
  });
});
