import { describe, expect, it } from "@jest/globals";
import {
  ALL_DIVISIONS,
  BRIDGE_ADMIN_PERMISSIONS,
  PERMISSION_PATTERN,
  SCIM_INTEGRATION_PERMISSIONS,
  isCoveredBy,
  isSubset,
  mayDo,
  mayGrant,
  permissionCovers,
  permissionsIn,
  type EffectiveGrant,
} from "../../src/authz/permissions.js";

const grant = (roleId: string, divisionId: string, permissions: string[]): EffectiveGrant => ({ roleId, divisionId, permissions });

describe("PERMISSION_PATTERN", () => {
  it.each<[string, boolean]>([
    ["directory:user:view", true],
    ["*:*:*", true],
    ["directory:*:view", true],
    ["bridge:token:revoke", true],
    ["a_b:c-d:E9", true],
    ["directory:user", false],
    ["directory:user:view:extra", false],
    ["directory::view", false],
    ["directory:us er:view", false],
    ["directory:user*:view", false],
    ["", false],
  ])("%j -> %s", (p, ok) => {
    expect(PERMISSION_PATTERN.test(p)).toBe(ok);
  });
});

describe("permissionCovers", () => {
  it.each<[string, string, boolean]>([
    // exact
    ["directory:user:view", "directory:user:view", true],
    ["directory:user:view", "directory:user:edit", false],
    ["directory:user:view", "directory:group:view", false],
    ["directory:user:view", "routing:user:view", false],
    // wildcards in each segment of `held`
    ["*:user:view", "directory:user:view", true],
    ["directory:*:view", "directory:group:view", true],
    ["directory:user:*", "directory:user:delete", true],
    ["directory:*:*", "directory:group:add", true],
    ["*:*:*", "bridge:client:add", true],
    ["*:user:view", "directory:user:edit", false],
    ["directory:*:view", "directory:group:edit", false],
    ["directory:user:*", "directory:group:view", false],
    ["directory:*:*", "routing:skill:assign", false],
    // a wildcard wanted is covered only by a wildcard
    ["directory:user:view", "directory:user:*", false],
    ["directory:user:*", "directory:*:*", false],
    ["directory:user:view", "*:*:*", false],
    ["directory:*:view", "directory:*:*", false],
    ["directory:user:*", "directory:user:*", true],
    ["directory:*:*", "directory:user:*", true],
    ["directory:*:*", "directory:*:*", true],
    ["*:*:*", "*:*:*", true],
    ["*:*:*", "directory:*:view", true],
    // malformed (wrong number of segments)
    ["directory:user", "directory:user", false],
    ["directory:user:view", "directory:user", false],
    ["*:*:*", "directory:user", false],
    ["*:*:*", "directory:user:view:extra", false],
    ["*:*", "directory:user:view", false],
    ["*:*:*:*", "directory:user:view", false],
    ["", "", false],
    ["*:*:*", "", false],
  ])("held %j covers wanted %j -> %s", (held, wanted, expected) => {
    expect(permissionCovers(held, wanted)).toBe(expected);
  });

  // Malformed strings must not be covered (PERMISSION_PATTERN forbids empty segments and stray characters),
  // but permissionCovers only counts segments, so `*` in `held` matches anything in that segment.
  it.each<[string, string]>([
    ["*:*:*", "directory:user:"],
    ["*:*:*", "::"],
    ["directory:user:", "directory:user:"],
    ["*:*:*", "directory:us er:view"],
  ])("malformed (pattern-violating) strings are not covered: held %j wanted %j", (held, wanted) => {
    expect(PERMISSION_PATTERN.test(held) && PERMISSION_PATTERN.test(wanted)).toBe(false);
    expect(permissionCovers(held, wanted)).toBe(false);
  });
});

describe("isCoveredBy / isSubset", () => {
  it.each<[string, string[], boolean]>([
    ["directory:user:view", ["routing:skill:assign", "directory:user:view"], true],
    ["directory:user:view", ["directory:*:*"], true],
    ["directory:user:view", ["directory:group:*"], false],
    ["directory:user:view", [], false],
  ])("isCoveredBy(%j, %j) -> %s", (wanted, held, expected) => {
    expect(isCoveredBy(wanted, held)).toBe(expected);
  });

  it.each<[string, string[], string[], boolean]>([
    ["empty wanted is a subset of anything", [], [], true],
    ["equal sets", ["a:b:c", "d:e:f"], ["d:e:f", "a:b:c"], true],
    ["proper subset", ["a:b:c"], ["a:b:c", "d:e:f"], true],
    ["one missing", ["a:b:c", "x:y:z"], ["a:b:c", "d:e:f"], false],
    ["covered by wildcard", ["a:b:c", "a:q:r"], ["a:*:*"], true],
    ["wanted wildcard, held concrete", ["a:b:*"], ["a:b:c", "a:b:d"], false],
    ["wanted wildcard, held wider wildcard", ["a:b:*"], ["a:*:*"], true],
    ["nothing held", ["a:b:c"], [], false],
    ["duplicates in wanted", ["a:b:c", "a:b:c"], ["a:b:c"], true],
  ])("%s", (_label, wanted, held, expected) => {
    expect(isSubset(wanted, held)).toBe(expected);
  });
});

describe("permissionsIn", () => {
  const grants = [
    grant("r1", "d1", ["directory:user:view", "directory:user:edit"]),
    grant("r2", "d2", ["routing:skill:assign"]),
    grant("r3", ALL_DIVISIONS, ["bridge:audit:view", "directory:user:view"]),
  ];
  it.each<[string, EffectiveGrant[], string, string[]]>([
    ["d1: its own grants plus * grants, deduplicated", grants, "d1", ["directory:user:view", "directory:user:edit", "bridge:audit:view"]],
    ["d2: its own grants plus * grants", grants, "d2", ["routing:skill:assign", "bridge:audit:view", "directory:user:view"]],
    ["a division with no grant of its own: only * grants", grants, "d9", ["bridge:audit:view", "directory:user:view"]],
    ["*: only * grants", grants, ALL_DIVISIONS, ["bridge:audit:view", "directory:user:view"]],
    ["no * grant, other division: nothing", [grant("r1", "d1", ["a:b:c"])], "d2", []],
    ["no grants", [], "d1", []],
  ])("%s", (_label, gs, division, expected) => {
    const got = permissionsIn(gs, division);
    expect([...got].sort()).toEqual([...expected].sort());
    expect(new Set(got).size).toBe(got.length);
  });
});

describe("mayDo", () => {
  const grants = [grant("r1", "d1", ["directory:user:*"]), grant("r2", ALL_DIVISIONS, ["bridge:audit:view"])];
  it.each<[string, string, string | undefined, boolean]>([
    ["wildcard grant in the division", "directory:user:edit", "d1", true],
    ["grant only in another division", "directory:user:edit", "d2", false],
    ["* grant applies to any division", "bridge:audit:view", "d2", true],
    ["* grant applies to *", "bridge:audit:view", ALL_DIVISIONS, true],
    ["division grant does not apply to *", "directory:user:edit", ALL_DIVISIONS, false],
    ["not held anywhere", "bridge:client:add", "d1", false],
    ["no division: held in some division", "directory:user:edit", undefined, true],
    ["no division: held in *", "bridge:audit:view", undefined, true],
    ["no division: not held anywhere", "bridge:client:add", undefined, false],
    ["wildcard wanted not covered by narrower held", "directory:*:*", "d1", false],
  ])("%s (%s in %s) -> %s", (_label, permission, division, expected) => {
    expect(mayDo(grants, permission, division)).toBe(expected);
  });

  it("no grants -> false even with no division", () => {
    expect(mayDo([], "directory:user:view")).toBe(false);
  });

  it("permissions from two grants in the same division are not combined into one check", () => {
    // mayDo asks about one permission; it must be covered by a single held permission.
    expect(mayDo([grant("a", "d1", ["directory:user:view"])], "directory:user:edit", "d1")).toBe(false);
  });
});

describe("mayGrant", () => {
  const scimRole = { id: "scim", permissions: [...SCIM_INTEGRATION_PERMISSIONS] };
  const smallRole = { id: "small", permissions: ["directory:user:view", "directory:group:view"] };
  const emptyRole = { id: "empty", permissions: [] as string[] };

  it.each<[string, EffectiveGrant[], { id: string; permissions: string[] }, string, boolean]>([
    ["admin holds the role in that division", [grant("scim", "d1", [])], scimRole, "d1", true],
    ["admin holds the role in *", [grant("scim", ALL_DIVISIONS, [])], scimRole, "d1", true],
    ["admin holds the role in * and grants in *", [grant("scim", ALL_DIVISIONS, [])], scimRole, ALL_DIVISIONS, true],
    ["admin holds the role only in another division", [grant("scim", "d2", [...SCIM_INTEGRATION_PERMISSIONS])], scimRole, "d1", false],
    [
      "admin holds all the role's permissions there via another role",
      [grant("other", "d1", [...SCIM_INTEGRATION_PERMISSIONS, "x:y:z"])],
      scimRole,
      "d1",
      true,
    ],
    ["admin holds all the role's permissions via wildcard", [grant("other", "d1", ["directory:*:*"])], smallRole, "d1", true],
    [
      "admin holds the permissions split over a division grant and a * grant",
      [grant("a", "d1", ["directory:user:view"]), grant("b", ALL_DIVISIONS, ["directory:group:view"])],
      smallRole,
      "d1",
      true,
    ],
    ["admin holds all but one permission there", [grant("other", "d1", ["directory:user:view"])], smallRole, "d1", false],
    [
      "admin holds the missing permission only in another division",
      [grant("a", "d1", ["directory:user:view"]), grant("b", "d2", ["directory:group:view"])],
      smallRole,
      "d1",
      false,
    ],
    ["admin holds the permissions only in another division", [grant("other", "d2", ["directory:*:*"])], smallRole, "d1", false],
    ["granting in * with the role held only in a division", [grant("small", "d1", [])], smallRole, ALL_DIVISIONS, false],
    [
      "granting in * with the permissions held only in a division",
      [grant("other", "d1", ["directory:*:*"])],
      smallRole,
      ALL_DIVISIONS,
      false,
    ],
    ["granting in * with the permissions held in *", [grant("other", ALL_DIVISIONS, ["directory:*:*"])], smallRole, ALL_DIVISIONS, true],
    [
      "granting in * with the permissions split between * and a division",
      [grant("a", ALL_DIVISIONS, ["directory:user:view"]), grant("b", "d1", ["directory:group:view"])],
      smallRole,
      ALL_DIVISIONS,
      false,
    ],
    ["admin with no grants", [], smallRole, "d1", false],
    [
      "narrower wildcard held does not cover a role's wider wildcard",
      [grant("other", "d1", ["directory:user:*"])],
      { id: "wide", permissions: ["directory:*:*"] },
      "d1",
      false,
    ],
    ["a role with no permissions carries nothing to hold", [], emptyRole, "d1", true],
  ])("%s -> %s", (_label, adminGrants, role, division, expected) => {
    expect(mayGrant(adminGrants, role, division)).toBe(expected);
  });
});

describe("built-in permission lists", () => {
  it.each<[string, readonly string[]]>([
    ["SCIM_INTEGRATION_PERMISSIONS", SCIM_INTEGRATION_PERMISSIONS],
    ["BRIDGE_ADMIN_PERMISSIONS", BRIDGE_ADMIN_PERMISSIONS],
  ])("%s: non-empty, every entry matches PERMISSION_PATTERN, no wildcards, no duplicates, frozen", (_name, list) => {
    expect(list.length).toBeGreaterThan(0);
    for (const p of list) {
      expect(p).toMatch(PERMISSION_PATTERN);
      expect(p).not.toContain("*");
    }
    expect(new Set(list).size).toBe(list.length);
    expect(Object.isFrozen(list)).toBe(true);
  });

  it("SCIM_INTEGRATION_PERMISSIONS and BRIDGE_ADMIN_PERMISSIONS do not overlap", () => {
    const overlap = SCIM_INTEGRATION_PERMISSIONS.filter((p) => BRIDGE_ADMIN_PERMISSIONS.includes(p));
    expect(overlap).toEqual([]);
    for (const s of SCIM_INTEGRATION_PERMISSIONS) expect(isCoveredBy(s, BRIDGE_ADMIN_PERMISSIONS)).toBe(false);
    for (const b of BRIDGE_ADMIN_PERMISSIONS) expect(isCoveredBy(b, SCIM_INTEGRATION_PERMISSIONS)).toBe(false);
  });

  it("no bridge permission makes a client look SCIM-only", () => {
    expect(isSubset(["bridge:client:view"], SCIM_INTEGRATION_PERMISSIONS)).toBe(false);
  });
});
