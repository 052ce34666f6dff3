import { describe, expect, it } from "@jest/globals";
import { planGroup, type GroupStep } from "../../src/sync/group-plan.js";

describe("planGroup", () => {
  it.each<[string, string, string, string[], string[], GroupStep[]]>([
    ["same name, same members: nothing", "Care", "Care", ["u1", "u2"], ["u2", "u1"], []],
    ["same name, no members either side: nothing", "Care", "Care", [], [], []],
    ["renamed", "Care", "Support", [], [], [{ kind: "rename", name: "Support" }]],
    ["a change of case is a rename", "Care", "care", ["u1"], ["u1"], [{ kind: "rename", name: "care" }]],
    ["a trailing space is a rename", "Care", "Care ", [], [], [{ kind: "rename", name: "Care " }]],
    ["new members are added", "Care", "Care", ["u1", "u2", "u3"], ["u2"], [{ kind: "addMembers", userIds: ["u1", "u3"] }]],
    [
      "members no longer wanted are removed",
      "Care",
      "Care",
      ["u2"],
      ["u1", "u2", "u3"],
      [{ kind: "removeMembers", userIds: ["u1", "u3"] }],
    ],
    ["all members removed", "Care", "Care", [], ["u1", "u2"], [{ kind: "removeMembers", userIds: ["u1", "u2"] }]],
    ["an empty group filled", "Care", "Care", ["u1", "u2"], [], [{ kind: "addMembers", userIds: ["u1", "u2"] }]],
    [
      "rename, adds and removes, in that order",
      "Care",
      "Support",
      ["u1", "u2"],
      ["u2", "u3"],
      [
        { kind: "rename", name: "Support" },
        { kind: "addMembers", userIds: ["u1"] },
        { kind: "removeMembers", userIds: ["u3"] },
      ],
    ],
    [
      "duplicates in the desired members are added once",
      "Care",
      "Care",
      ["u1", "u1", "u2", "u1"],
      [],
      [{ kind: "addMembers", userIds: ["u1", "u2"] }],
    ],
    [
      "duplicates in the current members are removed once",
      "Care",
      "Care",
      [],
      ["u3", "u3", "u4"],
      [{ kind: "removeMembers", userIds: ["u3", "u4"] }],
    ],
    ["duplicates on both sides, same set: nothing", "Care", "Care", ["u1", "u2", "u1"], ["u2", "u2", "u1"], []],
    [
      "ids are compared exactly (case counts)",
      "Care",
      "Care",
      ["U1"],
      ["u1"],
      [
        { kind: "addMembers", userIds: ["U1"] },
        { kind: "removeMembers", userIds: ["u1"] },
      ],
    ],
  ])("%s", (_label, held, name, desired, current, expected) => {
    expect(planGroup({ name: held }, name, desired, current)).toEqual(expected);
  });

  it("takes any iterable: sets and generators", () => {
    function* current() {
      yield "u2";
      yield "u3";
    }
    expect(planGroup({ name: "Care" }, "Care", new Set(["u1", "u2"]), current())).toEqual([
      { kind: "addMembers", userIds: ["u1"] },
      { kind: "removeMembers", userIds: ["u3"] },
    ]);
  });

  it("adds in the order the desired members come, removes in the order the current ones come", () => {
    expect(planGroup({ name: "G" }, "G", ["c", "a", "b"], ["z", "y"])).toEqual([
      { kind: "addMembers", userIds: ["c", "a", "b"] },
      { kind: "removeMembers", userIds: ["z", "y"] },
    ]);
  });

  it("does not split long member lists (the executor chunks them)", () => {
    const ids = Array.from({ length: 120 }, (_, i) => `u${i}`);
    expect(planGroup({ name: "G" }, "G", ids, [])).toEqual([{ kind: "addMembers", userIds: ids }]);
  });
});
