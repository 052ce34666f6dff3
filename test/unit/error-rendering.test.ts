import { describe, expect, it } from "@jest/globals";
import express from "express";
import request from "supertest";
import { pino } from "pino";
import { DomainError, domainErrorIn } from "../../src/errors/domain-error.js";
import { ScimError, scimTypeFits } from "../../src/scim/scim-error.js";
import { toScimError } from "../../src/scim/error-mapping.js";
import { toOAuthError } from "../../src/oauth/endpoints/oauth-error.js";
import { adminErrorHandler } from "../../src/admin/admin-errors.js";
import { storeUnavailableError } from "../../src/store/store.js";

const cases: Array<[string, DomainError]> = [
  ["validation", DomainError.validation([{ field: "name", message: "is required" }])],
  ["not_found", DomainError.notFound("client", "c-1")],
  ["conflict", DomainError.conflict('a role named "x" exists', "name")],
  ["forbidden", DomainError.forbidden("this client is inactive", [], "unauthorized_client")],
  ["unavailable", storeUnavailableError(new Error("connect ECONNREFUSED 127.0.0.1:5432"))],
];

describe("one domain error, rendered by each surface in its own format", () => {
  it.each([
    ["validation", 400, "invalidValue"],
    ["not_found", 404, null],
    ["conflict", 409, "uniqueness"],
    ["forbidden", 403, null],
    ["unavailable", 503, null],
  ])("SCIM: %s is %i with scimType %s", (kind, status, scimType) => {
    const err = cases.find(([k]) => k === kind)![1];
    const scim = toScimError(err);
    expect([scim.status, scim.scimType]).toEqual([status, scimType]);
    expect(scim.toJSON()).toEqual(expect.objectContaining({ status: String(status), detail: err.message }));
  });

  it.each([
    ["validation", 400, "invalid_request"],
    ["not_found", 400, "invalid_request"],
    ["conflict", 400, "invalid_request"],
    ["forbidden", 400, "unauthorized_client"],
    ["unavailable", 503, "temporarily_unavailable"],
  ])("OAuth: %s is %i %s (RFC 6749 §5.2)", (kind, status, code) => {
    const err = cases.find(([k]) => k === kind)![1];
    const oauth = toOAuthError(err, 1024)!;
    expect([oauth.status, oauth.code]).toEqual([status, code]);
    expect(oauth.toJSON()).toEqual({ error: code, error_description: err.message });
  });

  it.each([
    ["validation", 400, "invalid_request"],
    ["not_found", 404, "not_found"],
    ["conflict", 409, "conflict"],
    ["forbidden", 403, "forbidden"],
    ["unavailable", 503, "store_unavailable"],
  ])("admin API: %s is %i {error: %s}", async (kind, status, code) => {
    const err = cases.find(([k]) => k === kind)![1];
    const app = express();
    app.use((req, _res, next) => {
      req.log = pino({ level: "silent" });
      next();
    });
    app.get("/x", () => {
      throw err;
    });
    app.use(adminErrorHandler(1024));
    const res = await request(app).get("/x");
    expect(res.status).toBe(status);
    expect(res.body).toEqual(expect.objectContaining({ error: code, message: err.message }));
    if (kind === "unavailable") expect(res.headers["retry-after"]).toBe("5");
  });

  it("never renders the private detail", () => {
    const err = storeUnavailableError(new Error('password authentication failed for user "bridge"'));
    expect(err.detail).toMatch(/password authentication failed/);
    expect(JSON.stringify(toScimError(err).toJSON())).not.toMatch(/password/);
    expect(JSON.stringify(toOAuthError(err, 1024)!.toJSON())).not.toMatch(/password/);
  });

  it("finds a domain error wrapped as a cause (as SCIMMY wraps what handlers throw)", () => {
    const inner = DomainError.notFound("user", "u-1");
    expect(domainErrorIn(new Error("wrapped", { cause: new Error("twice", { cause: inner }) }))).toBe(inner);
    expect(domainErrorIn(new Error("plain"))).toBeNull();
  });
});

describe("a SCIM error's scimType fits its status (RFC 7644 §3.12)", () => {
  it.each([
    [400, "invalidFilter", true],
    [400, "invalidValue", true],
    [400, "mutability", true],
    [409, "uniqueness", true],
    [400, "uniqueness", false],
    [409, "invalidValue", false],
    [404, "invalidValue", false],
    [500, "invalidSyntax", false],
    [400, "notAType", false],
    [404, null, true],
    [503, undefined, true],
  ])("status %i with %s: %s", (status, scimType, fits) => {
    expect(scimTypeFits(status, scimType)).toBe(fits);
  });

  it("refuses to build a mismatched one", () => {
    expect(() => new ScimError(404, "invalidValue", "x")).toThrow(RangeError);
    expect(new ScimError(409, "uniqueness", "taken").toJSON()).toEqual({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
      status: "409",
      scimType: "uniqueness",
      detail: "taken",
    });
  });
});
