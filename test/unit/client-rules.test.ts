import { describe, expect, it } from "@jest/globals";
import {
  DEFAULT_TOKEN_SECONDS,
  MAX_DESCRIPTION_LENGTH,
  MAX_NAME_LENGTH,
  MAX_ORDINARY_TOKEN_SECONDS,
  MAX_REDIRECT_URIS,
  MAX_SCIM_TOKEN_SECONDS,
  MIN_TOKEN_SECONDS,
  SERVER_SET_FIELDS,
  decideDuration,
  durationError,
  isAllDivisions,
  isScimRestricted,
  maxTokenSeconds,
  normalizeGrants,
  parseClientInput,
  redirectUriError,
  validateClient,
  type ClientFields,
  type GrantType,
} from "../../src/oauth/client-rules.js";
import type { FieldError } from "../../src/errors/domain-error.js";
import { SCIM_INTEGRATION_PERMISSIONS } from "../../src/authz/permissions.js";

const fields = (errors: readonly FieldError[]): string[] => errors.map((e) => e.field);

describe("constants match docs/oauth-clients.md", () => {
  it.each<[string, number, number]>([
    ["DEFAULT_TOKEN_SECONDS", DEFAULT_TOKEN_SECONDS, 86_400],
    ["MIN_TOKEN_SECONDS", MIN_TOKEN_SECONDS, 300],
    ["MAX_ORDINARY_TOKEN_SECONDS", MAX_ORDINARY_TOKEN_SECONDS, 172_800],
    ["MAX_SCIM_TOKEN_SECONDS", MAX_SCIM_TOKEN_SECONDS, 38_880_000],
    ["MAX_REDIRECT_URIS", MAX_REDIRECT_URIS, 125],
  ])("%s = %d", (_name, actual, expected) => {
    expect(actual).toBe(expected);
  });
});

describe("parseClientInput", () => {
  it.each<[string, unknown]>([
    ["null", null],
    ["an array", [{ name: "x" }]],
    ["a string", '{"name":"x"}'],
    ["a number", 42],
    ["undefined", undefined],
    ["a boolean", true],
  ])("refuses a body that is %s", (_label, body) => {
    const { input, errors } = parseClientInput(body);
    expect(errors).toEqual([{ field: "(body)", message: expect.stringContaining("JSON object") }]);
    expect(input).toEqual({});
  });

  it("accepts a complete valid body and copies every field", () => {
    const body = {
      name: "Okta provisioning",
      description: "d",
      authorizedGrantType: "CLIENT-CREDENTIALS",
      accessTokenValiditySeconds: 3600,
      registeredRedirectUri: [],
      scope: [],
      roleDivisions: [{ roleId: "r1", divisionId: "d1" }],
      state: "active",
    };
    const { input, errors } = parseClientInput(body);
    expect(errors).toEqual([]);
    expect(input).toEqual(body);
  });

  it("accepts an empty object as an empty input", () => {
    expect(parseClientInput({})).toEqual({ input: {}, errors: [] });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["name: number", { name: 5 }, "name"],
    ["name: null", { name: null }, "name"],
    ["name: too long", { name: "n".repeat(MAX_NAME_LENGTH + 1) }, "name"],
    ["description: array", { description: ["x"] }, "description"],
    ["description: too long", { description: "d".repeat(MAX_DESCRIPTION_LENGTH + 1) }, "description"],
    ["authorizedGrantType: unknown value", { authorizedGrantType: "PASSWORD" }, "authorizedGrantType"],
    ["authorizedGrantType: lower case", { authorizedGrantType: "code" }, "authorizedGrantType"],
    ["authorizedGrantType: number", { authorizedGrantType: 1 }, "authorizedGrantType"],
    ["state: unknown value", { state: "deleted" }, "state"],
    ["state: boolean", { state: true }, "state"],
    ["accessTokenValiditySeconds: string", { accessTokenValiditySeconds: "3600" }, "accessTokenValiditySeconds"],
    ["accessTokenValiditySeconds: fraction", { accessTokenValiditySeconds: 3600.5 }, "accessTokenValiditySeconds"],
    ["accessTokenValiditySeconds: NaN", { accessTokenValiditySeconds: Number.NaN }, "accessTokenValiditySeconds"],
    ["accessTokenValiditySeconds: Infinity", { accessTokenValiditySeconds: Number.POSITIVE_INFINITY }, "accessTokenValiditySeconds"],
    ["accessTokenValiditySeconds: null", { accessTokenValiditySeconds: null }, "accessTokenValiditySeconds"],
    ["registeredRedirectUri: string", { registeredRedirectUri: "https://a.example/cb" }, "registeredRedirectUri"],
    ["registeredRedirectUri: array with a number", { registeredRedirectUri: ["https://a.example/cb", 3] }, "registeredRedirectUri"],
    ["scope: string", { scope: "users" }, "scope"],
    ["scope: array with null", { scope: ["users", null] }, "scope"],
    ["roleDivisions: object", { roleDivisions: { roleId: "r1" } }, "roleDivisions"],
    ["roleDivisions: null", { roleDivisions: null }, "roleDivisions"],
    ["roleDivisions[0]: null", { roleDivisions: [null] }, "roleDivisions[0]"],
    ["roleDivisions[0]: string", { roleDivisions: ["r1"] }, "roleDivisions[0]"],
    ["roleDivisions[0]: no roleId", { roleDivisions: [{ divisionId: "d1" }] }, "roleDivisions[0]"],
    ["roleDivisions[0]: empty roleId", { roleDivisions: [{ roleId: "", divisionId: "d1" }] }, "roleDivisions[0]"],
    ["roleDivisions[0]: numeric roleId", { roleDivisions: [{ roleId: 7, divisionId: "d1" }] }, "roleDivisions[0]"],
    ["roleDivisions[1]: numeric divisionId", { roleDivisions: [{ roleId: "r1" }, { roleId: "r2", divisionId: 9 }] }, "roleDivisions[1]"],
  ])("refuses %s, naming the field", (_label, body, field) => {
    const { input, errors } = parseClientInput(body);
    expect(fields(errors)).toEqual([field]);
    expect(errors[0]?.message).toEqual(expect.any(String));
    // the bad value is not copied into the input
    const top = field.replace(/\[\d+\]$/, "") as keyof typeof input;
    if (top === "roleDivisions" && Array.isArray(body.roleDivisions)) {
      expect(input.roleDivisions).toHaveLength(body.roleDivisions.length - 1);
    } else {
      expect(input[top]).toBeUndefined();
    }
  });

  it.each<[string, number]>([
    ["name", MAX_NAME_LENGTH],
    ["description", MAX_DESCRIPTION_LENGTH],
  ])("accepts %s of exactly the maximum length (%d)", (key, max) => {
    const { input, errors } = parseClientInput({ [key]: "x".repeat(max) });
    expect(errors).toEqual([]);
    expect((input as Record<string, unknown>)[key]).toHaveLength(max);
  });

  it.each<[string]>([["CLIENT-CREDENTIALS"], ["CODE"], ["TOKEN"], ["SAML2-BEARER"]])("accepts grant type %s", (g) => {
    expect(parseClientInput({ authorizedGrantType: g })).toEqual({ input: { authorizedGrantType: g }, errors: [] });
  });

  it.each<[string]>([["active"], ["inactive"]])("accepts state %s", (s) => {
    expect(parseClientInput({ state: s })).toEqual({ input: { state: s }, errors: [] });
  });

  it.each<[string, string[]]>([
    ["one unknown field", ["bogus"]],
    ["two unknown fields", ["secretHash", "owner"]],
    ["a misspelled field", ["redirectUris"]],
  ])("refuses %s, naming each", (_label, keys) => {
    const body: Record<string, unknown> = { name: "ok" };
    for (const k of keys) body[k] = "x";
    const { input, errors } = parseClientInput(body);
    expect(fields(errors)).toEqual(keys);
    for (const e of errors) expect(e.message).toMatch(/unknown field/);
    expect(input).toEqual({ name: "ok" });
    for (const k of keys) expect(k in input).toBe(false);
  });

  it.each<[string]>(SERVER_SET_FIELDS.map((f) => [f]))("ignores server-set field %s (no error, not copied)", (f) => {
    const { input, errors } = parseClientInput({ name: "ok", [f]: "whatever" });
    expect(errors).toEqual([]);
    expect(input).toEqual({ name: "ok" });
  });

  it("ignores id, dateCreated and secret together so a GET body can be PUT back", () => {
    const got = { id: "c-1", dateCreated: "2024-01-01T00:00:00Z", secret: "s3cr3t", name: "n", state: "inactive" };
    const { input, errors } = parseClientInput(got);
    expect(errors).toEqual([]);
    expect(input).toEqual({ name: "n", state: "inactive" });
    expect("secret" in input).toBe(false);
    expect("id" in input).toBe(false);
  });

  it.each<[string, unknown, { roleId: string; divisionId: string }]>([
    ["missing divisionId", { roleId: "r1" }, { roleId: "r1", divisionId: "" }],
    ["null divisionId", { roleId: "r1", divisionId: null }, { roleId: "r1", divisionId: "" }],
    ["string divisionId", { roleId: "r1", divisionId: "d1" }, { roleId: "r1", divisionId: "d1" }],
    ["all-divisions divisionId", { roleId: "r1", divisionId: "*" }, { roleId: "r1", divisionId: "*" }],
  ])("roleDivisions entry with %s", (_label, grant, expected) => {
    const { input, errors } = parseClientInput({ roleDivisions: [grant] });
    expect(errors).toEqual([]);
    expect(input.roleDivisions).toEqual([expected]);
  });

  it("reports every bad field in one pass", () => {
    const { errors } = parseClientInput({ name: 1, state: "x", scope: "y", nope: true });
    expect(fields(errors).sort()).toEqual(["name", "nope", "scope", "state"]);
  });
});

describe("normalizeGrants", () => {
  const HOME = "home-div";
  it.each<[string, { roleId: string; divisionId: string }[], { roleId: string; divisionId: string }[]]>([
    ["empty list", [], []],
    ["empty division goes home", [{ roleId: "r1", divisionId: "" }], [{ roleId: "r1", divisionId: HOME }]],
    ["explicit division kept", [{ roleId: "r1", divisionId: "d2" }], [{ roleId: "r1", divisionId: "d2" }]],
    ["all-divisions kept", [{ roleId: "r1", divisionId: "*" }], [{ roleId: "r1", divisionId: "*" }]],
    [
      "exact duplicates collapse",
      [
        { roleId: "r1", divisionId: "d2" },
        { roleId: "r1", divisionId: "d2" },
      ],
      [{ roleId: "r1", divisionId: "d2" }],
    ],
    [
      "empty division and explicit home collapse",
      [
        { roleId: "r1", divisionId: "" },
        { roleId: "r1", divisionId: HOME },
      ],
      [{ roleId: "r1", divisionId: HOME }],
    ],
    [
      "same role in different divisions stays",
      [
        { roleId: "r1", divisionId: "d2" },
        { roleId: "r1", divisionId: "" },
      ],
      [
        { roleId: "r1", divisionId: "d2" },
        { roleId: "r1", divisionId: HOME },
      ],
    ],
    [
      "different roles in same division stay",
      [
        { roleId: "r1", divisionId: "d2" },
        { roleId: "r2", divisionId: "d2" },
      ],
      [
        { roleId: "r1", divisionId: "d2" },
        { roleId: "r2", divisionId: "d2" },
      ],
    ],
  ])("%s", (_label, grants, expected) => {
    expect(normalizeGrants(grants, HOME)).toEqual(expected);
  });

  it("does not mutate its input", () => {
    const grants = [{ roleId: "r1", divisionId: "" }];
    normalizeGrants(grants, HOME);
    expect(grants).toEqual([{ roleId: "r1", divisionId: "" }]);
  });
});

describe("isScimRestricted", () => {
  const SCIM = [...SCIM_INTEGRATION_PERMISSIONS];
  it.each<[string, GrantType, string[][], boolean]>([
    ["CLIENT-CREDENTIALS with the SCIM Integration role", "CLIENT-CREDENTIALS", [SCIM], true],
    ["CLIENT-CREDENTIALS with a custom role of the same permissions (reordered)", "CLIENT-CREDENTIALS", [[...SCIM].reverse()], true],
    ["CLIENT-CREDENTIALS with a custom role of a subset", "CLIENT-CREDENTIALS", [["directory:user:view", "directory:group:view"]], true],
    ["CLIENT-CREDENTIALS with SCIM split over two roles", "CLIENT-CREDENTIALS", [SCIM.slice(0, 5), SCIM.slice(5)], true],
    ["an extra permission", "CLIENT-CREDENTIALS", [[...SCIM, "routing:queue:view"]], false],
    ["an extra permission in a second role", "CLIENT-CREDENTIALS", [SCIM, ["analytics:report:view"]], false],
    ["a wildcard directory:*:*", "CLIENT-CREDENTIALS", [["directory:*:*"]], false],
    ["a wildcard directory:user:*", "CLIENT-CREDENTIALS", [["directory:user:*"]], false],
    ["a wildcard *:*:*", "CLIENT-CREDENTIALS", [["*:*:*"]], false],
    ["no roles", "CLIENT-CREDENTIALS", [], false],
    ["CODE grant with SCIM permissions", "CODE", [SCIM], false],
    ["TOKEN grant with SCIM permissions", "TOKEN", [SCIM], false],
    ["SAML2-BEARER grant with SCIM permissions", "SAML2-BEARER", [SCIM], false],
  ])("%s -> %s", (_label, grant, perms, expected) => {
    expect(isScimRestricted(grant, perms)).toBe(expected);
  });
});

describe("maxTokenSeconds / durationError", () => {
  it.each<[boolean, number]>([
    [false, 172_800],
    [true, 38_880_000],
  ])("maxTokenSeconds(restricted=%s) = %d", (restricted, max) => {
    expect(maxTokenSeconds(restricted)).toBe(max);
  });

  it.each<[string, number, boolean, boolean]>([
    ["0 ordinary", 0, false, false],
    ["-1 ordinary", -1, false, false],
    ["299 ordinary", 299, false, false],
    ["300 ordinary", 300, false, true],
    ["86,400 ordinary", 86_400, false, true],
    ["172,800 ordinary", 172_800, false, true],
    ["172,801 ordinary", 172_801, false, false],
    ["38,880,000 ordinary", 38_880_000, false, false],
    ["299 restricted", 299, true, false],
    ["300 restricted", 300, true, true],
    ["172,801 restricted", 172_801, true, true],
    ["38,880,000 restricted", 38_880_000, true, true],
    ["38,880,001 restricted", 38_880_001, true, false],
  ])("%s -> accepted=%s", (_label, seconds, restricted, accepted) => {
    const e = durationError(seconds, restricted);
    if (accepted) {
      expect(e).toBeNull();
    } else {
      expect(e).not.toBeNull();
      expect(e?.field).toBe("accessTokenValiditySeconds");
      const max = restricted ? "38880000" : "172800";
      expect(e?.message).toContain(`300..${max}`);
      expect(e?.message).toContain(String(seconds));
    }
  });
});

describe("decideDuration", () => {
  type Args = Parameters<typeof decideDuration>[0];
  it.each<[string, Args, number]>([
    ["create, no explicit -> default", { restrictedBefore: false, restrictedAfter: false }, 86_400],
    ["create restricted, no explicit -> default", { restrictedBefore: false, restrictedAfter: true }, 86_400],
    ["create, explicit -> explicit", { explicit: 600, restrictedBefore: false, restrictedAfter: false }, 600],
    ["create with restrictedBefore=true (no current) -> no reset", { restrictedBefore: true, restrictedAfter: false }, 86_400],
    ["update, restriction unchanged (ordinary) -> keep current", { current: 3600, restrictedBefore: false, restrictedAfter: false }, 3600],
    [
      "update, restriction unchanged (restricted) -> keep long current",
      { current: 38_880_000, restrictedBefore: true, restrictedAfter: true },
      38_880_000,
    ],
    ["update, restriction gained -> keep current", { current: 172_800, restrictedBefore: false, restrictedAfter: true }, 172_800],
    ["update, unchanged, explicit -> explicit", { current: 3600, explicit: 7200, restrictedBefore: true, restrictedAfter: true }, 7200],
  ])("%s", (_label, args, seconds) => {
    expect(decideDuration(args)).toEqual({ seconds, reset: null });
  });

  it("resets to 86,400 when a restricted client loses restriction", () => {
    const d = decideDuration({ current: 38_880_000, restrictedBefore: true, restrictedAfter: false });
    expect(d.seconds).toBe(86_400);
    expect(d.reset).toEqual({ from: 38_880_000, to: 86_400, reason: expect.any(String) });
    expect(d.reset?.reason.length).toBeGreaterThan(0);
  });

  it("resets even a short duration to 86,400 when restriction is lost", () => {
    const d = decideDuration({ current: 3600, restrictedBefore: true, restrictedAfter: false });
    expect(d).toEqual({ seconds: 86_400, reset: { from: 3600, to: 86_400, reason: expect.any(String) } });
  });

  it("uses the caller's reason when given", () => {
    const d = decideDuration({ current: 1_000_000, restrictedBefore: true, restrictedAfter: false, reason: "role r9 added" });
    expect(d.reset).toEqual({ from: 1_000_000, to: 86_400, reason: "role r9 added" });
  });

  it("an explicit value in the same request replaces the reset value, and the reset is still reported", () => {
    const d = decideDuration({ current: 38_880_000, explicit: 7200, restrictedBefore: true, restrictedAfter: false });
    expect(d.seconds).toBe(7200);
    expect(d.reset).toEqual({ from: 38_880_000, to: 7200, reason: expect.any(String) });
  });
});

describe("redirectUriError", () => {
  it.each<[string]>([
    ["https://app.example.com/callback"],
    ["https://app.example.com:8443/cb?x=1"],
    ["http://localhost"],
    ["http://localhost:3000/cb"],
    ["http://127.0.0.1:8080"],
    ["http://127.10.20.30/cb"],
    ["http://[::1]/cb"],
  ])("accepts %s", (uri) => {
    expect(redirectUriError(uri, 0)).toBeNull();
  });

  it.each<[string, string, RegExp]>([
    ["relative path", "/callback", /absolute/],
    ["relative host", "app.example.com/cb", /absolute/],
    ["empty string", "", /absolute/],
    ["http non-loopback", "http://app.example.com/cb", /https/],
    ["http host that merely starts with localhost", "http://localhost.evil.example/cb", /https/],
    ["http 127 look-alike host", "http://127.0.0.1.evil.example/cb", /https/],
    ["non-http scheme", "ftp://app.example.com/cb", /https/],
    ["javascript scheme", "javascript:alert(1)", /https/],
    ["https with fragment", "https://app.example.com/cb#frag", /fragment/],
    ["loopback with fragment", "http://localhost/cb#x", /fragment/],
  ])("refuses %s (%s)", (_label, uri, message) => {
    const e = redirectUriError(uri, 4);
    expect(e).not.toBeNull();
    expect(e?.field).toBe("registeredRedirectUri[4]");
    expect(e?.message).toMatch(message);
  });

  // RFC 6749 §3.1.2: "The endpoint URI MUST NOT include a fragment component." A bare trailing "#" is an
  // (empty) fragment component per RFC 3986 §3.5, but WHATWG URL reports hash === "" for it.
  it("refuses an empty fragment (trailing #)", () => {
    const e = redirectUriError("https://app.example.com/cb#", 0);
    expect(e).toEqual({ field: "registeredRedirectUri[0]", message: expect.stringMatching(/fragment/) });
  });
});

describe("validateClient", () => {
  const base = (over: Partial<ClientFields> = {}): ClientFields => ({
    name: "client",
    description: "",
    authorizedGrantType: "CLIENT-CREDENTIALS",
    accessTokenValiditySeconds: 86_400,
    registeredRedirectUri: [],
    scope: [],
    roleDivisions: [{ roleId: "r1", divisionId: "d1" }],
    state: "active",
    ...over,
  });
  const uris = (n: number) => Array.from({ length: n }, (_, i) => `https://app.example.com/cb/${i}`);
  const browser = (grant: GrantType, over: Partial<ClientFields> = {}) =>
    base({
      authorizedGrantType: grant,
      roleDivisions: [],
      registeredRedirectUri: ["https://app.example.com/cb"],
      scope: ["users:read"],
      ...over,
    });

  it.each<[string, ClientFields, boolean]>([
    ["valid CLIENT-CREDENTIALS", base(), false],
    ["valid CODE", browser("CODE"), false],
    ["valid TOKEN", browser("TOKEN"), false],
    ["valid SAML2-BEARER without redirect URIs", base({ authorizedGrantType: "SAML2-BEARER", roleDivisions: [] }), false],
    ["restricted CLIENT-CREDENTIALS with 38,880,000", base({ accessTokenValiditySeconds: 38_880_000 }), true],
  ])("%s has no errors", (_label, c, restricted) => {
    expect(validateClient(c, restricted)).toEqual([]);
  });

  it.each<[GrantType, number, boolean]>([
    ["CODE", 0, false],
    ["CODE", 1, true],
    ["CODE", 125, true],
    ["CODE", 126, false],
    ["TOKEN", 0, false],
    ["TOKEN", 1, true],
    ["TOKEN", 125, true],
    ["TOKEN", 126, false],
  ])("%s client with %d redirect URIs -> accepted=%s", (grant, n, accepted) => {
    const errs = validateClient(browser(grant, { registeredRedirectUri: uris(n) }), false);
    if (accepted) expect(errs).toEqual([]);
    else {
      expect(fields(errs)).toEqual(["registeredRedirectUri"]);
      expect(errs[0]?.message).toContain("1..125");
      expect(errs[0]?.message).toContain(String(n));
    }
  });

  it("checks every redirect URI and names the bad one by index", () => {
    const errs = validateClient(
      browser("CODE", { registeredRedirectUri: ["https://ok.example/cb", "http://bad.example/cb", "/rel"] }),
      false,
    );
    expect(fields(errs)).toEqual(["registeredRedirectUri[1]", "registeredRedirectUri[2]"]);
  });

  it.each<[string, ClientFields, string]>([
    ["empty name", base({ name: "" }), "name"],
    ["whitespace name", base({ name: "   " }), "name"],
    ["duration 299", base({ accessTokenValiditySeconds: 299 }), "accessTokenValiditySeconds"],
    ["duration 172,801 ordinary", base({ accessTokenValiditySeconds: 172_801 }), "accessTokenValiditySeconds"],
    ["roles on a CODE client", browser("CODE", { roleDivisions: [{ roleId: "r1", divisionId: "d1" }] }), "roleDivisions"],
    ["roles on a TOKEN client", browser("TOKEN", { roleDivisions: [{ roleId: "r1", divisionId: "d1" }] }), "roleDivisions"],
    ["roles on a SAML2-BEARER client", base({ authorizedGrantType: "SAML2-BEARER" }), "roleDivisions"],
    ["scope on a CLIENT-CREDENTIALS client", base({ scope: ["users:read"] }), "scope"],
    [
      "redirect URIs on a CLIENT-CREDENTIALS client",
      base({ registeredRedirectUri: ["https://app.example.com/cb"] }),
      "registeredRedirectUri",
    ],
    [
      "redirect URIs on a SAML2-BEARER client",
      base({ authorizedGrantType: "SAML2-BEARER", roleDivisions: [], registeredRedirectUri: ["https://a.example/cb"] }),
      "registeredRedirectUri",
    ],
    ["scope token with a space", browser("CODE", { scope: ["users read"] }), "scope[0]"],
    ["scope token with a double quote", browser("CODE", { scope: ["ok", 'a"b'] }), "scope[1]"],
    ["scope token with a backslash", browser("CODE", { scope: ["a\\b"] }), "scope[0]"],
    ["empty scope token", browser("CODE", { scope: [""] }), "scope[0]"],
    ["non-ASCII scope token", browser("CODE", { scope: ["usérs"] }), "scope[0]"],
    ["too many scopes", browser("CODE", { scope: Array.from({ length: 201 }, (_, i) => `s${i}`) }), "scope"],
    ["role grant without division", base({ roleDivisions: [{ roleId: "r1", divisionId: "" }] }), "roleDivisions[0].divisionId"],
  ])("refuses %s, naming %s", (_label, c, field) => {
    expect(fields(validateClient(c, false))).toEqual([field]);
  });

  it("the roles-on-CODE error names roleDivisions and explains scope", () => {
    const [e] = validateClient(browser("CODE", { roleDivisions: [{ roleId: "r1", divisionId: "d1" }] }), false);
    expect(e?.field).toBe("roleDivisions");
    expect(e?.message).toMatch(/CLIENT-CREDENTIALS/);
  });

  it("accepts 200 scopes", () => {
    expect(validateClient(browser("CODE", { scope: Array.from({ length: 200 }, (_, i) => `s${i}`) }), false)).toEqual([]);
  });

  it("uses the restricted maximum only when told the client is restricted", () => {
    const c = base({ accessTokenValiditySeconds: 1_000_000 });
    expect(fields(validateClient(c, false))).toEqual(["accessTokenValiditySeconds"]);
    expect(validateClient(c, true)).toEqual([]);
  });
});

describe("isAllDivisions", () => {
  it.each<[string, boolean]>([
    ["*", true],
    ["", false],
    ["home", false],
    ["**", false],
  ])("%j -> %s", (d, expected) => {
    expect(isAllDivisions(d)).toBe(expected);
  });
});
