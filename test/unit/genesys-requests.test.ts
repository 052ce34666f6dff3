import { describe, expect, it } from "@jest/globals";
import {
  MAX_IDS_PER_CALL,
  MAX_PAGE_SIZE,
  chunks,
  isWrite,
  requests,
  type ConflictMeaning,
  type GenesysRequest,
  type HttpMethod,
} from "../../src/genesys/requests.js";
import type { CreateUserBody, GenesysGroup } from "../../src/genesys/api-types.js";

/** An id that needs every kind of encoding: a slash, spaces, a query and fragment character, a comma, non-ASCII. */
const ODD = "a/b c?d#e,f&ü";
const ODD_ENCODED = "a%2Fb%20c%3Fd%23e%2Cf%26%C3%BC";

const CREATE_BODY: CreateUserBody = { name: "Ann Smith", email: "ann@example.com", state: "active", divisionId: "div-1" };
const GROUP: GenesysGroup = {
  id: "g-1",
  name: "Care",
  version: 7,
  type: "social",
  visibility: "members",
  rulesVisible: false,
  description: "the care team",
};

type Row = [
  label: string,
  req: GenesysRequest,
  method: HttpMethod,
  path: string,
  body: unknown,
  conflict: ConflictMeaning | undefined,
  write: boolean,
];

const ROWS: Row[] = [
  ["createUser", requests.createUser(CREATE_BODY), "POST", "/api/v2/users", CREATE_BODY, "duplicate", true],
  ["getUser", requests.getUser("u-1"), "GET", "/api/v2/users/u-1?expand=employerInfo", undefined, undefined, false],
  ["getUser, deleted=false", requests.getUser("u-1", false), "GET", "/api/v2/users/u-1?expand=employerInfo", undefined, undefined, false],
  [
    "getUser, deleted",
    requests.getUser("u-1", true),
    "GET",
    "/api/v2/users/u-1?expand=employerInfo&state=deleted",
    undefined,
    undefined,
    false,
  ],
  ["getUser, odd id", requests.getUser(ODD), "GET", `/api/v2/users/${ODD_ENCODED}?expand=employerInfo`, undefined, undefined, false],
  [
    "patchUser",
    requests.patchUser("u-1", { version: 3, title: "Lead" }),
    "PATCH",
    "/api/v2/users/u-1",
    { version: 3, title: "Lead" },
    "version",
    true,
  ],
  [
    "patchUser, odd id",
    requests.patchUser(ODD, { version: 1, state: "active" }),
    "PATCH",
    `/api/v2/users/${ODD_ENCODED}`,
    { version: 1, state: "active" },
    "version",
    true,
  ],
  ["deleteUser", requests.deleteUser("u-1"), "DELETE", "/api/v2/users/u-1", undefined, undefined, true],
  ["deleteUser, id with spaces", requests.deleteUser("u 1"), "DELETE", "/api/v2/users/u%201", undefined, undefined, true],
  [
    "searchUsersByEmail",
    requests.searchUsersByEmail("ann@example.com", ["active", "inactive", "deleted"]),
    "POST",
    "/api/v2/users/search",
    {
      query: [
        { type: "EXACT", fields: ["email"], value: "ann@example.com" },
        { type: "EXACT", fields: ["state"], values: ["active", "inactive", "deleted"] },
      ],
      pageSize: 25,
      pageNumber: 1,
    },
    undefined,
    false,
  ],
  [
    "moveUsersToDivision",
    requests.moveUsersToDivision("div-1", ["u-1", "u-2"]),
    "POST",
    "/api/v2/authorization/divisions/div-1/objects/USER",
    ["u-1", "u-2"],
    undefined,
    true,
  ],
  [
    "moveUsersToDivision, odd division id",
    requests.moveUsersToDivision(ODD, ["u/1"]),
    "POST",
    `/api/v2/authorization/divisions/${ODD_ENCODED}/objects/USER`,
    ["u/1"],
    undefined,
    true,
  ],
  [
    "listDivisions",
    requests.listDivisions(2),
    "GET",
    "/api/v2/authorization/divisions?pageSize=100&pageNumber=2",
    undefined,
    undefined,
    false,
  ],
  [
    "listDivisions, page size",
    requests.listDivisions(1, 25),
    "GET",
    "/api/v2/authorization/divisions?pageSize=25&pageNumber=1",
    undefined,
    undefined,
    false,
  ],
  [
    "searchGroupsByName",
    requests.searchGroupsByName("Care & Support"),
    "POST",
    "/api/v2/groups/search",
    { query: [{ type: "EXACT", fields: ["name"], value: "Care & Support" }], pageSize: 25, pageNumber: 1 },
    undefined,
    false,
  ],
  [
    "createGroup",
    requests.createGroup("Care"),
    "POST",
    "/api/v2/groups",
    { name: "Care", type: "official", visibility: "public", rulesVisible: true },
    undefined,
    true,
  ],
  [
    "putGroup",
    requests.putGroup(GROUP, "Support"),
    "PUT",
    "/api/v2/groups/g-1",
    { name: "Support", type: "social", visibility: "members", rulesVisible: false, description: "the care team", version: 7 },
    undefined,
    true,
  ],
  ["getGroup", requests.getGroup("g-1"), "GET", "/api/v2/groups/g-1", undefined, undefined, false],
  ["getGroup, odd id", requests.getGroup(ODD), "GET", `/api/v2/groups/${ODD_ENCODED}`, undefined, undefined, false],
  ["deleteGroup", requests.deleteGroup("g-1"), "DELETE", "/api/v2/groups/g-1", undefined, undefined, true],
  ["deleteGroup, odd id", requests.deleteGroup(ODD), "DELETE", `/api/v2/groups/${ODD_ENCODED}`, undefined, undefined, true],
  [
    "listIndividuals",
    requests.listIndividuals("g-1", 3),
    "GET",
    "/api/v2/groups/g-1/individuals?pageSize=100&pageNumber=3",
    undefined,
    undefined,
    false,
  ],
  [
    "listIndividuals, odd id and page size",
    requests.listIndividuals(ODD, 1, 10),
    "GET",
    `/api/v2/groups/${ODD_ENCODED}/individuals?pageSize=10&pageNumber=1`,
    undefined,
    undefined,
    false,
  ],
  [
    "addMembers",
    requests.addMembers("g-1", 7, ["u-1", "u-2"]),
    "POST",
    "/api/v2/groups/g-1/members",
    { memberIds: ["u-1", "u-2"], version: 7 },
    "version",
    true,
  ],
  [
    "removeMembers",
    requests.removeMembers("g-1", ["u-1", "u-2"]),
    "DELETE",
    "/api/v2/groups/g-1/members?ids=u-1,u-2",
    undefined,
    "version",
    true,
  ],
  [
    "removeMembers, odd ids (commas inside an id encoded, the separators not)",
    requests.removeMembers(ODD, ["a/b", "c d", "e,f"]),
    "DELETE",
    `/api/v2/groups/${ODD_ENCODED}/members?ids=a%2Fb,c%20d,e%2Cf`,
    undefined,
    "version",
    true,
  ],
  [
    "removeMembers, one id",
    requests.removeMembers("g-1", ["u-1"]),
    "DELETE",
    "/api/v2/groups/g-1/members?ids=u-1",
    undefined,
    "version",
    true,
  ],
  [
    "findCatalog skills",
    requests.findCatalog("skills", "Billing"),
    "GET",
    "/api/v2/routing/skills?pageSize=100&pageNumber=1&name=Billing",
    undefined,
    undefined,
    false,
  ],
  [
    "findCatalog languages, a name to encode",
    requests.findCatalog("languages", "Español & Co"),
    "GET",
    "/api/v2/routing/languages?pageSize=100&pageNumber=1&name=Espa%C3%B1ol%20%26%20Co",
    undefined,
    undefined,
    false,
  ],
  [
    "listUserRouting skills",
    requests.listUserRouting("skills", "u-1", 1),
    "GET",
    "/api/v2/users/u-1/routingskills?pageSize=100&pageNumber=1",
    undefined,
    undefined,
    false,
  ],
  [
    "listUserRouting languages, odd id",
    requests.listUserRouting("languages", ODD, 2),
    "GET",
    `/api/v2/users/${ODD_ENCODED}/routinglanguages?pageSize=100&pageNumber=2`,
    undefined,
    undefined,
    false,
  ],
  [
    "addUserRouting skills: only id and proficiency are sent",
    requests.addUserRouting("skills", "u-1", [
      { id: "sk-1", name: "Billing", proficiency: 3 },
      { id: "sk-2", proficiency: 4.5 },
    ]),
    "PATCH",
    "/api/v2/users/u-1/routingskills/bulk",
    [
      { id: "sk-1", proficiency: 3 },
      { id: "sk-2", proficiency: 4.5 },
    ],
    undefined,
    true,
  ],
  [
    "addUserRouting languages, odd id",
    requests.addUserRouting("languages", ODD, [{ id: "lg-1", name: "English", proficiency: 5 }]),
    "PATCH",
    `/api/v2/users/${ODD_ENCODED}/routinglanguages/bulk`,
    [{ id: "lg-1", proficiency: 5 }],
    undefined,
    true,
  ],
  [
    "removeUserRouting skills",
    requests.removeUserRouting("skills", "u-1", "sk-1"),
    "DELETE",
    "/api/v2/users/u-1/routingskills/sk-1",
    undefined,
    undefined,
    true,
  ],
  [
    "removeUserRouting languages, odd ids",
    requests.removeUserRouting("languages", ODD, "lg/1 x"),
    "DELETE",
    `/api/v2/users/${ODD_ENCODED}/routinglanguages/lg%2F1%20x`,
    undefined,
    undefined,
    true,
  ],
  ["listExternalIds", requests.listExternalIds("u-1"), "GET", "/api/v2/users/u-1/externalid", undefined, undefined, false],
  ["listExternalIds, odd id", requests.listExternalIds(ODD), "GET", `/api/v2/users/${ODD_ENCODED}/externalid`, undefined, undefined, false],
  [
    "addExternalId",
    requests.addExternalId("u-1", { authorityName: "scim-bridge", externalKey: "ext-1" }),
    "POST",
    "/api/v2/users/u-1/externalid",
    { authorityName: "scim-bridge", externalKey: "ext-1" },
    undefined,
    true,
  ],
  [
    "removeExternalId",
    requests.removeExternalId("u-1", { authorityName: "scim-bridge", externalKey: "ext-1" }),
    "DELETE",
    "/api/v2/users/u-1/externalid/scim-bridge/ext-1",
    undefined,
    undefined,
    true,
  ],
  [
    "removeExternalId, authority and key encoded",
    requests.removeExternalId(ODD, { authorityName: "x:hr/eu", externalKey: "E 42/b" }),
    "DELETE",
    `/api/v2/users/${ODD_ENCODED}/externalid/x%3Ahr%2Feu/E%2042%2Fb`,
    undefined,
    undefined,
    true,
  ],
];

describe("requests: method, path, body and conflict meaning", () => {
  it.each<Row>(ROWS)("%s", (_label, req, method, path, body, conflict) => {
    expect(req.method).toBe(method);
    expect(req.path).toBe(path);
    expect(req.body).toEqual(body);
    if (body === undefined) expect("body" in req).toBe(false);
    expect(req.conflict).toBe(conflict);
    if (conflict === undefined) expect("conflict" in req).toBe(false);
    expect(req.result).toBeUndefined();
  });
});

describe("isWrite", () => {
  it.each<Row>(ROWS)("%s", (_label, req, method, _path, _body, _conflict, write) => {
    expect(isWrite(req)).toBe(write);
    // every GET reads; the two searches are POSTs that read
    if (method === "GET") expect(write).toBe(false);
  });

  it.each<[string, GenesysRequest]>([
    ["POST /users/search", requests.searchUsersByEmail("a@b", ["active"])],
    ["POST /groups/search", requests.searchGroupsByName("Care")],
  ])("%s is a read though it is a POST", (_label, req) => {
    expect(req.method).toBe("POST");
    expect(isWrite(req)).toBe(false);
  });
});

describe("requests: op and args", () => {
  it.each<[string, GenesysRequest, string, unknown]>([
    ["createUser", requests.createUser(CREATE_BODY), "createUser", { body: CREATE_BODY }],
    ["getUser", requests.getUser("u-1"), "getUser", { id: "u-1", deleted: false }],
    ["getUser deleted", requests.getUser("u-1", true), "getUser", { id: "u-1", deleted: true }],
    ["patchUser", requests.patchUser("u-1", { version: 2 }), "patchUser", { id: "u-1", body: { version: 2 } }],
    ["deleteUser", requests.deleteUser("u-1"), "deleteUser", { id: "u-1" }],
    ["searchUsersByEmail", requests.searchUsersByEmail("a@b", ["deleted"]), "searchUsers", { email: "a@b", states: ["deleted"] }],
    ["moveUsersToDivision", requests.moveUsersToDivision("d", ["u"]), "moveUsers", { divisionId: "d", userIds: ["u"] }],
    ["listDivisions", requests.listDivisions(4), "listDivisions", { page: 4, pageSize: MAX_PAGE_SIZE }],
    ["searchGroupsByName", requests.searchGroupsByName("Care"), "searchGroups", { name: "Care" }],
    ["createGroup", requests.createGroup("Care"), "createGroup", { name: "Care" }],
    ["putGroup", requests.putGroup(GROUP, "New"), "putGroup", { group: GROUP, name: "New" }],
    ["getGroup", requests.getGroup(ODD), "getGroup", { id: ODD }],
    ["deleteGroup", requests.deleteGroup("g"), "deleteGroup", { id: "g" }],
    ["listIndividuals", requests.listIndividuals("g", 2), "listIndividuals", { groupId: "g", page: 2, pageSize: MAX_PAGE_SIZE }],
    ["addMembers", requests.addMembers("g", 3, ["u"]), "addMembers", { groupId: "g", version: 3, userIds: ["u"] }],
    ["removeMembers", requests.removeMembers("g", ["u/1"]), "removeMembers", { groupId: "g", userIds: ["u/1"] }],
    ["findCatalog", requests.findCatalog("skills", "B"), "findCatalog", { kind: "skills", name: "B", page: 1 }],
    ["findCatalog, a later page", requests.findCatalog("skills", "B", 3), "findCatalog", { kind: "skills", name: "B", page: 3 }],
    ["listUserRouting", requests.listUserRouting("languages", "u", 1), "listUserRouting", { kind: "languages", userId: "u", page: 1 }],
    [
      "addUserRouting",
      requests.addUserRouting("skills", "u", [{ id: "s", name: "B", proficiency: 1 }]),
      "addUserRouting",
      { kind: "skills", userId: "u", entries: [{ id: "s", name: "B", proficiency: 1 }] },
    ],
    [
      "removeUserRouting",
      requests.removeUserRouting("skills", "u", "s"),
      "removeUserRouting",
      { kind: "skills", userId: "u", entryId: "s" },
    ],
    ["listExternalIds", requests.listExternalIds("u"), "listExternalIds", { userId: "u" }],
    [
      "addExternalId",
      requests.addExternalId("u", { authorityName: "a", externalKey: "k" }),
      "addExternalId",
      { userId: "u", externalId: { authorityName: "a", externalKey: "k" } },
    ],
    [
      "removeExternalId",
      requests.removeExternalId("u", { authorityName: "a", externalKey: "k" }),
      "removeExternalId",
      { userId: "u", externalId: { authorityName: "a", externalKey: "k" } },
    ],
  ])("%s", (_label, req, op, args) => {
    expect(req.op).toBe(op);
    expect(req.args).toEqual(args);
  });
});

describe("putGroup keeps the group as read", () => {
  const base: GenesysGroup = { id: "g-1", name: "Care", version: 4 };
  it.each<[string, GenesysGroup, Record<string, unknown>]>([
    [
      "nothing but name and version read: defaults, no description",
      base,
      { name: "New", type: "official", visibility: "public", rulesVisible: true, version: 4 },
    ],
    [
      "every field read: kept",
      { ...base, type: "social", visibility: "owners", rulesVisible: false, description: "d" },
      { name: "New", type: "social", visibility: "owners", rulesVisible: false, description: "d", version: 4 },
    ],
    [
      "visibility members kept",
      { ...base, visibility: "members" },
      { name: "New", type: "official", visibility: "members", rulesVisible: true, version: 4 },
    ],
    [
      "rulesVisible false kept (not defaulted)",
      { ...base, rulesVisible: false },
      { name: "New", type: "official", visibility: "public", rulesVisible: false, version: 4 },
    ],
    [
      "an empty description kept",
      { ...base, description: "" },
      { name: "New", type: "official", visibility: "public", rulesVisible: true, description: "", version: 4 },
    ],
    [
      "the version read is sent",
      { ...base, version: 123 },
      { name: "New", type: "official", visibility: "public", rulesVisible: true, version: 123 },
    ],
    [
      "state and memberCount are not sent back",
      { ...base, state: "active", memberCount: 12 },
      { name: "New", type: "official", visibility: "public", rulesVisible: true, version: 4 },
    ],
  ])("%s", (_label, group, body) => {
    const req = requests.putGroup(group, "New");
    expect(req.body).toStrictEqual(body);
    expect(req.path).toBe("/api/v2/groups/g-1");
  });
});

describe("chunks", () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`);

  it("takes MAX_IDS_PER_CALL (50) by default, and pages of MAX_PAGE_SIZE (100)", () => {
    expect(MAX_IDS_PER_CALL).toBe(50);
    expect(MAX_PAGE_SIZE).toBe(100);
  });

  it.each<[number, number[]]>([
    [0, []],
    [1, [1]],
    [49, [49]],
    [50, [50]],
    [51, [50, 1]],
    [100, [50, 50]],
    [120, [50, 50, 20]],
  ])("%d items → slices of %j", (n, sizes) => {
    const items = ids(n);
    const out = chunks(items);
    expect(out.map((c) => c.length)).toEqual(sizes);
    expect(out.flat()).toEqual(items);
  });

  it.each<[number[], number, number[][]]>([
    [[], 2, []],
    [[1, 2, 3, 4, 5], 2, [[1, 2], [3, 4], [5]]],
    [[1, 2, 3], 3, [[1, 2, 3]]],
    [[1, 2, 3], 1, [[1], [2], [3]]],
    [[1, 2], 10, [[1, 2]]],
  ])("%j in slices of %d → %j", (items, size, expected) => {
    expect(chunks(items, size)).toEqual(expected);
  });

  it("does not change its input and answers new arrays", () => {
    const items = ids(3);
    const out = chunks(items, 5);
    expect(items).toEqual(["u0", "u1", "u2"]);
    expect(out[0]).not.toBe(items);
  });
});
