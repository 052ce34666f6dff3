import { describe, expect, it } from "@jest/globals";
import { checkIfMatch } from "../../src/scim/versions.js";
import { etagOf } from "../../src/scim/change-log.js";

/** The error checkIfMatch throws, or undefined when it accepts. */
function outcome(ifMatch: string | undefined, version: number): { status?: unknown; scimType?: unknown; message?: unknown } | undefined {
  try {
    checkIfMatch(ifMatch, version, "Group g1");
    return undefined;
  } catch (err) {
    return err as { status?: unknown; scimType?: unknown; message?: unknown };
  }
}

describe("etagOf (meta.version)", () => {
  it.each<[number, string]>([
    [0, 'W/"0"'],
    [1, 'W/"1"'],
    [42, 'W/"42"'],
    [1_000_000, 'W/"1000000"'],
  ])("version %d -> %s", (version, etag) => {
    expect(etagOf(version)).toBe(etag);
  });
});

describe("checkIfMatch: accepted", () => {
  it.each<[string, string | undefined, number]>([
    ["no If-Match header", undefined, 3],
    ["wildcard", "*", 3],
    ["wildcard with spaces", "  *  ", 3],
    ["wildcard in a list", 'W/"1", *', 3],
    ["the current weak ETag", 'W/"3"', 3],
    ["the current version as a strong ETag (weak comparison)", '"3"', 3],
    ["version 0", 'W/"0"', 0],
    ["a list holding the current ETag last", 'W/"1", W/"2", W/"3"', 3],
    ["a list holding the current ETag first", 'W/"3", W/"4"', 3],
    ["a list without spaces", 'W/"2",W/"3"', 3],
    ["a list with extra spaces", '  W/"2" ,   "3"  ', 3],
    ["mixed weak and strong, current strong", 'W/"2", "3"', 3],
  ])("%s: %j at version %d", (_label, ifMatch, version) => {
    expect(outcome(ifMatch, version)).toBeUndefined();
  });
});

describe("checkIfMatch: refused with 412", () => {
  it.each<[string, string, number]>([
    ["an older weak ETag", 'W/"2"', 3],
    ["a newer weak ETag", 'W/"4"', 3],
    ["an older strong ETag", '"2"', 3],
    ["a prefix of the version is not the version", 'W/"3"', 30],
    ["a longer version is not the version", 'W/"30"', 3],
    ["a list without the current ETag", 'W/"1", W/"2", "4"', 3],
    // malformed values match nothing
    ["an unquoted version", "3", 3],
    ["an unquoted weak version", "W/3", 3],
    ["lower-case w/ is not the weak prefix (RFC 7232: case-sensitive)", 'w/"3"', 3],
    ["a quoted wildcard is an ETag, not the wildcard", '"*"', 3],
    ["an empty header", "", 3],
    ["only commas", ", ,", 3],
    ["the wildcard inside other text", "**", 3],
  ])("%s: %j at version %d", (_label, ifMatch, version) => {
    expect(outcome(ifMatch, version)).toMatchObject({ status: 412, scimType: null });
  });

  it("names the resource and its current version", () => {
    const err = outcome('W/"2"', 3);
    expect(err).toMatchObject({ status: 412 });
    expect(String(err?.message)).toContain("Group g1");
    expect(String(err?.message)).toContain('W/"3"');
  });
});
