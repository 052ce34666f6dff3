import { describe, expect, it } from "@jest/globals";
import { planGroupPatch } from "../../src/scim/group-patch.js";
import type { PatchOperation } from "../../src/scim/patch-message.js";
import type { FilterNode } from "../../src/scim/filter.js";
import { LIMITS } from "../../src/scim/limits.js";

const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";

type Plan = ReturnType<typeof planGroupPatch>;

// Operation builders, as parsePatchMessage returns them (op names already lower-cased).
const add = (path: string | undefined, value: unknown): PatchOperation => ({ op: "add", path, value });
const replace = (path: string | undefined, value: unknown): PatchOperation => ({ op: "replace", path, value });
const remove = (path: string | undefined, value?: unknown): PatchOperation => ({ op: "remove", path, value });

/** A filter tree on a member's sub-attribute, as parseFilter returns it inside `members[...]`. */
const memberCmp = (attr: string, value: string): FilterNode => ({ kind: "compare", path: { attr }, op: "eq", value });

/** The error planGroupPatch throws, or a failure if it does not throw. */
function refusal(ops: PatchOperation[]): { status?: unknown; scimType?: unknown } {
  try {
    planGroupPatch(ops);
  } catch (err) {
    return err as { status?: unknown; scimType?: unknown };
  }
  throw new Error(`planGroupPatch accepted ${JSON.stringify(ops)}`);
}

describe("planGroupPatch: adding members", () => {
  it.each<[string, PatchOperation[], Plan]>([
    [
      "an array of {value, display}",
      [add("members", [{ value: "u1", display: "Ann" }, { value: "u2" }])],
      { members: [{ kind: "add", refs: [{ value: "u1", display: "Ann" }, { value: "u2" }] }] },
    ],
    ["one member object, not in an array", [add("members", { value: "u1" })], { members: [{ kind: "add", refs: [{ value: "u1" }] }] }],
    ["bare id strings", [add("members", ["u1", "u2"])], { members: [{ kind: "add", refs: [{ value: "u1" }, { value: "u2" }] }] }],
    [
      "Microsoft's displayName for display",
      [add("members", [{ value: "u1", displayName: "Ann" }])],
      { members: [{ kind: "add", refs: [{ value: "u1", display: "Ann" }] }] },
    ],
    [
      "display wins over displayName",
      [add("members", [{ value: "u1", display: "A", displayName: "B" }])],
      { members: [{ kind: "add", refs: [{ value: "u1", display: "A" }] }] },
    ],
    ["path in any case", [add("MEMBERS", [{ value: "u1" }])], { members: [{ kind: "add", refs: [{ value: "u1" }] }] }],
    [
      "path with the core schema URN",
      [add(`${GROUP}:members`, [{ value: "u1" }])],
      { members: [{ kind: "add", refs: [{ value: "u1" }] }] },
    ],
    [
      "path with the core schema URN in another case",
      [add(`${GROUP.toUpperCase()}:members`, [{ value: "u1" }])],
      { members: [{ kind: "add", refs: [{ value: "u1" }] }] },
    ],
    [
      "no path: an object holding members",
      [add(undefined, { members: [{ value: "u1" }] })],
      { members: [{ kind: "add", refs: [{ value: "u1" }] }] },
    ],
    [
      "no path: URN-qualified members key",
      [add(undefined, { [`${GROUP}:members`]: [{ value: "u1" }] })],
      { members: [{ kind: "add", refs: [{ value: "u1" }] }] },
    ],
    ["an empty array adds nothing but is still a change", [add("members", [])], { members: [{ kind: "add", refs: [] }] }],
  ])("%s", (_label, ops, plan) => {
    expect(planGroupPatch(ops)).toEqual(plan);
  });
});

describe("planGroupPatch: removing members", () => {
  it.each<[string, PatchOperation[], Plan]>([
    [
      "by value (Entra ID's form)",
      [remove("members", [{ value: "u1" }, { value: "u2" }])],
      { members: [{ kind: "removeValues", values: ["u1", "u2"] }] },
    ],
    ["by bare ids", [remove("members", ["u1"])], { members: [{ kind: "removeValues", values: ["u1"] }] }],
    ["all: path members without a value", [remove("members")], { members: [{ kind: "removeAll" }] }],
    ["all, URN-qualified path", [remove(`${GROUP}:members`)], { members: [{ kind: "removeAll" }] }],
    ["by a value filter", [remove('members[value eq "u1"]')], { members: [{ kind: "removeWhere", filter: memberCmp("value", "u1") }] }],
    [
      "by a value filter, URN-qualified, any case",
      [remove(`${GROUP}:Members[Value eq "u1"]`)],
      { members: [{ kind: "removeWhere", filter: memberCmp("value", "u1") }] },
    ],
    [
      "by a compound value filter",
      [remove('members[type eq "User" and value eq "u1"]')],
      { members: [{ kind: "removeWhere", filter: { kind: "and", left: memberCmp("type", "User"), right: memberCmp("value", "u1") } }] },
    ],
  ])("%s", (_label, ops, plan) => {
    expect(planGroupPatch(ops)).toEqual(plan);
  });
});

describe("planGroupPatch: replacing members", () => {
  it.each<[string, PatchOperation[], Plan]>([
    [
      "replace: remove all, then add",
      [replace("members", [{ value: "u1" }, { value: "u2" }])],
      { members: [{ kind: "removeAll" }, { kind: "add", refs: [{ value: "u1" }, { value: "u2" }] }] },
    ],
    [
      "replace with an empty list empties the group",
      [replace("members", [])],
      { members: [{ kind: "removeAll" }, { kind: "add", refs: [] }] },
    ],
    ["replace with null empties the group", [replace("members", null)], { members: [{ kind: "removeAll" }, { kind: "add", refs: [] }] }],
    [
      "no-path replace holding members",
      [replace(undefined, { members: ["u1"] })],
      { members: [{ kind: "removeAll" }, { kind: "add", refs: [{ value: "u1" }] }] },
    ],
  ])("%s", (_label, ops, plan) => {
    expect(planGroupPatch(ops)).toEqual(plan);
  });
});

describe("planGroupPatch: displayName and externalId", () => {
  it.each<[string, PatchOperation[], Plan]>([
    ["replace displayName", [replace("displayName", "Sales")], { displayName: "Sales", members: [] }],
    ["add displayName", [add("displayname", "Sales")], { displayName: "Sales", members: [] }],
    ["URN-qualified displayName", [replace(`${GROUP}:displayName`, "Sales")], { displayName: "Sales", members: [] }],
    [
      "no-path replace (Okta's form), echoed id/schemas/meta ignored",
      [replace(undefined, { id: "g1", schemas: [GROUP], meta: { resourceType: "Group" }, displayName: "Sales" })],
      { displayName: "Sales", members: [] },
    ],
    ["the last displayName wins", [replace("displayName", "A"), replace("displayName", "B")], { displayName: "B", members: [] }],
    ["displayName keeps surrounding spaces", [replace("displayName", " Sales ")], { displayName: " Sales ", members: [] }],
    ["replace externalId", [replace("externalId", "ext-1")], { externalId: "ext-1", members: [] }],
    ["remove externalId", [remove("externalId")], { externalId: null, members: [] }],
    ["replace externalId with null clears it", [replace("externalId", null)], { externalId: null, members: [] }],
    [
      "displayName and members in one no-path op",
      [replace(undefined, { displayName: "Sales", members: [{ value: "u1" }] })],
      { displayName: "Sales", members: [{ kind: "removeAll" }, { kind: "add", refs: [{ value: "u1" }] }] },
    ],
    ["path id is read-only, ignored", [replace("id", "other")], { members: [] }],
    ["path meta is read-only, ignored", [replace("meta", { version: 'W/"9"' })], { members: [] }],
    ["no operations: an empty plan", [], { members: [] }],
  ])("%s", (_label, ops, plan) => {
    expect(planGroupPatch(ops)).toEqual(plan);
  });
});

describe("planGroupPatch: coalescing", () => {
  it.each<[string, PatchOperation[], Plan]>([
    [
      "runs of adds become one add, in order",
      [add("members", [{ value: "u1" }]), add("members", [{ value: "u2" }]), add("members", ["u3"])],
      { members: [{ kind: "add", refs: [{ value: "u1" }, { value: "u2" }, { value: "u3" }] }] },
    ],
    [
      "runs of removals by value become one",
      [remove("members", [{ value: "u1" }]), remove("members", [{ value: "u2" }])],
      { members: [{ kind: "removeValues", values: ["u1", "u2"] }] },
    ],
    [
      "an add then a removal of the same member stay in order",
      [add("members", ["u1"]), remove("members", ["u1"])],
      {
        members: [
          { kind: "add", refs: [{ value: "u1" }] },
          { kind: "removeValues", values: ["u1"] },
        ],
      },
    ],
    [
      "add, remove, add: three runs",
      [add("members", ["u1"]), remove("members", ["u2"]), add("members", ["u3"])],
      {
        members: [
          { kind: "add", refs: [{ value: "u1" }] },
          { kind: "removeValues", values: ["u2"] },
          { kind: "add", refs: [{ value: "u3" }] },
        ],
      },
    ],
    [
      "removals by filter are not merged",
      [remove('members[value eq "u1"]'), remove('members[value eq "u2"]')],
      {
        members: [
          { kind: "removeWhere", filter: memberCmp("value", "u1") },
          { kind: "removeWhere", filter: memberCmp("value", "u2") },
        ],
      },
    ],
    [
      "a filter removal splits a run of removals by value",
      [remove("members", ["u1"]), remove('members[value eq "u2"]'), remove("members", ["u3"])],
      {
        members: [
          { kind: "removeValues", values: ["u1"] },
          { kind: "removeWhere", filter: memberCmp("value", "u2") },
          { kind: "removeValues", values: ["u3"] },
        ],
      },
    ],
    ["two remove-alls are not merged", [remove("members"), remove("members")], { members: [{ kind: "removeAll" }, { kind: "removeAll" }] }],
    [
      "replace then add: the add joins the replace's add",
      [replace("members", ["u1"]), add("members", ["u2"])],
      { members: [{ kind: "removeAll" }, { kind: "add", refs: [{ value: "u1" }, { value: "u2" }] }] },
    ],
    [
      "displayName between adds does not split the run",
      [add("members", ["u1"]), replace("displayName", "Sales"), add("members", ["u2"])],
      { displayName: "Sales", members: [{ kind: "add", refs: [{ value: "u1" }, { value: "u2" }] }] },
    ],
  ])("%s", (_label, ops, plan) => {
    expect(planGroupPatch(ops)).toEqual(plan);
  });
});

describe("planGroupPatch: refusals", () => {
  it.each<[string, number, string, PatchOperation[]]>([
    ["remove without a path", 400, "noTarget", [remove(undefined)]],
    ["no path, value an array", 400, "invalidValue", [add(undefined, [{ value: "u1" }])]],
    ["no path, value a string", 400, "invalidValue", [replace(undefined, "Sales")]],
    ["no path, value null", 400, "invalidValue", [replace(undefined, null)]],
    ["add without a value", 400, "invalidValue", [add("members", undefined)]],
    ["replace displayName without a value", 400, "invalidValue", [replace("displayName", undefined)]],
    ["remove displayName", 400, "mutability", [remove("displayName")]],
    ["displayName empty", 400, "invalidValue", [replace("displayName", "")]],
    ["displayName blank", 400, "invalidValue", [replace("displayName", "   ")]],
    ["displayName not a string", 400, "invalidValue", [replace("displayName", 42)]],
    ["no-path displayName null", 400, "invalidValue", [replace(undefined, { displayName: null })]],
    ["externalId empty", 400, "invalidValue", [replace("externalId", "")]],
    ["a member without a string value", 400, "invalidValue", [add("members", [{ value: 5 }])]],
    ["a member that is a number", 400, "invalidValue", [add("members", [5])]],
    ["removal by value naming a member without value", 400, "invalidValue", [remove("members", [{ display: "Ann" }])]],
    ["unknown attribute", 400, "invalidPath", [replace("description", "x")]],
    ["unknown attribute in a no-path value", 400, "invalidPath", [replace(undefined, { displayName: "x", owner: "y" })]],
    ["another schema's attribute", 400, "invalidPath", [replace("urn:ietf:params:scim:schemas:core:2.0:User:userName", "x")]],
    ["a sub-attribute path", 400, "invalidPath", [replace("members.value", "u1")]],
    ["a sub-attribute of displayName", 400, "invalidPath", [replace("displayName.x", "u1")]],
    ["add with a value filter", 400, "invalidPath", [add('members[value eq "u1"]', { display: "x" })]],
    ["replace with a value filter", 400, "invalidPath", [replace('members[value eq "u1"]', { display: "x" })]],
    ["a value filter on another attribute", 400, "invalidPath", [remove('emails[type eq "work"]')]],
    ["a value filter followed by a sub-attribute", 400, "invalidPath", [remove('members[value eq "u1"].display')]],
    ["a bracket that does not close", 400, "invalidPath", [remove('members[value eq "u1"')]],
    ["two value filters joined: not one value path", 400, "invalidPath", [remove('members[value eq "a"] and members[value eq "b"]')]],
    ["a malformed value filter", 400, "invalidFilter", [remove("members[value eqq 1]")]],
  ])("%s -> %d %s", (_label, status, scimType, ops) => {
    expect(refusal(ops)).toMatchObject({ status, scimType });
  });

  it("refuses before planning: a later bad operation fails the whole request", () => {
    expect(refusal([add("members", ["u1"]), replace("description", "x")])).toMatchObject({ status: 400, scimType: "invalidPath" });
  });
});

describe("planGroupPatch: member count limit", () => {
  const ids = (n: number, prefix = "u") => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

  it(`accepts exactly ${LIMITS.membersPerRequest} named members across operations`, () => {
    const half = LIMITS.membersPerRequest / 2;
    const plan = planGroupPatch([add("members", ids(half, "a")), remove("members", ids(half, "r"))]);
    expect(plan.members).toHaveLength(2);
    expect(plan.members.map((m) => m.kind)).toEqual(["add", "removeValues"]);
  });

  it.each<[string, PatchOperation[]]>([
    ["one add over the limit", [add("members", ids(LIMITS.membersPerRequest + 1))]],
    ["adds and removals together over the limit", [add("members", ids(LIMITS.membersPerRequest, "a")), remove("members", ["r1"])]],
    ["many small adds over the limit", Array.from({ length: LIMITS.membersPerRequest + 1 }, (_, i) => add("members", [`u${i}`]))],
  ])("%s -> 400 tooMany", (_label, ops) => {
    expect(refusal(ops)).toMatchObject({ status: 400, scimType: "tooMany" });
  });

  it("remove-all and filter removals name no member and do not count", () => {
    const plan = planGroupPatch([remove("members"), remove('members[value eq "x"]'), add("members", ids(LIMITS.membersPerRequest))]);
    expect(plan.members.map((m) => m.kind)).toEqual(["removeAll", "removeWhere", "add"]);
  });
});
