import { describe, expect, it } from "@jest/globals";
import {
  COMPARE_OPS,
  parseAttrPath,
  parseFilter,
  type AttrPath,
  type CompareOp,
  type FilterNode,
  type FilterValue,
} from "../../src/scim/filter.js";
import { ScimError } from "../../src/scim/scim-error.js";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const ENTERPRISE_LC = ENTERPRISE.toLowerCase();
const CORE_LC = "urn:ietf:params:scim:schemas:core:2.0:user";

// Tree builders: attribute paths as the parser returns them (lower-cased names).
const path = (attr: string, sub?: string, schema?: string): AttrPath => ({ schema, attr, sub });
const cmp = (p: AttrPath | string, op: CompareOp, value: FilterValue): FilterNode => ({
  kind: "compare",
  path: typeof p === "string" ? path(p) : p,
  op,
  value,
});
const pr = (p: AttrPath | string): FilterNode => ({ kind: "present", path: typeof p === "string" ? path(p) : p });
const and = (left: FilterNode, right: FilterNode): FilterNode => ({ kind: "and", left, right });
const or = (left: FilterNode, right: FilterNode): FilterNode => ({ kind: "or", left, right });
const not = (expr: FilterNode): FilterNode => ({ kind: "not", expr });
const vp = (p: AttrPath | string, filter: FilterNode): FilterNode => ({
  kind: "valuePath",
  path: typeof p === "string" ? path(p) : p,
  filter,
});

const A = cmp("a", "eq", 1);
const B = cmp("b", "eq", 2);
const C = cmp("c", "eq", 3);
const D = cmp("d", "eq", 4);

/** The error parseFilter throws, or a failure if it does not throw. */
function refusal(filter: string): ScimError {
  let thrown: unknown;
  try {
    parseFilter(filter);
  } catch (err) {
    thrown = err;
  }
  if (thrown === undefined) throw new Error(`parseFilter accepted ${JSON.stringify(filter)}`);
  return thrown as ScimError;
}

describe("parseFilter: comparison operators", () => {
  it("knows exactly the nine comparison operators of RFC 7644 §3.4.2.2", () => {
    expect([...COMPARE_OPS].sort()).toEqual(["co", "eq", "ew", "ge", "gt", "le", "lt", "ne", "sw"]);
  });

  it.each<[string, FilterNode]>([
    ['userName eq "bjensen"', cmp("username", "eq", "bjensen")],
    ['userName ne "bjensen"', cmp("username", "ne", "bjensen")],
    ['name.familyName co "O\'Malley"', cmp(path("name", "familyname"), "co", "O'Malley")],
    ['userName sw "J"', cmp("username", "sw", "J")],
    ['emails.value ew "@example.com"', cmp(path("emails", "value"), "ew", "@example.com")],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', cmp(path("meta", "lastmodified"), "gt", "2011-05-13T04:42:34Z")],
    ['meta.lastModified lt "2011-05-13T04:42:34Z"', cmp(path("meta", "lastmodified"), "lt", "2011-05-13T04:42:34Z")],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', cmp(path("meta", "lastmodified"), "ge", "2011-05-13T04:42:34Z")],
    ['meta.lastModified le "2011-05-13T04:42:34Z"', cmp(path("meta", "lastmodified"), "le", "2011-05-13T04:42:34Z")],
    ["title pr", pr("title")],
    ["name.givenName pr", pr(path("name", "givenname"))],
  ])("%s", (filter, tree) => {
    expect(parseFilter(filter)).toEqual(tree);
  });

  it.each<[string, FilterNode]>([
    ['USERNAME EQ "Bjensen"', cmp("username", "eq", "Bjensen")],
    ['UserName Sw "J"', cmp("username", "sw", "J")],
    ["Title PR", pr("title")],
    ['Name.FamilyName cO "x"', cmp(path("name", "familyname"), "co", "x")],
    ["a eq 1 AND b eq 2 Or c eq 3", or(and(A, B), C)],
    ["NoT (a eq 1)", not(A)],
    ['EMAILS[TYPE EQ "work"]', vp("emails", cmp("type", "eq", "work"))],
  ])("operators and attribute names in any case: %s", (filter, tree) => {
    expect(parseFilter(filter)).toEqual(tree);
  });

  it("keeps the case of values while lower-casing names", () => {
    expect(parseFilter('userName eq "MiXeD"')).toEqual(cmp("username", "eq", "MiXeD"));
    expect(parseFilter("userName eq MiXeD")).toEqual(cmp("username", "eq", "MiXeD"));
  });
});

describe("parseFilter: literals", () => {
  it.each<[string, FilterValue]>([
    ['"plain"', "plain"],
    ['""', ""],
    ['"a \\"quoted\\" word"', 'a "quoted" word'],
    ['"back\\\\slash"', "back\\slash"],
    ['"ends in a backslash\\\\"', "ends in a backslash\\"],
    ['"tab\\tnew\\nline"', "tab\tnew\nline"],
    ['"\\u00e9t\\u00E9 \\/ \\u0041"', "été / A"],
    ['"brackets ] ) ( [ inside"', "brackets ] ) ( [ inside"],
    ['"and or not pr"', "and or not pr"],
    ['"true"', "true"],
    ['"42"', "42"],
    ["42", 42],
    ["0", 0],
    ["-7", -7],
    ["3.25", 3.25],
    ["-0.5", -0.5],
    ["1e3", 1000],
    ["2.5E-2", 0.025],
    ["true", true],
    ["false", false],
    ["TRUE", true],
    ["False", false],
    ["null", null],
    ["NULL", null],
  ])("x eq %s", (literal, value) => {
    expect(parseFilter(`x eq ${literal}`)).toEqual(cmp("x", "eq", value));
  });

  it.each<[string, string]>([
    ["userName sw O", "O"],
    ["userName eq john@example.com", "john@example.com"],
    ["userName eq Jöhn.Doe-1", "Jöhn.Doe-1"],
    ["userName eq 12abc", "12abc"],
    ["userName eq .5", ".5"],
    ["userName eq pr", "pr"],
  ])("accepts a bare unquoted value: %s", (filter, value) => {
    expect(parseFilter(filter)).toEqual(cmp("username", filter.split(" ")[1] as CompareOp, value));
  });

  it("a bare value ends at whitespace, a parenthesis or a bracket", () => {
    expect(parseFilter("(userName eq bob) or (userName eq ann)")).toEqual(or(cmp("username", "eq", "bob"), cmp("username", "eq", "ann")));
    expect(parseFilter("emails[type eq work]")).toEqual(vp("emails", cmp("type", "eq", "work")));
  });
});

describe("parseFilter: logical operators and grouping", () => {
  it.each<[string, FilterNode]>([
    ["a eq 1 and b eq 2", and(A, B)],
    ["a eq 1 or b eq 2", or(A, B)],
    // `and` binds tighter than `or`
    ["a eq 1 or b eq 2 and c eq 3", or(A, and(B, C))],
    ["a eq 1 and b eq 2 or c eq 3", or(and(A, B), C)],
    ["a eq 1 or b eq 2 and c eq 3 or d eq 4", or(or(A, and(B, C)), D)],
    ["a eq 1 and b eq 2 or c eq 3 and d eq 4", or(and(A, B), and(C, D))],
    // left-associative
    ["a eq 1 and b eq 2 and c eq 3", and(and(A, B), C)],
    ["a eq 1 or b eq 2 or c eq 3", or(or(A, B), C)],
    // parentheses override precedence
    ["(a eq 1 or b eq 2) and c eq 3", and(or(A, B), C)],
    ["a eq 1 and (b eq 2 or c eq 3)", and(A, or(B, C))],
    ["(a eq 1)", A],
    ["((a eq 1 or b eq 2)) and ((c eq 3))", and(or(A, B), C)],
    ["(a eq 1 and (b eq 2 or (c eq 3 and d eq 4)))", and(A, or(B, and(C, D)))],
    ["  a eq 1\tand\nb eq 2\r\n", and(A, B)],
    // not, always with parentheses; it applies to the parenthesised group only
    ["not (a eq 1)", not(A)],
    ["not(a eq 1)", not(A)],
    ["not (a eq 1 and b eq 2)", not(and(A, B))],
    ["not (a eq 1 or b eq 2)", not(or(A, B))],
    ["not (a eq 1) and b eq 2", and(not(A), B)],
    ["a eq 1 or not (b eq 2) and c eq 3", or(A, and(not(B), C))],
    ["not (not (a eq 1))", not(not(A))],
    ["not ((a eq 1 or b eq 2) and not (c eq 3))", not(and(or(A, B), not(C)))],
  ])("%s", (filter, tree) => {
    expect(parseFilter(filter)).toEqual(tree);
  });
});

describe("parseFilter: value paths", () => {
  const work = cmp("type", "eq", "work");
  it.each<[string, FilterNode]>([
    ['emails[type eq "work"]', vp("emails", work)],
    ['emails[ type eq "work" ]', vp("emails", work)],
    ['emails[type eq "work" and value co "@example.com"]', vp("emails", and(work, cmp("value", "co", "@example.com")))],
    ['emails[type eq "work" or type eq "home"]', vp("emails", or(work, cmp("type", "eq", "home")))],
    ['emails[type eq "work" or primary eq true and value pr]', vp("emails", or(work, and(cmp("primary", "eq", true), pr("value"))))],
    [
      'emails[(type eq "work" or type eq "home") and not (primary eq true)]',
      vp("emails", and(or(work, cmp("type", "eq", "home")), not(cmp("primary", "eq", true)))),
    ],
    [
      'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
      and(cmp("usertype", "eq", "Employee"), vp("emails", and(work, cmp("value", "co", "@example.com")))),
    ],
    ['emails[type eq "work"] or ims[type eq "xmpp"]', or(vp("emails", work), vp("ims", cmp("type", "eq", "xmpp")))],
    // two value paths on the same attribute stay two nodes (two different e-mails may satisfy them)
    ['emails[type eq "work"] and emails[type eq "home"]', and(vp("emails", work), vp("emails", cmp("type", "eq", "home")))],
    ['not (emails[type eq "work"])', not(vp("emails", work))],
    ['members[value eq "2819c223"]', vp("members", cmp("value", "eq", "2819c223"))],
    [`${ENTERPRISE}:manager[value eq "x"]`, vp(path("manager", undefined, ENTERPRISE_LC), cmp("value", "eq", "x"))],
    // Entra ID: a sub-attribute after the value path, compared on the same element
    ['emails[type eq "work"].value eq "x@example.com"', vp("emails", and(work, cmp("value", "eq", "x@example.com")))],
    ['emails[type eq "work"].Value co "@x"', vp("emails", and(work, cmp("value", "co", "@x")))],
    ['emails[type eq "work"].value pr', vp("emails", and(work, pr("value")))],
    [
      'addresses[type eq "work"].postalCode eq "12345" and userName pr',
      and(vp("addresses", and(work, cmp("postalcode", "eq", "12345"))), pr("username")),
    ],
  ])("%s", (filter, tree) => {
    expect(parseFilter(filter)).toEqual(tree);
  });
});

describe("parseFilter: URN-prefixed attributes", () => {
  it.each<[string, FilterNode]>([
    [`${ENTERPRISE}:department eq "Sales"`, cmp(path("department", undefined, ENTERPRISE_LC), "eq", "Sales")],
    [
      `${ENTERPRISE}:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d"`,
      cmp(path("manager", "value", ENTERPRISE_LC), "eq", "26118915-6090-4610-87e4-49d8ca9f808d"),
    ],
    [`${ENTERPRISE.toUpperCase()}:DEPARTMENT pr`, pr(path("department", undefined, ENTERPRISE_LC))],
    [`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"`, cmp(path("username", undefined, CORE_LC), "eq", "x")],
    [`urn:ietf:params:scim:schemas:core:2.0:User:name.familyName sw "J"`, cmp(path("name", "familyname", CORE_LC), "sw", "J")],
    [
      `${ENTERPRISE}:department eq "Sales" and not (${ENTERPRISE}:manager.value pr)`,
      and(cmp(path("department", undefined, ENTERPRISE_LC), "eq", "Sales"), not(pr(path("manager", "value", ENTERPRISE_LC)))),
    ],
  ])("%s", (filter, tree) => {
    expect(parseFilter(filter)).toEqual(tree);
  });
});

describe("parseAttrPath", () => {
  it.each<[string, AttrPath]>([
    ["userName", path("username")],
    ["USERNAME", path("username")],
    ["name.givenName", path("name", "givenname")],
    ["meta.lastModified", path("meta", "lastmodified")],
    ["$ref", path("$ref")],
    ["members.$ref", path("members", "$ref")],
    ["x_attr-1", path("x_attr-1")],
    [`${ENTERPRISE}:department`, path("department", undefined, ENTERPRISE_LC)],
    [`${ENTERPRISE}:manager.value`, path("manager", "value", ENTERPRISE_LC)],
    [`${ENTERPRISE}:Manager.DisplayName`, path("manager", "displayname", ENTERPRISE_LC)],
    ["URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:emails.value", path("emails", "value", CORE_LC)],
  ])("%s", (raw, expected) => {
    expect(parseAttrPath(raw)).toEqual(expected);
  });

  it.each([
    "",
    "a.b.c",
    "name.",
    ".name",
    "1userName",
    "user name",
    "user@name",
    "emails[type",
    `${ENTERPRISE}:`,
    `${ENTERPRISE}:manager.value.x`,
    `${ENTERPRISE}:9lives`,
  ])("refuses %j with invalidFilter", (raw) => {
    let thrown: unknown;
    try {
      parseAttrPath(raw);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ScimError);
    expect(thrown).toMatchObject({ status: 400, scimType: "invalidFilter" });
  });

  it("throws the caller's error for a bad path", () => {
    expect(() => parseAttrPath("a.b.c", (d) => new ScimError(400, "invalidValue", `sortBy: ${d}`))).toThrow(
      /sortBy: invalid attribute path "a\.b\.c"/,
    );
    let thrown: unknown;
    try {
      parseAttrPath("a.b.c", (d) => new ScimError(400, "invalidValue", d));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ status: 400, scimType: "invalidValue" });
  });
});

describe("parseFilter: malformed filters are refused with 400 invalidFilter", () => {
  const MAX = 4096;
  const sized = (n: number) => `userName eq "${"a".repeat(n - 'userName eq ""'.length)}"`;

  it.each(
    (
      [
        ["empty filter", ""],
        ["blank filter", "   \t "],
        ["missing value", "userName eq"],
        ["missing value before and", "userName eq and title pr"],
        ["missing value before )", "(userName eq)"],
        ["missing value before ]", "emails[type eq]"],
        ["a value-less operator given a bracket", "userName eq ["],
        ["missing operator", "userName"],
        ["missing operator before and", "userName and title pr"],
        ["unknown operator", 'userName xx "a"'],
        ["unknown operator like", 'userName like "a%"'],
        ["symbolic operator", 'userName = "a"'],
        ["pr given a value", 'userName pr "a"'],
        ["two comparisons without a logical operator", 'userName eq "a" title eq "b"'],
        ["trailing and", 'userName eq "a" and'],
        ["trailing or", 'userName eq "a" or'],
        ["trailing not", 'userName eq "a" and not'],
        ["leading and", 'and userName eq "a"'],
        ["leading or", 'or userName eq "a"'],
        ["doubled and", 'userName eq "a" and and title pr'],
        ["and or", 'userName eq "a" and or title pr'],
        ["missing closing parenthesis", '(userName eq "a"'],
        ["missing closing parenthesis, nested", '((userName eq "a") or title pr'],
        ["extra closing parenthesis", 'userName eq "a")'],
        ["closing before opening", ')userName eq "a"('],
        ["empty parentheses", "()"],
        ["not with empty parentheses", "not ()"],
        ["missing closing bracket", 'emails[type eq "work"'],
        ["missing closing bracket before and", 'emails[type eq "work" and userName pr'],
        ["extra closing bracket", 'emails[type eq "work"]]'],
        ["stray closing bracket", 'userName eq "a"]'],
        ["empty brackets", "emails[]"],
        ["bracket closing a parenthesis", '(emails[type eq "work")]'],
        ["not without parentheses", 'not userName eq "a"'],
        ["not without parentheses after and", 'title pr and not userName eq "a"'],
        ["not around a bare value path", 'not emails[type eq "work"]'],
        ["nested value path", 'emails[value[type eq "x"]]'],
        ["nested value path after and", 'emails[type eq "work" and x[y eq 1]]'],
        ["value path on a sub-attribute", 'name.givenName[type eq "x"]'],
        ["dotted path inside a value path", 'emails[value.x eq "a"]'],
        ["URN path inside a value path", `emails[${ENTERPRISE}:department eq "a"]`],
        ["two value paths in a row", 'emails[type eq "work"][value eq "x"]'],
        ["Entra form without operator", 'emails[type eq "work"].value'],
        ["Entra form without value", 'emails[type eq "work"].value eq'],
        ["Entra form with a bad sub-attribute", 'emails[type eq "work"].1x eq "a"'],
        ["Entra form with a dotted sub-attribute", 'emails[type eq "work"].value.x eq "a"'],
        ["unterminated string", 'userName eq "abc'],
        ["unterminated string after an escaped quote", 'userName eq "abc\\"'],
        ["unterminated string inside brackets", 'emails[value eq "x]'],
        ["lone quote", '"'],
        ["invalid JSON escape", 'userName eq "a\\x"'],
        ["truncated unicode escape", 'userName eq "\\u12"'],
        ["a string where the attribute should be", '"userName" eq "a"'],
        ["a bad attribute name", '1userName eq "a"'],
        ["too many dots", 'a.b.c eq "a"'],
        ["logical word as value: and", "userName eq and"],
        ["logical word as value: or", "userName eq or"],
        ["logical word as value: not", "userName eq not"],
        ["over-long filter", sized(MAX + 1)],
        ["much over-long filter", `userName eq "${"x".repeat(100_000)}"`],
      ] as Array<[string, string]>
    ).map(
      ([name, filter]) =>
        [name, JSON.stringify(filter.length > 80 ? `${filter.slice(0, 40)}…(${filter.length} characters)` : filter), filter] as const,
    ),
  )("%s: %s", (_name, _shown, filter) => {
    const err = refusal(filter);
    expect(err).toBeInstanceOf(ScimError);
    expect(err.status).toBe(400);
    expect(err.scimType).toBe("invalidFilter");
    expect(err.detail.length).toBeGreaterThan(0);
    expect(err.toJSON()).toMatchObject({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
      status: "400",
      scimType: "invalidFilter",
    });
  });

  it("accepts a filter of exactly the maximum length and refuses one character more", () => {
    expect(sized(MAX)).toHaveLength(MAX);
    expect(parseFilter(sized(MAX))).toEqual(cmp("username", "eq", "a".repeat(MAX - 'userName eq ""'.length)));
    expect(refusal(sized(MAX + 1)).detail).toMatch(/longer than 4096/);
  });

  it("says what is wrong", () => {
    expect(refusal("").detail).toMatch(/empty/);
    expect(refusal('userName xx "a"').detail).toMatch(/unknown operator "xx"/);
    expect(refusal("userName eq").detail).toMatch(/needs a value/);
    expect(refusal('userName eq "abc').detail).toMatch(/unterminated string/);
    expect(refusal('not userName eq "a"').detail).toMatch(/not/);
    expect(refusal('(userName eq "a"').detail).toMatch(/parenthesis/);
    expect(refusal('emails[type eq "work"').detail).toMatch(/bracket/);
    expect(refusal('emails[value[type eq "x"]]').detail).toMatch(/nest/);
  });
});
