import { describe, expect, it } from "@jest/globals";
import { MAX_START_INDEX, parseListParams, type RawListParams } from "../../src/scim/list-query.js";
import type { AttrPath, FilterNode } from "../../src/scim/filter.js";

type Query = ReturnType<typeof parseListParams>;

const DEFAULTS: Query = { filter: undefined, sortBy: undefined, descending: false, startIndex: 1, count: 100 };

/** The error parseListParams throws, or a failure if it does not throw. */
function refusal(raw: RawListParams): { status?: unknown; scimType?: unknown } {
  try {
    parseListParams(raw);
  } catch (err) {
    return err as { status?: unknown; scimType?: unknown };
  }
  throw new Error(`parseListParams accepted ${JSON.stringify(raw)}`);
}

describe("parseListParams: constants", () => {
  it("MAX_START_INDEX is the largest 32-bit signed integer", () => {
    expect(MAX_START_INDEX).toBe(2_147_483_647);
  });
});

describe("parseListParams: startIndex", () => {
  it.each<[string, unknown, number]>([
    ["absent: 1", undefined, 1],
    ["empty string: 1", "", 1],
    ["a query-string integer", "5", 5],
    ["a number (SearchRequest body)", 5, 5],
    ["with surrounding spaces", " 7 ", 7],
    ["with a plus sign", "+7", 7],
    ["1", "1", 1],
    ["zero is read as 1 (RFC 7644 §3.4.2.4)", "0", 1],
    ["negative is read as 1", "-5", 1],
    ["a negative number is read as 1", -100, 1],
    ["the maximum", String(MAX_START_INDEX), MAX_START_INDEX],
    ["beyond the maximum is clamped", "3000000000", MAX_START_INDEX],
    ["far beyond the maximum is clamped", "99999999999999999999", MAX_START_INDEX],
  ])("%s", (_label, startIndex, expected) => {
    expect(parseListParams({ startIndex })).toEqual({ ...DEFAULTS, startIndex: expected });
  });
});

describe("parseListParams: count", () => {
  it.each<[string, unknown, number]>([
    ["absent: 100", undefined, 100],
    ["empty string: 100", "", 100],
    ["a query-string integer", "25", 25],
    ["a number", 25, 25],
    ["zero: an empty page (totals only)", "0", 0],
    ["negative is read as 0 (RFC 7644 §3.4.2.4)", "-1", 0],
    ["a negative number is read as 0", -50, 0],
    ["the maximum, 1000", "1000", 1000],
    ["above the maximum is capped at 1000", "1001", 1000],
    ["far above the maximum is capped", 1e9, 1000],
  ])("%s", (_label, count, expected) => {
    expect(parseListParams({ count })).toEqual({ ...DEFAULTS, count: expected });
  });
});

describe("parseListParams: non-integer startIndex or count -> 400 invalidValue", () => {
  it.each<[string, RawListParams]>([
    ["startIndex a word", { startIndex: "abc" }],
    ["startIndex a fraction", { startIndex: "1.5" }],
    ["startIndex a fractional number", { startIndex: 1.5 }],
    ["startIndex in exponent form", { startIndex: "1e3" }],
    ["startIndex hexadecimal", { startIndex: "0x10" }],
    ["startIndex with trailing text", { startIndex: "10abc" }],
    ["startIndex blank", { startIndex: "   " }],
    ["startIndex NaN", { startIndex: Number.NaN }],
    ["startIndex Infinity", { startIndex: Number.POSITIVE_INFINITY }],
    ["startIndex a boolean", { startIndex: true }],
    ["startIndex null", { startIndex: null }],
    ["startIndex an array", { startIndex: ["1"] }],
    ["count a word", { count: "ten" }],
    ["count a fraction", { count: "2.5" }],
    ["count a fractional number", { count: 2.5 }],
    ["count an object", { count: { n: 1 } }],
    ["count a sign alone", { count: "-" }],
  ])("%s", (_label, raw) => {
    expect(refusal(raw)).toMatchObject({ status: 400, scimType: "invalidValue" });
  });
});

describe("parseListParams: sortBy and sortOrder", () => {
  it.each<[string, RawListParams, AttrPath | undefined, boolean]>([
    ["no sort", {}, undefined, false],
    ["sortBy alone: ascending", { sortBy: "userName" }, { attr: "username" }, false],
    ["sortBy with a sub-attribute", { sortBy: "name.familyName" }, { attr: "name", sub: "familyname" }, false],
    [
      "sortBy with a schema URN",
      { sortBy: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber" },
      { schema: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user", attr: "employeenumber" },
      false,
    ],
    ["an empty sortBy is no sort", { sortBy: "" }, undefined, false],
    ["ascending", { sortBy: "userName", sortOrder: "ascending" }, { attr: "username" }, false],
    ["descending", { sortBy: "userName", sortOrder: "descending" }, { attr: "username" }, true],
    ["sortOrder in any case", { sortBy: "userName", sortOrder: "DESCENDING" }, { attr: "username" }, true],
    ["sortOrder Ascending", { sortBy: "userName", sortOrder: "Ascending" }, { attr: "username" }, false],
    ["sortOrder without sortBy is kept", { sortOrder: "descending" }, undefined, true],
  ])("%s", (_label, raw, sortBy, descending) => {
    expect(parseListParams(raw)).toEqual({ ...DEFAULTS, sortBy, descending });
  });

  it.each<[string, RawListParams]>([
    ["sortOrder abbreviated", { sortBy: "userName", sortOrder: "desc" }],
    ["sortOrder a word", { sortBy: "userName", sortOrder: "up" }],
    ["sortOrder empty", { sortBy: "userName", sortOrder: "" }],
    ["sortOrder null", { sortOrder: null }],
    ["sortOrder a number", { sortOrder: 1 }],
    ["sortBy not a string", { sortBy: 5 }],
    ["sortBy an array", { sortBy: ["userName"] }],
    ["sortBy with two dots", { sortBy: "a.b.c" }],
    ["sortBy with a space", { sortBy: "user name" }],
    ["sortBy a filter", { sortBy: 'userName eq "x"' }],
  ])("%s -> 400 invalidValue", (_label, raw) => {
    expect(refusal(raw)).toMatchObject({ status: 400, scimType: "invalidValue" });
  });
});

describe("parseListParams: filter", () => {
  it.each<[string, unknown, FilterNode | undefined]>([
    ["absent", undefined, undefined],
    ["empty: no filter", "", undefined],
    ["blank: no filter", "   ", undefined],
    ["passed to the filter parser", 'userName eq "bjensen"', { kind: "compare", path: { attr: "username" }, op: "eq", value: "bjensen" }],
    ["with surrounding spaces", "  title pr  ", { kind: "present", path: { attr: "title" } }],
    [
      "a compound filter",
      'userName sw "a" and active eq true',
      {
        kind: "and",
        left: { kind: "compare", path: { attr: "username" }, op: "sw", value: "a" },
        right: { kind: "compare", path: { attr: "active" }, op: "eq", value: true },
      },
    ],
  ])("%s", (_label, filter, tree) => {
    expect(parseListParams({ filter })).toEqual({ ...DEFAULTS, filter: tree });
  });

  it.each<[string, RawListParams]>([
    ["not a string", { filter: 5 }],
    ["an object", { filter: { userName: "x" } }],
    ["null", { filter: null }],
    ["malformed", { filter: "userName eq" }],
    ["an unknown operator", { filter: 'userName is "x"' }],
    ["unbalanced parentheses", { filter: '(userName eq "x"' }],
  ])("%s -> 400 invalidFilter", (_label, raw) => {
    expect(refusal(raw)).toMatchObject({ status: 400, scimType: "invalidFilter" });
  });
});

describe("parseListParams: everything together, and what it leaves alone", () => {
  it("parses all parameters at once", () => {
    expect(parseListParams({ filter: "title pr", sortBy: "title", sortOrder: "descending", startIndex: "11", count: "10" })).toEqual({
      filter: { kind: "present", path: { attr: "title" } },
      sortBy: { attr: "title" },
      descending: true,
      startIndex: 11,
      count: 10,
    });
  });

  it("ignores attributes and excludedAttributes (the projection is checked elsewhere)", () => {
    const raw = { attributes: "userName", excludedAttributes: "members", count: "3" };
    const query = parseListParams(raw);
    expect(query).toEqual({ ...DEFAULTS, count: 3 });
    expect(Object.keys(query).sort()).toEqual(["count", "descending", "filter", "sortBy", "startIndex"]);
  });

  it("checks the filter's type before the sort order", () => {
    expect(refusal({ filter: 5, sortOrder: "sideways" })).toMatchObject({ status: 400, scimType: "invalidFilter" });
  });
});
