import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { openTestStore, type TestStore } from "../../helpers/store.js";
import { buildTestApp, type TestApp } from "../../helpers/app.js";
import { ENTERPRISE, ERROR_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, scimAgent } from "../../helpers/scim.js";
import { homeDivisionId } from "../../../src/authz/divisions.js";

const LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

type Agent = Awaited<ReturnType<typeof scimAgent>>;
type Resource = Record<string, unknown> & { id: string };
interface ListBody {
  schemas: string[];
  totalResults: number;
  itemsPerPage: number;
  startIndex: number;
  Resources?: Resource[];
}

interface Email {
  value: string;
  type: string;
  primary?: boolean;
}
interface Person {
  key: string;
  userName: string;
  displayName: string;
  given: string;
  family: string;
  title?: string;
  active: boolean;
  externalId?: string;
  department?: string;
  /** the key of the manager */
  manager?: string;
  emails?: Email[];
  phones?: Array<{ value: string; type: string }>;
}

/**
 * The data set. Users are created in CREATION_ORDER, one minute apart on the test clock (f at 00:01,
 * a at 00:02, ... e at 00:12), so that list order without sortBy differs from userName order;
 * afterwards c is replaced at 00:22 (its lastModified moves, its created does not).
 */
const PEOPLE: Person[] = [
  {
    key: "a",
    userName: "alice",
    displayName: "Alice Archer",
    given: "Alice",
    family: "Archer",
    title: "Engineer",
    active: true,
    externalId: "EXT-A",
    department: "Engineering",
    emails: [
      { value: "alice@x.example", type: "work", primary: true },
      { value: "zalice@y.example", type: "home" },
    ],
    phones: [{ value: "+1 555 0101", type: "work" }],
  },
  {
    key: "b",
    userName: "BOB",
    displayName: "Bob Baker",
    given: "Bob",
    family: "Baker",
    title: "Manager",
    active: true,
    externalId: "ext-b",
    department: "Engineering",
    emails: [{ value: "bob@y.example", type: "work", primary: true }],
    phones: [{ value: "+1 555 0102", type: "mobile" }],
  },
  {
    key: "c",
    userName: "Carol",
    displayName: "Carol Chen",
    given: "Carol",
    family: "Chen",
    title: "engineer",
    active: false,
    externalId: "EXT-C",
    department: "Sales",
    emails: [
      { value: "ycarol@y.example", type: "work" },
      { value: "carol@x.example", type: "home", primary: true },
    ],
  },
  {
    key: "d",
    userName: "dave",
    displayName: "Dave Archer",
    given: "Dave",
    family: "Archer",
    active: true,
    department: "Sales",
    emails: [{ value: "DAVE@X.EXAMPLE", type: "work" }],
  },
  {
    key: "e",
    userName: "Erin",
    displayName: "Erin Eastwood",
    given: "Erin",
    family: "Eastwood",
    title: "Director",
    active: true,
    externalId: "EXT-E",
    phones: [{ value: "+44 20 7946 0000", type: "work" }],
  },
  {
    key: "f",
    userName: "FRANK",
    displayName: "Frank Fisher",
    given: "Frank",
    family: "Fisher",
    title: "Engineer",
    active: false,
    externalId: "EXT-F",
    department: "Support",
    emails: [{ value: "frank@y.example", type: "home" }],
  },
  {
    key: "g",
    userName: "grace",
    displayName: "Grace Archer",
    given: "Grace",
    family: "Archer",
    title: "Analyst",
    active: true,
    externalId: "EXT-G",
    department: "Support",
    emails: [
      { value: "grace@x.example", type: "work" },
      { value: "agrace@y.example", type: "home", primary: true },
    ],
  },
  {
    key: "h",
    userName: "Heidi",
    displayName: "Heidi Hopper",
    given: "Heidi",
    family: "Hopper",
    title: "Engineer",
    active: true,
    externalId: "ext-h",
    department: "Engineering",
    manager: "a",
    emails: [{ value: "heidi@x.example", type: "work", primary: true }],
  },
  {
    key: "i",
    userName: "ivan",
    displayName: "Ivan Ivanov",
    given: "Ivan",
    family: "Ivanov",
    title: "Manager",
    active: false,
    externalId: "EXT-I",
    department: "Sales",
    manager: "b",
    emails: [{ value: "ivan@y.example", type: "other" }],
  },
  {
    key: "j",
    userName: "JUDY",
    displayName: "Judy Jones",
    given: "Judy",
    family: "Jones",
    title: "Engineer",
    active: true,
    externalId: "EXT-J",
    emails: [
      { value: "judy@x.example", type: "work" },
      { value: "bjudy@x.example", type: "work" },
    ],
  },
  {
    key: "k",
    userName: "kevin",
    displayName: "Kevin Knox",
    given: "Kevin",
    family: "Knox",
    title: "Intern",
    active: true,
    externalId: "EXT-K",
    department: "Engineering",
    manager: "a",
    emails: [{ value: "kevin@x.example", type: "home" }],
  },
  { key: "l", userName: "Leo", displayName: "Leo Lane", given: "Leo", family: "Lane", active: true, externalId: "EXT-L" },
];
const CREATION_ORDER = ["f", "a", "k", "c", "b", "h", "l", "d", "j", "i", "g", "e"];
const ALL = PEOPLE.map((p) => p.key);
const except = (...keys: string[]) => ALL.filter((k) => !keys.includes(k));

/** Groups, created in this order after the users. G4 has the group G2 as a member; G5 has no members. */
const GROUPS: Array<{ key: string; displayName: string; members: string[] }> = [
  { key: "G1", displayName: "Engineering", members: ["a", "b", "h", "k"] },
  { key: "G2", displayName: "Engineering Managers", members: ["b"] },
  { key: "G3", displayName: "Sales", members: ["c", "d", "i"] },
  { key: "G4", displayName: "Support", members: ["f", "g", "G2"] },
  { key: "G5", displayName: "Contractors", members: [] },
];

function userBody(p: Person, ids: Record<string, string>): Record<string, unknown> {
  const ext = p.department !== undefined || p.manager !== undefined;
  return {
    schemas: ext ? [USER_SCHEMA, ENTERPRISE] : [USER_SCHEMA],
    userName: p.userName,
    displayName: p.displayName,
    name: { givenName: p.given, familyName: p.family },
    active: p.active,
    ...(p.title !== undefined ? { title: p.title } : {}),
    ...(p.externalId !== undefined ? { externalId: p.externalId } : {}),
    ...(p.emails ? { emails: p.emails } : {}),
    ...(p.phones ? { phoneNumbers: p.phones } : {}),
    ...(ext
      ? {
          [ENTERPRISE]: {
            ...(p.department !== undefined ? { department: p.department } : {}),
            ...(p.manager ? { manager: { value: ids[p.manager] } } : {}),
          },
        }
      : {}),
  };
}

const at = (minutes: number, seconds = 0) => new Date(Date.parse("2026-01-01T00:00:00Z") + minutes * 60_000 + seconds * 1000).toISOString();

describe("SCIM filters, sorting, paging and projections", () => {
  let ts: TestStore;
  let t: TestApp;
  let scim: Agent;
  /** key → id, for users (a..l) and groups (G1..G5) */
  const ids: Record<string, string> = {};
  const keyOf = new Map<string, string>();

  /** `{a}` in a filter stands for the id of a. */
  const fill = (filter: string) =>
    filter.replace(/\{(\w+)\}/g, (_m, k: string) => {
      const id = ids[k];
      if (!id) throw new Error(`no id for ${k}`);
      return id;
    });
  const keys = (resources: Resource[] | undefined) => (resources ?? []).map((r) => keyOf.get(r.id) ?? `?${r.id}`);

  async function list(path: string, query: Record<string, string | number>): Promise<ListBody> {
    const res = await scim.get(path).query(query);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/scim\+json/);
    const body = res.body as ListBody;
    expect(body.schemas).toEqual([LIST_RESPONSE]);
    return body;
  }

  /** The keys a filter selects, sorted; checks that totalResults agrees with the page. */
  async function matching(path: "/Users" | "/Groups", filter: string): Promise<string[]> {
    const body = await list(path, { filter: fill(filter), count: 1000 });
    const found = keys(body.Resources);
    expect(body.totalResults).toBe(found.length);
    expect(new Set(found).size).toBe(found.length);
    return found.sort();
  }

  async function refused(path: string, filter: string, search = false) {
    const res = search ? await scim.post(`${path}/.search`, { schemas: [SEARCH_REQUEST], filter }) : await scim.get(path).query({ filter });
    expect(res.status).toBe(400);
    expect(res.headers["content-type"]).toMatch(/^application\/scim\+json/);
    expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: "400", scimType: "invalidFilter" });
    expect(typeof res.body.detail).toBe("string");
    return res.body as { detail: string };
  }

  beforeAll(async () => {
    ts = await openTestStore();
    t = buildTestApp(ts.store);
    scim = await scimAgent(t.app, ts.store);
    for (const key of CREATION_ORDER) {
      t.clock.advance(60);
      const p = PEOPLE.find((x) => x.key === key)!;
      const res = await scim.post("/Users", userBody(p, ids));
      if (res.status !== 201) throw new Error(`creating ${key}: ${res.status} ${JSON.stringify(res.body)}`);
      ids[key] = res.body.id as string;
      keyOf.set(res.body.id as string, key);
    }
    // c is replaced (unchanged) ten minutes later: its lastModified moves to 00:22, its created stays 00:04
    t.clock.advance(600);
    const c = PEOPLE.find((x) => x.key === "c")!;
    const put = await scim.put(`/Users/${ids.c}`, userBody(c, ids));
    if (put.status !== 200) throw new Error(`replacing c: ${put.status} ${JSON.stringify(put.body)}`);
    t.clock.advance(60);
    for (const g of GROUPS) {
      const res = await scim.post("/Groups", {
        schemas: [GROUP_SCHEMA],
        displayName: g.displayName,
        members: g.members.map((m) => ({ value: ids[m] })),
      });
      if (res.status !== 201) throw new Error(`creating ${g.key}: ${res.status} ${JSON.stringify(res.body)}`);
      ids[g.key] = res.body.id as string;
      keyOf.set(res.body.id as string, g.key);
    }
  });
  afterAll(() => ts.close());

  it("stored the data set as intended (timestamps from the test clock, the enterprise extension, memberships)", async () => {
    const c = await scim.get(`/Users/${ids.c}`);
    expect(c.status).toBe(200);
    expect(c.body.meta).toMatchObject({ created: at(4), lastModified: at(22) });
    const h = await scim.get(`/Users/${ids.h}`);
    expect(h.body.meta).toMatchObject({ created: at(6), lastModified: at(6) });
    expect(h.body[ENTERPRISE]).toMatchObject({ department: "Engineering", manager: { value: ids.a } });
    const g1 = await scim.get(`/Groups/${ids.G1}`);
    expect((g1.body.members as Array<{ value: string }>).map((m) => keyOf.get(m.value)).sort()).toEqual(["a", "b", "h", "k"]);
  });

  describe("every operator on indexed and JSON-stored attributes", () => {
    it.each<[string, string[]]>([
      // userName: case-insensitive (RFC 7643 §4.1.1), from the lower-cased column
      ['userName eq "ALICE"', ["a"]],
      ['userName eq "bob"', ["b"]],
      ['userName eq "Leo"', ["l"]],
      ["userName eq ALICE", ["a"]],
      ['USERNAME EQ "alice"', ["a"]],
      ['urn:ietf:params:scim:schemas:core:2.0:User:userName eq "alice"', ["a"]],
      ['userName co "A"', ["a", "c", "d", "f", "g", "i"]],
      ['userName sw "J"', ["j"]],
      ['userName sw "he"', ["h"]],
      ['userName ew "N"', ["e", "i", "k"]],
      ['userName gt "heidi"', ["i", "j", "k", "l"]],
      ['userName ge "HEIDI"', ["h", "i", "j", "k", "l"]],
      ['userName lt "carol"', ["a", "b"]],
      ['userName le "Carol"', ["a", "b", "c"]],
      ['userName ne "Dave"', except("d")],
      ["userName pr", ALL],
      ['userName eq "nobody"', []],
      ['userName co "%"', []],
      ['userName co "_"', []],
      // displayName
      ['displayName eq "alice archer"', ["a"]],
      ['displayName co "ARCHER"', ["a", "d", "g"]],
      ['displayName sw "g"', ["g"]],
      ['displayName ew "er"', ["a", "b", "d", "f", "g", "h"]],
      ['displayName gt "j"', ["j", "k", "l"]],
      ['displayName lt "c"', ["a", "b"]],
      ['displayName ne "Leo Lane"', except("l")],
      ["displayName pr", ALL],
      // externalId is caseExact
      ['externalId eq "EXT-A"', ["a"]],
      ['externalId eq "ext-a"', []],
      ['externalId eq "ext-b"', ["b"]],
      ['externalId eq "EXT-B"', []],
      ['externalId sw "ext-"', ["b", "h"]],
      ['externalId sw "EXT-"', ["a", "c", "e", "f", "g", "i", "j", "k", "l"]],
      ['externalId co "t-"', ["b", "h"]],
      ["externalId pr", except("d")],
      // title: stored in the resource JSON, case-insensitive
      ['title eq "ENGINEER"', ["a", "c", "f", "h", "j"]],
      ['title co "an"', ["b", "g", "i"]],
      ['title sw "m"', ["b", "i"]],
      ['title ew "R"', ["a", "b", "c", "e", "f", "h", "i", "j"]],
      ['title gt "i"', ["b", "i", "k"]],
      ['title ge "intern"', ["b", "i", "k"]],
      ['title lt "e"', ["e", "g"]],
      ['title le "director"', ["e", "g"]],
      ["title pr", except("d", "l")],
      // name.* (complex, JSON)
      ['name.familyName eq "archer"', ["a", "d", "g"]],
      ['name.familyName sw "K"', ["k"]],
      ['name.familyName ew "ER"', ["a", "b", "d", "f", "g", "h"]],
      ['name.familyName gt "j"', ["j", "k", "l"]],
      ['name.givenName eq "HEIDI"', ["h"]],
      ["name pr", ALL],
      // active (boolean column)
      ["active eq true", ["a", "b", "d", "e", "g", "h", "j", "k", "l"]],
      ["active eq false", ["c", "f", "i"]],
      ["active ne true", ["c", "f", "i"]],
      ['active eq "False"', ["c", "f", "i"]],
      // emails.value (lower-cased array column)
      ['emails.value eq "dave@x.example"', ["d"]],
      ['emails.value eq "ZALICE@Y.EXAMPLE"', ["a"]],
      ['emails.value co "@x.example"', ["a", "c", "d", "g", "h", "j", "k"]],
      ['emails.value sw "A"', ["a", "g"]],
      ['emails.value sw "ju"', ["j"]],
      ['emails.value ew "@Y.EXAMPLE"', ["a", "b", "c", "f", "g", "i"]],
      ['emails.value gt "j"', ["a", "c", "j", "k"]],
      ["emails.value pr", except("e", "l")],
      ["emails pr", except("e", "l")],
      ['emails co "kevin"', ["k"]],
      ['emails.type eq "home"', ["a", "c", "f", "g", "k"]],
      ['emails.type eq "OTHER"', ["i"]],
      ["emails.primary eq true", ["a", "b", "c", "g", "h"]],
      // phoneNumbers
      ['phoneNumbers[type eq "mobile"]', ["b"]],
      ['phoneNumbers.value co "555"', ["a", "b"]],
      ['phoneNumbers.type eq "work"', ["a", "e"]],
      ["phoneNumbers pr", ["a", "b", "e"]],
      // enterprise extension by full URN
      [`${ENTERPRISE}:department eq "engineering"`, ["a", "b", "h", "k"]],
      [`${ENTERPRISE}:department eq "Sales"`, ["c", "d", "i"]],
      [`${ENTERPRISE}:department sw "S"`, ["c", "d", "f", "g", "i"]],
      [`${ENTERPRISE}:department pr`, except("e", "j", "l")],
      [`${ENTERPRISE.toUpperCase()}:DEPARTMENT eq "support"`, ["f", "g"]],
      [`${ENTERPRISE}:manager.value eq "{a}"`, ["h", "k"]],
      [`${ENTERPRISE}:manager.value eq "{b}"`, ["i"]],
      [`${ENTERPRISE}:manager pr`, ["h", "i", "k"]],
      // id (caseExact)
      ['id eq "{a}"', ["a"]],
      ['id ne "{a}"', except("a")],
      ['id eq "{a}" or id eq "{l}"', ["a", "l"]],
      // group membership seen from the user
      ['groups.value eq "{G3}"', ["c", "d", "i"]],
      ['groups[value eq "{G1}"]', ["a", "b", "h", "k"]],
    ])("%s", async (filter, expected) => {
      expect(await matching("/Users", filter)).toEqual([...expected].sort());
    });

    it("id is caseExact: the upper-cased id finds nothing", async () => {
      expect(ids.a).not.toBe(ids.a!.toUpperCase());
      expect(await matching("/Users", `id eq "${ids.a!.toUpperCase()}"`)).toEqual([]);
    });
  });

  describe("meta.created and meta.lastModified against the test clock", () => {
    it.each<[string, string[]]>([
      [`meta.created gt "${at(7, 30)}"`, ["d", "e", "g", "i", "j"]],
      [`meta.lastModified gt "${at(7, 30)}"`, ["c", "d", "e", "g", "i", "j"]],
      [`meta.created lt "${at(4, 10)}"`, ["a", "c", "f", "k"]],
      [`meta.lastModified lt "${at(4, 10)}"`, ["a", "f", "k"]],
      [`meta.created ge "${at(6)}"`, ["d", "e", "g", "h", "i", "j", "l"]],
      [`meta.created le "${at(6)}"`, ["a", "b", "c", "f", "h", "k"]],
      [`meta.created eq "${at(6)}"`, ["h"]],
      ['meta.created eq "2026-01-01T01:06:00+01:00"', ["h"]],
      [`meta.lastModified gt "${at(20)}"`, ["c"]],
      [`meta.lastModified ge "${at(22)}"`, ["c"]],
      [`meta.created gt "${at(7, 30)}" and meta.created lt "${at(10, 30)}"`, ["d", "i", "j"]],
      [`meta.created gt "${at(20)}"`, []],
      ["meta.lastModified pr", ALL],
    ])("%s", async (filter, expected) => {
      expect(await matching("/Users", filter)).toEqual([...expected].sort());
    });
  });

  describe("value paths and logical combinations", () => {
    it.each<[string, string[]]>([
      ['emails[type eq "work" and value co "@x"]', ["a", "d", "g", "h", "j"]],
      ['emails[type eq "work" and not (value co "@x")]', ["b", "c"]],
      ['emails[type eq "work"].value eq "grace@x.example"', ["g"]],
      ['emails[type eq "work"].value eq "GRACE@X.EXAMPLE"', ["g"]],
      ['emails[type eq "home"].value eq "grace@x.example"', []],
      ['emails[type eq "work"].value ew "@y.example"', ["b", "c"]],
      ["emails[primary eq true]", ["a", "b", "c", "g", "h"]],
      ['emails[type ne "work"]', ["a", "c", "f", "g", "i", "k"]],
      ['not (emails[type eq "work"])', ["e", "f", "i", "k", "l"]],
      // two value paths on one attribute: two different e-mails may answer them
      ['emails[type eq "work"] and emails[type eq "home"]', ["a", "c", "g"]],
      // ... while one value path needs one e-mail that is both
      ['emails[type eq "work" and type eq "home"]', []],
      ['emails[type eq "work"] and not (emails[type eq "home"])', ["b", "d", "h", "j"]],
      ['title eq "Engineer" and active eq true', ["a", "h", "j"]],
      ['userName eq "bob" or userName eq "leo"', ["b", "l"]],
      ["not (active eq true)", ["c", "f", "i"]],
      ["not (not (active eq false))", ["c", "f", "i"]],
      // and binds tighter than or; parentheses change it
      ['(title eq "Manager" or title eq "Director") and active eq true', ["b", "e"]],
      ['title eq "Manager" or title eq "Director" and active eq true', ["b", "e", "i"]],
      ['active eq true and title eq "Director" or title eq "Manager"', ["b", "e", "i"]],
      // not (a and b) is "not a or not b": users without a title are in, since they are no Engineer
      ['not (title eq "Engineer" and active eq true)', ["b", "c", "d", "e", "f", "g", "i", "k", "l"]],
      // ... and is not "not a and not b"
      ['not (title eq "Engineer") and not (active eq true)', ["i"]],
      ['not (title eq "Engineer" or active eq false)', ["b", "d", "e", "g", "k", "l"]],
      ['not (title eq "Engineer")', ["b", "d", "e", "g", "i", "k", "l"]],
      [`not (${ENTERPRISE}:department eq "Sales")`, ["a", "b", "e", "f", "g", "h", "j", "k", "l"]],
      ['(emails[type eq "work"] or phoneNumbers[type eq "work"]) and active eq true', ["a", "b", "d", "e", "g", "h", "j"]],
      ['userName sw "a" or (displayName co "archer" and not (active eq false))', ["a", "d", "g"]],
      [`${ENTERPRISE}:department eq "Engineering" and ${ENTERPRISE}:manager.value eq "{a}"`, ["h", "k"]],
      ['((userName eq "alice" or userName eq "bob") and (active eq true)) or (title eq "Intern")', ["a", "b", "k"]],
    ])("%s", async (filter, expected) => {
      expect(await matching("/Users", filter)).toEqual([...expected].sort());
    });
  });

  describe("groups", () => {
    it.each<[string, string[]]>([
      ['displayName eq "sales"', ["G3"]],
      ['displayName eq "SUPPORT"', ["G4"]],
      ['displayName sw "engineering"', ["G1", "G2"]],
      ['displayName co "A"', ["G2", "G3", "G5"]],
      ['members.value eq "{a}"', ["G1"]],
      ['members.value eq "{b}"', ["G1", "G2"]],
      ['members.value eq "{G2}"', ["G4"]],
      ['members[value eq "{c}"]', ["G3"]],
      ['members[value eq "{f}" and type eq "User"]', ["G4"]],
      ['members[value eq "{f}" and type eq "Group"]', []],
      ['members[type eq "Group"]', ["G4"]],
      ["members pr", ["G1", "G2", "G3", "G4"]],
      ["not (members pr)", ["G5"]],
      ['not (members.value eq "{b}")', ["G3", "G4", "G5"]],
      ['members[value eq "{a}"] or members[value eq "{c}"]', ["G1", "G3"]],
      ['members[value eq "{a}"] and members[value eq "{b}"]', ["G1"]],
      ['displayName sw "engineering" and members.value eq "{h}"', ["G1"]],
      ['id eq "{G5}"', ["G5"]],
    ])("%s", async (filter, expected) => {
      expect(await matching("/Groups", filter)).toEqual([...expected].sort());
    });

    it("GET /Groups?excludedAttributes=members omits members; without it they are listed", async () => {
      const without = await list("/Groups", { excludedAttributes: "members" });
      expect(without.totalResults).toBe(5);
      expect(without.Resources).toHaveLength(5);
      for (const g of without.Resources!) {
        expect(g).not.toHaveProperty("members");
        expect(g.displayName).toEqual(expect.any(String));
      }
      const withMembers = await list("/Groups", { filter: 'displayName eq "Engineering"' });
      expect(((withMembers.Resources![0]!.members ?? []) as Array<{ value: string }>).map((m) => keyOf.get(m.value)).sort()).toEqual([
        "a",
        "b",
        "h",
        "k",
      ]);
      const one = await scim.get(`/Groups/${ids.G1}`).query({ excludedAttributes: "members" });
      expect(one.status).toBe(200);
      expect(one.body).not.toHaveProperty("members");
      expect(one.body.displayName).toBe("Engineering");
    });
  });

  describe("paging", () => {
    it("pages of every size add up to totalResults, with no duplicates or gaps, in a stable order", async () => {
      for (const count of [1, 5, 7, 12]) {
        const seen: string[] = [];
        for (let start = 1; start <= 12; start += count) {
          const body = await list("/Users", { startIndex: start, count });
          expect(body.totalResults).toBe(12);
          expect(body.Resources).toHaveLength(Math.min(count, 12 - start + 1));
          expect(body.itemsPerPage).toBe(body.Resources!.length);
          seen.push(...keys(body.Resources));
        }
        // without sortBy: creation order, the same for every page size
        expect(seen).toEqual(CREATION_ORDER);
      }
    });

    it("each page reports the startIndex it was asked for (RFC 7644 §3.4.2.4)", async () => {
      const reported: number[] = [];
      for (const startIndex of [1, 4, 7, 10]) reported.push((await list("/Users", { startIndex, count: 3 })).startIndex);
      expect(reported).toEqual([1, 4, 7, 10]);
      const groups = await list("/Groups", { startIndex: 3, count: 2 });
      expect(groups.startIndex).toBe(3);
    });

    it("a filtered, sorted list pages the same way", async () => {
      const pages: string[][] = [];
      for (const start of [1, 5, 9]) {
        const body = await list("/Users", {
          filter: "active eq true",
          sortBy: "userName",
          sortOrder: "descending",
          startIndex: start,
          count: 4,
        });
        expect(body.totalResults).toBe(9);
        pages.push(keys(body.Resources));
      }
      expect(pages).toEqual([["l", "k", "j", "h"], ["g", "e", "d", "b"], ["a"]]);
    });

    it("a startIndex past the end gives the total and no resources", async () => {
      const body = await list("/Users", { startIndex: 13, count: 5 });
      expect(body.totalResults).toBe(12);
      expect(body.Resources ?? []).toHaveLength(0);
      expect(body.itemsPerPage).toBe(0);
    });

    it("count=0 gives totalResults only", async () => {
      const all = await list("/Users", { count: 0 });
      expect(all.totalResults).toBe(12);
      expect(all.Resources ?? []).toHaveLength(0);
      expect(all.itemsPerPage).toBe(0);
      const inactive = await list("/Users", { filter: "active eq false", count: 0 });
      expect(inactive.totalResults).toBe(3);
      expect(inactive.Resources ?? []).toHaveLength(0);
      const groups = await list("/Groups", { count: 0 });
      expect(groups.totalResults).toBe(5);
      expect(groups.Resources ?? []).toHaveLength(0);
    });

    it("a count above 1000 is no error (the cap itself: the bulk test below)", async () => {
      const body = await list("/Users", { count: 5000 });
      expect(body.totalResults).toBe(12);
      expect(body.Resources).toHaveLength(12);
      const dflt = await list("/Users", {});
      expect(dflt.Resources).toHaveLength(12);
    });

    it("startIndex 0 (or below) reads as 1", async () => {
      for (const startIndex of [0, -4]) {
        const body = await list("/Users", { startIndex, count: 3 });
        expect(body.startIndex).toBe(1);
        expect(body.totalResults).toBe(12);
        expect(keys(body.Resources)).toEqual(CREATION_ORDER.slice(0, 3));
      }
    });

    it("refuses a count or startIndex that is not an integer", async () => {
      for (const query of [{ count: "ten" }, { startIndex: "1.5" }]) {
        const res = await scim.get("/Users").query(query);
        expect(res.status).toBe(400);
        expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: "400", scimType: "invalidValue" });
      }
    });
  });

  describe("sorting", () => {
    const alphabetical = [...ALL];

    it("sortBy=userName ascending (the default order) and descending", async () => {
      expect(keys((await list("/Users", { sortBy: "userName" })).Resources)).toEqual(alphabetical);
      expect(keys((await list("/Users", { sortBy: "userName", sortOrder: "ascending" })).Resources)).toEqual(alphabetical);
      expect(keys((await list("/Users", { sortBy: "USERNAME", sortOrder: "DESCENDING" })).Resources)).toEqual([...alphabetical].reverse());
      // with a filter and paging
      expect(
        keys((await list("/Users", { filter: 'title eq "engineer"', sortBy: "userName", startIndex: 2, count: 3 })).Resources),
      ).toEqual(["c", "f", "h"]);
    });

    it("sortBy on a JSON attribute (title): case-insensitive, missing values last either way", async () => {
      const titles = (body: ListBody) => (body.Resources ?? []).map((r) => (typeof r.title === "string" ? r.title.toLowerCase() : null));
      const E = "engineer";
      const asc = await list("/Users", { sortBy: "title" });
      expect(titles(asc)).toEqual(["analyst", "director", E, E, E, E, E, "intern", "manager", "manager", null, null]);
      expect(keys(asc.Resources).slice(0, 2)).toEqual(["g", "e"]);
      expect(keys(asc.Resources).slice(10).sort()).toEqual(["d", "l"]);
      const desc = await list("/Users", { sortBy: "title", sortOrder: "descending" });
      expect(titles(desc)).toEqual(["manager", "manager", "intern", E, E, E, E, E, "director", "analyst", null, null]);
      expect(keys(desc.Resources).slice(10).sort()).toEqual(["d", "l"]);
    });

    it("sortBy=emails sorts by the primary e-mail, else the first; users without e-mails last", async () => {
      const body = await list("/Users", { sortBy: "emails" });
      const order = keys(body.Resources);
      // g's primary is agrace@..., c's primary is carol@... (its first is ycarol@...), j has no primary: judy@... first
      expect(order.slice(0, 10)).toEqual(["g", "a", "b", "c", "d", "f", "h", "i", "j", "k"]);
      expect(order.slice(10).sort()).toEqual(["e", "l"]);
      const desc = keys((await list("/Users", { sortBy: "emails.value", sortOrder: "descending" })).Resources);
      expect(desc.slice(0, 10)).toEqual(["k", "j", "i", "h", "f", "d", "c", "b", "a", "g"]);
    });

    it("sortBy name.familyName and the meta timestamps", async () => {
      const family = (body: ListBody) => (body.Resources ?? []).map((r) => (r.name as { familyName: string }).familyName);
      expect(family(await list("/Users", { sortBy: "name.familyName" }))).toEqual([
        "Archer",
        "Archer",
        "Archer",
        "Baker",
        "Chen",
        "Eastwood",
        "Fisher",
        "Hopper",
        "Ivanov",
        "Jones",
        "Knox",
        "Lane",
      ]);
      expect(keys((await list("/Users", { sortBy: "meta.created", sortOrder: "descending" })).Resources)).toEqual(
        [...CREATION_ORDER].reverse(),
      );
      expect(keys((await list("/Users", { sortBy: "meta.lastModified" })).Resources)).toEqual([
        ...CREATION_ORDER.filter((k) => k !== "c"),
        "c",
      ]);
      expect(keys((await list("/Groups", { sortBy: "displayName" })).Resources)).toEqual(["G5", "G1", "G2", "G3", "G4"]);
    });

    it("refuses an unknown sortBy attribute or sortOrder", async () => {
      for (const query of [{ sortBy: "nosuch" }, { sortBy: "a.b.c" }, { sortBy: "userName", sortOrder: "sideways" }]) {
        const res = await scim.get("/Users").query(query);
        expect(res.status).toBe(400);
        expect(res.body.schemas).toEqual([ERROR_SCHEMA]);
      }
    });
  });

  describe("projections", () => {
    it("attributes=userName,emails returns those (and id), nothing else", async () => {
      const body = await list("/Users", { attributes: "userName,emails", sortBy: "userName" });
      expect(body.Resources).toHaveLength(12);
      for (const r of body.Resources!) {
        expect(r.id).toEqual(expect.any(String));
        expect(r.userName).toEqual(expect.any(String));
        for (const absent of ["displayName", "title", "name", "active", "externalId", "phoneNumbers", "groups", ENTERPRISE])
          expect(r).not.toHaveProperty(absent);
      }
      const alice = body.Resources![0]!;
      expect(alice.userName).toBe("alice");
      expect((alice.emails as Email[]).map((e) => e.value).sort()).toEqual(["alice@x.example", "zalice@y.example"]);
      expect(body.Resources!.find((r) => keyOf.get(r.id) === "e")).not.toHaveProperty("emails");
    });

    it("excludedAttributes=emails drops emails and keeps the rest", async () => {
      const body = await list("/Users", { excludedAttributes: "emails", filter: 'userName eq "alice"' });
      expect(body.Resources).toHaveLength(1);
      const alice = body.Resources![0]!;
      expect(alice).not.toHaveProperty("emails");
      expect(alice).toMatchObject({
        id: ids.a,
        userName: "alice",
        displayName: "Alice Archer",
        title: "Engineer",
        name: { familyName: "Archer" },
      });
    });
  });

  describe("POST /.search", () => {
    it("takes filter, sort, paging and attributes from the body", async () => {
      const res = await scim.post("/Users/.search", {
        schemas: [SEARCH_REQUEST],
        filter: "active eq true",
        sortBy: "userName",
        sortOrder: "descending",
        startIndex: 2,
        count: 3,
        attributes: ["userName"],
      });
      expect(res.status).toBe(200);
      const body = res.body as ListBody;
      expect(body.schemas).toEqual([LIST_RESPONSE]);
      expect(body.totalResults).toBe(9);
      expect(body.startIndex).toBe(2);
      expect(body.itemsPerPage).toBe(3);
      expect(keys(body.Resources)).toEqual(["k", "j", "h"]);
      for (const r of body.Resources!) expect(r).not.toHaveProperty("displayName");
    });

    it("gives the same answers as GET for the same filter", async () => {
      const filter = 'emails[type eq "work"] and emails[type eq "home"]';
      const res = await scim.post("/Users/.search", { schemas: [SEARCH_REQUEST], filter, excludedAttributes: ["emails"] });
      expect(res.status).toBe(200);
      expect(res.body.totalResults).toBe(3);
      expect(keys(res.body.Resources).sort()).toEqual(["a", "c", "g"]);
      for (const r of res.body.Resources as Resource[]) expect(r).not.toHaveProperty("emails");
      const count0 = await scim.post("/Users/.search", { schemas: [SEARCH_REQUEST], filter, count: 0 });
      expect(count0.body.totalResults).toBe(3);
      expect(count0.body.Resources ?? []).toHaveLength(0);
      const groups = await scim.post("/Groups/.search", {
        schemas: [SEARCH_REQUEST],
        filter: 'displayName sw "engineering"',
        sortBy: "displayName",
        sortOrder: "descending",
      });
      expect(groups.status).toBe(200);
      expect(keys(groups.body.Resources)).toEqual(["G2", "G1"]);
    });
  });

  describe("bad filters: 400 invalidFilter in SCIM's error format", () => {
    it.each([
      'nosuch eq "x"',
      'name.nosuch eq "x"',
      'emails.nosuch eq "x"',
      'emails[nosuch eq "x"]',
      `${ENTERPRISE}:nosuch eq "x"`,
      'urn:ietf:params:scim:schemas:extension:other:2.0:User:department eq "x"',
      'userName eq "a" and nosuch pr',
      // values that do not fit the attribute
      'active eq "maybe"',
      "active gt true",
      'meta.created gt "yesterday"',
      'meta.created co "2026"',
      'name eq "x"',
      "title gt null",
    ])("unknown or unfit: %s", async (filter) => {
      await refused("/Users", filter);
    });

    it.each([
      "userName eq",
      'userName eq "a" and',
      'not userName eq "a"',
      '(userName eq "a"',
      'userName eq "a")',
      'emails[type eq "work"',
      'emails[value[type eq "x"]]',
      'userName xx "a"',
      'userName eq "abc',
    ])("malformed: %s", async (filter) => {
      await refused("/Users", filter);
      await refused("/Users", filter, true);
    });

    it("refuses an over-long filter", async () => {
      const body = await refused("/Users", `userName eq "${"a".repeat(5000)}"`);
      expect(body.detail).toMatch(/4096/);
    });

    it("refuses bad filters on groups too", async () => {
      await refused("/Groups", 'nosuch eq "x"');
      await refused("/Groups", 'title eq "x"');
      await refused("/Groups", 'members[display eq "x"]');
      await refused("/Groups", 'displayName eq "a" or');
      await refused("/Groups", 'nosuch eq "x"', true);
    });
  });
});

describe("SCIM paging: count is capped at 1000", () => {
  let ts: TestStore;
  let t: TestApp;
  let scim: Agent;
  const N = 1005;

  beforeAll(async () => {
    ts = await openTestStore();
    t = buildTestApp(ts.store);
    scim = await scimAgent(t.app, ts.store);
    // 1005 users straight into the table (1005 POSTs would be slow); filtered lists count the rows themselves
    await ts.store.query(
      `insert into scim_users(id, user_name, user_name_lc, display_name, display_name_lc, active, division_id, email_values, version, resource, created_at, last_modified)
       select 'bulk-' || lpad(n::text, 4, '0'), 'bulk' || lpad(n::text, 4, '0'), 'bulk' || lpad(n::text, 4, '0'), 'Bulk ' || n, 'bulk ' || n, true, $1, '{}', 1,
              jsonb_build_object('schemas', jsonb_build_array($2::text), 'userName', 'bulk' || lpad(n::text, 4, '0'), 'displayName', 'Bulk ' || n),
              $3::timestamptz, $3::timestamptz
         from generate_series(1, ${N}) n`,
      [await homeDivisionId(ts.store), USER_SCHEMA, new Date(t.clock.now()).toISOString()],
    );
  });
  afterAll(() => ts.close());

  it("a count above 1000 returns 1000 resources; the rest come from the next page", async () => {
    const first = await scim.get("/Users").query({ filter: 'userName sw "bulk"', count: 5000, sortBy: "userName" });
    expect(first.status).toBe(200);
    expect(first.body.totalResults).toBe(N);
    expect(first.body.Resources).toHaveLength(1000);
    expect(first.body.itemsPerPage).toBe(1000);
    const rest = await scim.get("/Users").query({ filter: 'userName sw "bulk"', count: 5000, startIndex: 1001, sortBy: "userName" });
    expect(rest.body.totalResults).toBe(N);
    expect((rest.body.Resources as Resource[]).map((r) => r.userName)).toEqual([
      "bulk1001",
      "bulk1002",
      "bulk1003",
      "bulk1004",
      "bulk1005",
    ]);
    const ids = new Set([...(first.body.Resources as Resource[]), ...(rest.body.Resources as Resource[])].map((r) => r.id));
    expect(ids.size).toBe(N);
  });

  it("count defaults to 100", async () => {
    const res = await scim.get("/Users").query({ filter: 'userName sw "bulk"' });
    expect(res.status).toBe(200);
    expect(res.body.totalResults).toBe(N);
    expect(res.body.Resources).toHaveLength(100);
    expect(res.body.itemsPerPage).toBe(100);
  });
});
