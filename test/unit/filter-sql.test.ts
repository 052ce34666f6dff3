import { describe, expect, it } from "@jest/globals";
import SCIMMY from "scimmy";
import { compileFilter, compileMemberFilter, sortExpression } from "../../src/scim/filter-sql.js";
import { Params } from "../../src/scim/filter-scalar.js";
import { parseAttrPath, parseFilter, type FilterNode } from "../../src/scim/filter.js";
import { Catalog } from "../../src/scim/catalog.js";
import { configureScimSchemas, CORE_GROUP, CORE_USER } from "../../src/scim/schemas.js";
import { USER_COLUMNS } from "../../src/scim/users.js";
import { GROUP_COLUMNS } from "../../src/scim/groups.js";
import type { DivisionScope } from "../../src/scim/division-scope.js";

// The catalogs exactly as the service builds them (resources.ts): SCIMMY's schemas as configured here,
// the indexed columns of users.ts and groups.ts.
configureScimSchemas();
const users = new Catalog(CORE_USER, SCIMMY.Schemas.User.definition, USER_COLUMNS);
const groups = new Catalog(CORE_GROUP, SCIMMY.Schemas.Group.definition, GROUP_COLUMNS);

const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GEN = "urn:ietf:params:scim:schemas:extension:genesys:purecloud:2.0:User";

/** The JSON array of a multi-valued attribute whose path is parameter `$n` (filter-sql's arrayOf). */
const arr = (n: number) =>
  `(case jsonb_typeof(r.resource #> $${n}::text[]) when 'array' then r.resource #> $${n}::text[] else '[]'::jsonb end)`;
/** SQL true when the membership row `m` names a user in the divisions bound at `$n` (division-scope.ts). */
const visible = (n: number) =>
  `(m.member_type = 'Group' or exists (select 1 from scim_users vu where vu.id = m.member_id and vu.division_id = any($${n}::text[])))`;

interface Compiled {
  sql: string;
  params: unknown[];
}

function compileUsers(filter: string, p = new Params()): Compiled {
  return { sql: compileFilter(parseFilter(filter), { catalog: users }, p), params: p.values };
}

function compileGroups(filter: string, memberScope?: DivisionScope): Compiled {
  const p = new Params();
  return { sql: compileFilter(parseFilter(filter), { catalog: groups, memberScope }, p), params: p.values };
}

/** The error `fn` throws, or a failure if it does not throw. */
function refusal(fn: () => unknown): { status?: unknown; scimType?: unknown } {
  try {
    fn();
  } catch (err) {
    return err as { status?: unknown; scimType?: unknown };
  }
  throw new Error("expected a refusal");
}

const INVALID_FILTER = { status: 400, scimType: "invalidFilter" };

describe("Params", () => {
  it.each<[string, number, unknown[], string[]]>([
    ["numbers from $1 by default", 0, ["a", "b", "c"], ["$1", "$2", "$3"]],
    ["numbers after an offset", 1, ["a", "b"], ["$2", "$3"]],
    ["numbers after a larger offset", 5, [["x"]], ["$6"]],
  ])("%s", (_label, offset, values, placeholders) => {
    const p = new Params(offset);
    expect(values.map((v) => p.add(v))).toEqual(placeholders);
    expect(p.values).toEqual(values);
  });
});

describe("compileFilter: comparison operators on an indexed, lower-cased column (userName)", () => {
  it.each<[string, string, unknown[]]>([
    ['userName eq "Bjensen"', "(r.user_name_lc = lower($1))", ["Bjensen"]],
    // ne also matches a missing value (RFC 7644 §3.4.2.2)
    ['userName ne "Bjensen"', "(r.user_name_lc is null or r.user_name_lc <> lower($1))", ["Bjensen"]],
    ['userName co "jen"', "(r.user_name_lc like '%' || lower($1) || '%')", ["jen"]],
    ['userName sw "J"', "(r.user_name_lc like lower($1) || '%')", ["J"]],
    ['userName ew "sen"', "(r.user_name_lc like '%' || lower($1))", ["sen"]],
    ['userName gt "m"', "(r.user_name_lc > lower($1))", ["m"]],
    ['userName ge "m"', "(r.user_name_lc >= lower($1))", ["m"]],
    ['userName lt "m"', "(r.user_name_lc < lower($1))", ["m"]],
    ['userName le "m"', "(r.user_name_lc <= lower($1))", ["m"]],
    ["userName pr", "(r.user_name_lc is not null and r.user_name_lc <> '')", []],
    ["userName eq null", "(r.user_name_lc is null)", []],
    ["userName ne null", "(r.user_name_lc is not null)", []],
    // LIKE wildcards and the escape character in the value are escaped
    ['userName co "a%b_c\\\\d"', "(r.user_name_lc like '%' || lower($1) || '%')", ["a\\%b\\_c\\\\d"]],
    ['userName sw "100%"', "(r.user_name_lc like lower($1) || '%')", ["100\\%"]],
    // eq compares exactly: no escaping
    ['userName eq "a%b"', "(r.user_name_lc = lower($1))", ["a%b"]],
    // a non-string literal on a text attribute is compared as text
    ["userName eq 42", "(r.user_name_lc = lower($1))", ["42"]],
    ["userName eq true", "(r.user_name_lc = lower($1))", ["true"]],
    // the core schema URN may prefix the name
    [`${CORE_USER}:userName eq "a"`, "(r.user_name_lc = lower($1))", ["a"]],
    ['displayName eq "Bob"', "(r.display_name_lc = lower($1))", ["Bob"]],
  ])("%s", (filter, sql, params) => {
    expect(compileUsers(filter)).toEqual({ sql, params });
  });
});

describe("compileFilter: case sensitivity", () => {
  it.each<[string, string, string, unknown[]]>([
    ["a caseExact indexed column (externalId): no lower()", 'externalId eq "AbC"', "(r.external_id = $1)", ["AbC"]],
    ["caseExact co", 'externalId co "A_b"', "(r.external_id like '%' || $1 || '%')", ["A\\_b"]],
    ["caseExact sw", 'externalId sw "Ab"', "(r.external_id like $1 || '%')", ["Ab"]],
    ["id is compared exactly", 'id eq "ABC"', "(r.id = $1)", ["ABC"]],
    ["id ne", 'id ne "ABC"', "(r.id is null or r.id <> $1)", ["ABC"]],
    [
      "a case-insensitive JSON attribute: both sides lower-cased",
      'title eq "Boss"',
      "(lower(r.resource #>> $1::text[]) = lower($2))",
      [["title"], "Boss"],
    ],
    [
      "a caseExact multi-valued value (x509Certificates, binary)",
      'x509Certificates.value eq "abc"',
      `exists (select 1 from jsonb_array_elements(${arr(1)}) e where (e ->> $2 = $3))`,
      [["x509Certificates"], "value", "abc"],
    ],
    [
      "a caseExact sub-attribute of an extension (Genesys externalIds.value)",
      `${GEN}:externalIds.value eq "Abc"`,
      `exists (select 1 from jsonb_array_elements(${arr(1)}) e where (e ->> $2 = $3))`,
      [[GEN, "externalIds"], "value", "Abc"],
    ],
    [
      "values keep their case; names do not matter",
      'TITLE EQ "BoSS"',
      "(lower(r.resource #>> $1::text[]) = lower($2))",
      [["title"], "BoSS"],
    ],
  ])("%s: %s", (_label, filter, sql, params) => {
    expect(compileUsers(filter)).toEqual({ sql, params });
  });
});

describe("compileFilter: attributes stored in the resource JSON", () => {
  it.each<[string, string, unknown[]]>([
    ['title ne "x"', "(r.resource #>> $1::text[] is null or lower(r.resource #>> $1::text[]) <> lower($2))", [["title"], "x"]],
    ["title pr", "(r.resource #>> $1::text[] is not null and r.resource #>> $1::text[] <> '')", [["title"]]],
    ["title eq null", "(r.resource #>> $1::text[] is null)", [["title"]]],
    ["title ne null", "(r.resource #>> $1::text[] is not null)", [["title"]]],
    ['name.familyName eq "O"', "(lower(r.resource #>> $1::text[]) = lower($2))", [["name", "familyName"], "O"]],
    ['name.familyName co "x"', "(lower(r.resource #>> $1::text[]) like '%' || lower($2) || '%')", [["name", "familyName"], "x"]],
    ["name.givenName pr", "(r.resource #>> $1::text[] is not null and r.resource #>> $1::text[] <> '')", [["name", "givenName"]]],
    // a complex single-valued attribute is present when it is a non-empty object
    ["name pr", "(jsonb_typeof(r.resource #> $1::text[]) = 'object' and r.resource #> $2::text[] <> '{}'::jsonb)", [["name"], ["name"]]],
    [`${ENT}:employeeNumber eq "7"`, "(lower(r.resource #>> $1::text[]) = lower($2))", [[ENT, "employeeNumber"], "7"]],
    [`${ENT}:manager.value eq "m1"`, "(lower(r.resource #>> $1::text[]) = lower($2))", [[ENT, "manager", "value"], "m1"]],
    [
      `${ENT}:manager pr`,
      "(jsonb_typeof(r.resource #> $1::text[]) = 'object' and r.resource #> $2::text[] <> '{}'::jsonb)",
      [
        [ENT, "manager"],
        [ENT, "manager"],
      ],
    ],
  ])("%s", (filter, sql, params) => {
    expect(compileUsers(filter)).toEqual({ sql, params });
  });
});

describe("compileFilter: multi-valued attributes", () => {
  it.each<[string, string, unknown[]]>([
    // emails.value is indexed: eq answers from the array column, other operators test each value
    ['emails.value eq "A@X.com"', "(r.email_values @> array[lower($1)])", ["A@X.com"]],
    ['emails.value co "x"', "exists (select 1 from unnest(r.email_values) v where (v like '%' || lower($1) || '%'))", ["x"]],
    ['emails.value sw "A%"', "exists (select 1 from unnest(r.email_values) v where (v like lower($1) || '%'))", ["A\\%"]],
    ['emails.value ne "a"', "exists (select 1 from unnest(r.email_values) v where (v is null or v <> lower($1)))", ["a"]],
    ["emails.value eq 5", "exists (select 1 from unnest(r.email_values) v where (v = lower($1)))", ["5"]],
    ["emails.value pr", "(cardinality(r.email_values) > 0)", []],
    // other sub-attributes from the JSON: some element satisfies the test
    [
      'emails.type eq "work"',
      `exists (select 1 from jsonb_array_elements(${arr(1)}) e where (lower(e ->> $2) = lower($3)))`,
      [["emails"], "type", "work"],
    ],
    [
      "emails.display pr",
      `exists (select 1 from jsonb_array_elements(${arr(1)}) e where (e ->> $2 is not null and e ->> $2 <> ''))`,
      [["emails"], "display"],
    ],
    // a complex attribute without a sub-attribute compares its value
    [
      'emails eq "a@x"',
      `exists (select 1 from jsonb_array_elements(${arr(1)}) e where (lower(e ->> $2) = lower($3)))`,
      [["emails"], "value", "a@x"],
    ],
    [
      'phoneNumbers eq "1"',
      `exists (select 1 from jsonb_array_elements(${arr(1)}) e where (lower(e ->> $2) = lower($3)))`,
      [["phoneNumbers"], "value", "1"],
    ],
    ["emails pr", `(jsonb_array_length(${arr(1)}) > 0)`, [["emails"]]],
    ["x509Certificates pr", `(jsonb_array_length(${arr(1)}) > 0)`, [["x509Certificates"]]],
    [
      `${GEN}:routingSkills.proficiency gt 4.5`,
      `exists (select 1 from jsonb_array_elements(${arr(1)}) e where ((e ->> $2)::numeric > $3::numeric))`,
      [[GEN, "routingSkills"], "proficiency", 4.5],
    ],
    [
      `${GEN}:routingSkills.proficiency ne 3`,
      `exists (select 1 from jsonb_array_elements(${arr(1)}) e where ((e ->> $2)::numeric is distinct from $3::numeric))`,
      [[GEN, "routingSkills"], "proficiency", 3],
    ],
  ])("%s", (filter, sql, params) => {
    expect(compileUsers(filter)).toEqual({ sql, params });
  });
});

describe("compileFilter: value paths", () => {
  it.each<[string, string, unknown[]]>([
    [
      'emails[type eq "work"]',
      `exists (select 1 from jsonb_array_elements(${arr(1)}) e where (lower(e ->> $2) = lower($3)))`,
      [["emails"], "type", "work"],
    ],
    // Entra ID's form: one element has type work and that element's value
    [
      'emails[type eq "work"].value eq "x@y.com"',
      `exists (select 1 from jsonb_array_elements(${arr(1)}) e where ((lower(e ->> $2) = lower($3)) and (lower(e ->> $4) = lower($5))))`,
      [["emails"], "type", "work", "value", "x@y.com"],
    ],
    [
      'emails[type eq "work" and value co "@x"]',
      `exists (select 1 from jsonb_array_elements(${arr(1)}) e where ((lower(e ->> $2) = lower($3)) and (lower(e ->> $4) like '%' || lower($5) || '%')))`,
      [["emails"], "type", "work", "value", "@x"],
    ],
    [
      'emails[type eq "work" or type eq "home"]',
      `exists (select 1 from jsonb_array_elements(${arr(1)}) e where ((lower(e ->> $2) = lower($3)) or (lower(e ->> $4) = lower($5))))`,
      [["emails"], "type", "work", "type", "home"],
    ],
    [
      "emails[not (primary eq true)]",
      `exists (select 1 from jsonb_array_elements(${arr(1)}) e where (not coalesce(((e ->> $2)::boolean = $3), false)))`,
      [["emails"], "primary", true],
    ],
    [
      "roles[value pr]",
      `exists (select 1 from jsonb_array_elements(${arr(1)}) e where (e ->> $2 is not null and e ->> $2 <> ''))`,
      [["roles"], "value"],
    ],
    [
      `${GEN}:routingSkills[name eq "x" and proficiency ge 3]`,
      `exists (select 1 from jsonb_array_elements(${arr(1)}) e where ((lower(e ->> $2) = lower($3)) and ((e ->> $4)::numeric >= $5::numeric)))`,
      [[GEN, "routingSkills"], "name", "x", "proficiency", 3],
    ],
    [
      `${GEN}:externalIds[authority eq "HR" and value sw "A"]`,
      `exists (select 1 from jsonb_array_elements(${arr(1)}) e where ((e ->> $2 = $3) and (e ->> $4 like $5 || '%')))`,
      [[GEN, "externalIds"], "authority", "HR", "value", "A"],
    ],
  ])("%s", (filter, sql, params) => {
    expect(compileUsers(filter)).toEqual({ sql, params });
  });
});

describe("compileFilter: booleans and dateTimes", () => {
  it.each<[string, string, unknown[]]>([
    ["active eq true", "(r.active = $1)", [true]],
    ["active eq false", "(r.active = $1)", [false]],
    // Entra ID's string booleans, in any case
    ['active eq "True"', "(r.active = $1)", [true]],
    ['active eq "FALSE"', "(r.active = $1)", [false]],
    ["active ne false", "(r.active is distinct from $1)", [false]],
    ["active pr", "(r.active is not null)", []],
    ["active eq null", "(r.active is null)", []],
    // dateTimes: normalised to UTC ISO text, compared as timestamptz
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', "(r.last_modified > $1::timestamptz)", ["2011-05-13T04:42:34.000Z"]],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', "(r.last_modified >= $1::timestamptz)", ["2011-05-13T04:42:34.000Z"]],
    ['meta.created lt "2011-05-13T04:42:34Z"', "(r.created_at < $1::timestamptz)", ["2011-05-13T04:42:34.000Z"]],
    ['meta.created le "2011-05-13T04:42:34+02:00"', "(r.created_at <= $1::timestamptz)", ["2011-05-13T02:42:34.000Z"]],
    ['meta.created eq "2011-05-13T04:42:34.5Z"', "(r.created_at = $1::timestamptz)", ["2011-05-13T04:42:34.500Z"]],
    ['meta.created ne "2011-05-13T04:42:34Z"', "(r.created_at is distinct from $1::timestamptz)", ["2011-05-13T04:42:34.000Z"]],
    ["meta.created pr", "(r.created_at is not null)", []],
    ["meta.created eq null", "(r.created_at is null)", []],
    ['meta.created eq "9999-12-31T23:59:59Z"', "(r.created_at = $1::timestamptz)", ["9999-12-31T23:59:59.000Z"]],
    ['meta.created eq "0001-01-01T00:00:00Z"', "(r.created_at = $1::timestamptz)", ["0001-01-01T00:00:00.000Z"]],
  ])("%s", (filter, sql, params) => {
    expect(compileUsers(filter)).toEqual({ sql, params });
  });
});

describe("compileFilter: and / or / not", () => {
  it.each<[string, string, unknown[]]>([
    [
      'userName eq "a" and title eq "b"',
      "((r.user_name_lc = lower($1)) and (lower(r.resource #>> $2::text[]) = lower($3)))",
      ["a", ["title"], "b"],
    ],
    ['userName eq "a" or userName eq "b"', "((r.user_name_lc = lower($1)) or (r.user_name_lc = lower($2)))", ["a", "b"]],
    // and binds tighter than or
    [
      'userName eq "a" or userName eq "b" and active eq true',
      "((r.user_name_lc = lower($1)) or ((r.user_name_lc = lower($2)) and (r.active = $3)))",
      ["a", "b", true],
    ],
    // not reads an unknown (null) comparison as false: a resource without the value matches not (x eq y)
    ['not (userName eq "a")', "(not coalesce((r.user_name_lc = lower($1)), false))", ["a"]],
    ['not (userName eq "a" and active eq true)', "(not coalesce(((r.user_name_lc = lower($1)) and (r.active = $2)), false))", ["a", true]],
    [
      'userName eq "a" or not (title eq "b")',
      "((r.user_name_lc = lower($1)) or (not coalesce((lower(r.resource #>> $2::text[]) = lower($3)), false)))",
      ["a", ["title"], "b"],
    ],
    [
      'name.familyName eq "O" and (userName sw "a" or not (active eq false))',
      "((lower(r.resource #>> $1::text[]) = lower($2)) and ((r.user_name_lc like lower($3) || '%') or (not coalesce((r.active = $4), false))))",
      [["name", "familyName"], "O", "a", false],
    ],
  ])("%s", (filter, sql, params) => {
    expect(compileUsers(filter)).toEqual({ sql, params });
  });

  it("numbers parameters after the caller's offset", () => {
    expect(compileUsers('userName eq "a" and title eq "b"', new Params(2))).toEqual({
      sql: "((r.user_name_lc = lower($3)) and (lower(r.resource #>> $4::text[]) = lower($5)))",
      params: ["a", ["title"], "b"],
    });
  });
});

describe("compileFilter: membership (users' groups, groups' members)", () => {
  it.each<[string, string, unknown[]]>([
    ['groups.value eq "g1"', "exists (select 1 from scim_group_members m where m.member_id = r.id and (m.group_id = $1))", ["g1"]],
    ['groups[value eq "g1"]', "exists (select 1 from scim_group_members m where m.member_id = r.id and (m.group_id = $1))", ["g1"]],
    ["groups pr", "exists (select 1 from scim_group_members m where m.member_id = r.id and true)", []],
  ])("users: %s", (filter, sql, params) => {
    expect(compileUsers(filter)).toEqual({ sql, params });
  });

  it.each<[string, string, unknown[]]>([
    ['displayName eq "G"', "(r.display_name_lc = lower($1))", ["G"]],
    [
      'members.value eq "u1"',
      "exists (select 1 from scim_group_members m where m.group_id = r.id and true and (m.member_id = $1))",
      ["u1"],
    ],
    [
      'members.type eq "Group"',
      "exists (select 1 from scim_group_members m where m.group_id = r.id and true and (lower(m.member_type) = lower($1)))",
      ["Group"],
    ],
    ["members pr", "exists (select 1 from scim_group_members m where m.group_id = r.id and true and true)", []],
    [
      'members[type eq "User" and value eq "u1"]',
      "exists (select 1 from scim_group_members m where m.group_id = r.id and true and ((lower(m.member_type) = lower($1)) and (m.member_id = $2)))",
      ["User", "u1"],
    ],
    [
      'members.value eq "u1" and members.value eq "u2"',
      "(exists (select 1 from scim_group_members m where m.group_id = r.id and true and (m.member_id = $1)) and exists (select 1 from scim_group_members m where m.group_id = r.id and true and (m.member_id = $2)))",
      ["u1", "u2"],
    ],
  ])("groups, all divisions visible: %s", (filter, sql, params) => {
    expect(compileGroups(filter)).toEqual({ sql, params });
  });

  it.each<[string, string, unknown[]]>([
    [
      'members.value eq "u1"',
      `exists (select 1 from scim_group_members m where m.group_id = r.id and ${visible(1)} and (m.member_id = $2))`,
      [["d1", "d2"], "u1"],
    ],
    [
      'members[value eq "u1" or type eq "group"]',
      `exists (select 1 from scim_group_members m where m.group_id = r.id and ${visible(1)} and ((m.member_id = $2) or (lower(m.member_type) = lower($3))))`,
      [["d1", "d2"], "u1", "group"],
    ],
  ])("groups, members only in divisions d1 and d2 visible: %s", (filter, sql, params) => {
    expect(compileGroups(filter, { all: false, ids: ["d1", "d2"] })).toEqual({ sql, params });
  });
});

describe("compileMemberFilter (a PATCH path's members[...])", () => {
  it.each<[string, number, string, unknown[]]>([
    ['value eq "u1"', 0, "(m.member_id = $1)", ["u1"]],
    // group-patch.ts binds the group id as $1 first
    ['value eq "u1"', 1, "(m.member_id = $2)", ["u1"]],
    ['type eq "user"', 0, "(lower(m.member_type) = lower($1))", ["user"]],
    ['value sw "A"', 0, "(m.member_id like $1 || '%')", ["A"]],
    ['value eq "a" or value eq "b"', 1, "((m.member_id = $2) or (m.member_id = $3))", ["a", "b"]],
    ['value eq "a" and type eq "User"', 0, "((m.member_id = $1) and (lower(m.member_type) = lower($2)))", ["a", "User"]],
    ["not (value pr)", 0, "(not coalesce((m.member_id is not null and m.member_id <> ''), false))", []],
  ])("%s (offset %d)", (filter, offset, sql, params) => {
    const p = new Params(offset);
    expect({ sql: compileMemberFilter(parseFilter(filter), p), params: p.values }).toEqual({ sql, params });
  });

  it.each<[string, FilterNode]>([
    ["a sub-attribute other than value or type", parseFilter('display eq "x"')],
    ["a nested value path", { kind: "valuePath", path: { attr: "value" }, filter: parseFilter('x eq "1"') }],
  ])("refuses %s -> 400 invalidFilter", (_label, node) => {
    expect(refusal(() => compileMemberFilter(node, new Params(1)))).toMatchObject(INVALID_FILTER);
  });
});

describe("compileFilter: refusals (400 invalidFilter)", () => {
  it.each<[string, string]>([
    ["unknown attribute", 'nosuch eq "x"'],
    ["unknown attribute, presence", "nosuch pr"],
    ["unknown sub-attribute", 'name.nosuch eq "x"'],
    ["unknown schema", 'urn:x:y:Foo:bar eq "1"'],
    ["unknown extension attribute", `${ENT}:nosuch eq "x"`],
    ["a boolean compared with a number", "active eq 1"],
    ["a boolean compared with a word", 'active eq "yes"'],
    ["an ordering operator on a boolean", "active gt true"],
    ["co on a boolean", 'active co "t"'],
    ["a boolean sub-attribute compared with a word", 'emails[primary eq "yes"]'],
    ["sw on a dateTime", 'meta.created sw "2011"'],
    ["a dateTime compared with a word", 'meta.created eq "yesterday"'],
    ["a dateTime compared with a number", "meta.created eq 5"],
    ["a dateTime before year 1", 'meta.created eq "0000-01-01T00:00:00Z"'],
    ["a dateTime after year 9999", 'meta.created eq "+010000-01-01T00:00:00Z"'],
    ["co on a number", `${GEN}:routingSkills.proficiency co 4`],
    ["a number compared with a string", `${GEN}:routingSkills.proficiency eq "4"`],
    ["a complex attribute compared", 'name eq "x"'],
    ["an ordering operator with null", "title gt null"],
    ["co with null", "title co null"],
    ["a value path on an unknown sub-attribute", 'emails[foo eq "x"]'],
    ["a value path on a single-valued complex attribute", 'name[givenName eq "x"]'],
    ["a value path on a simple attribute", 'title[value eq "x"]'],
    ["unknown attribute inside an and", 'userName eq "a" and nosuch eq "b"'],
    ["unknown attribute inside a not", 'not (nosuch eq "b")'],
  ])("users: %s: %s", (_label, filter) => {
    expect(refusal(() => compileUsers(filter))).toMatchObject(INVALID_FILTER);
  });

  it.each<[string, string]>([
    ["members filtered on another sub-attribute", 'members[display eq "x"]'],
    ["a users-only attribute", 'userName eq "x"'],
  ])("groups: %s: %s", (_label, filter) => {
    expect(refusal(() => compileGroups(filter))).toMatchObject(INVALID_FILTER);
  });

  it("refuses a nested value path built by hand", () => {
    const node: FilterNode = {
      kind: "valuePath",
      path: { attr: "emails" },
      filter: { kind: "valuePath", path: { attr: "type" }, filter: parseFilter('x eq "1"') },
    };
    expect(refusal(() => compileFilter(node, { catalog: users }, new Params()))).toMatchObject(INVALID_FILTER);
  });
});

describe("compileFilter: suspected bugs", () => {
  // BUG: the dateTime check is Date.parse, which in V8 accepts almost any text ending in a number
  // ("garbage 2" is 1 February 2001, local time; "May 5" is 5 May 2001): not an xsd:dateTime
  // (RFC 7643 §2.3.5), so the filter should be refused, not compared with a made-up date.
  it.each<[string]>([['meta.lastModified gt "garbage 2"'], ['meta.lastModified gt "May 5"']])("refuses a non-dateTime: %s", (filter) => {
    expect(refusal(() => compileUsers(filter))).toMatchObject(INVALID_FILTER);
  });

  // BUG: members are not stored in the group's resource JSON (Groups.write strips them; they live in
  // scim_group_members), so `members.display eq "x"` compiles to a JSON path that never matches, and
  // `not (members.display eq "x")` matches every group. `members[display eq "x"]` is refused (members can
  // be filtered on value or type only); the dotted form should be refused the same way.
  it("groups: members.display is refused like members[display ...]", () => {
    expect(refusal(() => compileGroups('members.display eq "x"'))).toMatchObject(INVALID_FILTER);
  });

  // BUG: the same for a user's groups (Users strips `groups` before storing): `groups.display eq "x"`
  // reads a JSON array that is never there, while `groups[display eq "x"]` is refused.
  it("users: groups.display is refused like groups[display ...]", () => {
    expect(refusal(() => compileUsers('groups[display eq "x"]'))).toMatchObject(INVALID_FILTER);
    expect(refusal(() => compileUsers('groups.display eq "x"'))).toMatchObject(INVALID_FILTER);
  });

  // BUG: a user's groups[].type is "direct" (users.ts renders every group with type "direct"), but
  // `groups.type` compiles to the membership row's member_type, which for a user is always 'User':
  // `groups.type eq "direct"` matches no user, `groups.type eq "User"` matches every member.
  it('users: groups.type eq "direct" does not compare the member type', () => {
    const { sql } = compileUsers('groups.type eq "direct"');
    expect(sql).not.toContain("m.member_type");
  });

  // BUG: meta is not stored in the resource JSON (Users and Groups strip it; meta.created and
  // meta.lastModified have columns), so `meta.resourceType eq "User"` (RFC 7644 §3.4.2.2's own example)
  // compiles to a JSON path that never matches. It should be decided by the resource type, not r.resource.
  it('users: meta.resourceType eq "User" does not read the stored JSON', () => {
    const { sql } = compileUsers('meta.resourceType eq "User"');
    expect(sql).not.toContain("r.resource");
  });
});

describe("sortExpression", () => {
  it.each<[string, string, unknown[]]>([
    ["userName", "r.user_name_lc", []],
    ["active", "r.active", []],
    ["meta.created", "r.created_at", []],
    ["externalId", "r.external_id", []],
    ["title", "lower(r.resource #>> $1::text[])", [["title"]]],
    ["name.familyName", "lower(r.resource #>> $1::text[])", [["name", "familyName"]]],
    [`${ENT}:employeeNumber`, "lower(r.resource #>> $1::text[])", [[ENT, "employeeNumber"]]],
    // a multi-valued attribute sorts by its primary (else first) value
    [
      "emails",
      `(select lower(e ->> $2) from jsonb_array_elements(${arr(1)}) e order by (e ->> 'primary') = 'true' desc nulls last limit 1)`,
      [["emails"], "value"],
    ],
    [
      "emails.type",
      `(select lower(e ->> $2) from jsonb_array_elements(${arr(1)}) e order by (e ->> 'primary') = 'true' desc nulls last limit 1)`,
      [["emails"], "type"],
    ],
  ])("%s -> %s", (sortBy, sql, params) => {
    const p = new Params();
    expect({ sql: sortExpression(parseAttrPath(sortBy), users, p), params: p.values }).toEqual({ sql, params });
  });

  it.each<[string]>([["nosuch"], ["name"], ["name.nosuch"]])("refuses %s -> 400 invalidFilter", (sortBy) => {
    expect(refusal(() => sortExpression(parseAttrPath(sortBy), users, new Params()))).toMatchObject(INVALID_FILTER);
  });
});
