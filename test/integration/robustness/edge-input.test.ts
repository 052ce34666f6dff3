/**
 * Input the store cannot hold is refused at the edge: 400 in the protocol's own error format, never a
 * 500 from deep in the store, and nothing written. Each refusal stands beside the same request without
 * the bad part, which works.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import request from "supertest";
import { openTestStore, type TestStore } from "../../helpers/store.js";
import { bootstrapAdmin } from "../../helpers/app.js";
import { startTestServer, type StartedServer } from "../../helpers/server.js";
import { ENTERPRISE, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, patchOp, scimClient } from "../../helpers/scim.js";
import type { ClientWithSecret } from "../../../src/oauth/client-registry.js";
import {
  ENGINE_TEXT,
  SEARCH_REQUEST,
  Transcript,
  expectAdminError,
  expectOAuthError,
  expectScimError,
  fetchReply,
  scimAt,
  snapshot,
  tokenAt,
  type Reply,
  type ScimAt,
} from "./http.js";

function user(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schemas: [USER_SCHEMA], userName, displayName: `Name of ${userName}`, active: true, ...extra };
}

/**
 * The two kinds of unstorable text. Both travel as JSON escapes (`\u0000`, `\ud800`): JSON.stringify
 * writes NUL and a lone surrogate as escapes (ECMA-262's well-formed JSON.stringify), which the raw
 * body assertions below confirm.
 */
const UNSTORABLE = [
  { label: "NUL", ch: "\u0000", escape: "\\u0000" },
  { label: "a lone surrogate", ch: "\ud800", escape: "\\ud800" },
  { label: "a lone low surrogate", ch: "\udfff", escape: "\\udfff" },
] as const;

describe("input the store cannot hold is refused at the edge (400, never 500)", () => {
  let ts: TestStore;
  let srv: StartedServer;
  let scim: ScimAt;
  let admin: ClientWithSecret;
  let adminToken: string;
  let scimOAuthClient: ClientWithSecret;
  let userId: string;
  let groupId: string;
  const transcript = new Transcript();
  const http = () => request(srv.url);
  const keep = async (what: string, t: PromiseLike<Reply>): Promise<Reply> => transcript.keep(what, await t);

  /** Runs a refused request, checks its answer with `check`, and that the store did not change. */
  async function refused(send: () => Promise<Reply>, check: (res: Reply) => void): Promise<Reply> {
    const before = await snapshot(ts.store);
    const res = await send();
    check(res);
    expect(res.status).toBeLessThan(500);
    expect(await snapshot(ts.store)).toBe(before);
    return res;
  }
  const scimRefused = (send: () => Promise<Reply>, status: number, scimType: string | null) =>
    refused(send, (res) => expectScimError(res, status, scimType));
  const adminRefused = (send: () => Promise<Reply>, status: number, error: string) =>
    refused(send, (res) => expectAdminError(res, status, error));
  const oauthRefused = (send: () => Promise<Reply>, status: number, error: string) =>
    refused(send, (res) => expectOAuthError(res, status, error));
  const adminGet = (path: string) => keep(`GET ${path}`, http().get(path).set("authorization", `Bearer ${adminToken}`));
  const adminPost = (path: string, body: string, contentType = "application/json") =>
    keep(`POST ${path}`, http().post(path).set("authorization", `Bearer ${adminToken}`).set("content-type", contentType).send(body));
  const tokenForm = (form: string, headers: Record<string, string> = {}) =>
    keep("POST /oauth/token", http().post("/oauth/token").set(headers).set("content-type", "application/x-www-form-urlencoded").send(form));

  beforeAll(async () => {
    ts = await openTestStore();
    // Failed client authentications are part of this file's subject: the throttle must not turn them into 429s.
    srv = await startTestServer(ts.store, { LOG_LEVEL: "warn", AUTH_FAILURES_PER_ADDRESS: 1_000_000, AUTH_FAILURES_PER_CLIENT: 1_000_000 });
    admin = await bootstrapAdmin(ts.store);
    adminToken = await tokenAt(srv.url, admin);
    scimOAuthClient = await scimClient(ts.store);
    scim = scimAt(srv.url, await tokenAt(srv.url, scimOAuthClient), transcript);
    const u = await scim.post(
      "/Users",
      user("existing@example.com", {
        name: { givenName: "Ex", familyName: "Isting" },
        emails: [{ value: "existing@example.com", type: "work" }],
      }),
    );
    expect(u.status).toBe(201);
    userId = u.body.id;
    const g = await scim.post("/Groups", { schemas: [GROUP_SCHEMA], displayName: "Existing Group", members: [{ value: userId }] });
    expect(g.status).toBe(201);
    groupId = g.body.id;
  });
  // The process answers after every battery.
  afterEach(async () => {
    const res = await keep("GET /healthz", http().get("/healthz"));
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await srv?.close();
    await ts?.close();
  });

  describe("NUL and lone surrogates: PostgreSQL's text and jsonb cannot hold U+0000, and a lone surrogate has no UTF-8 form (RFC 3629 §3)", () => {
    for (const { label, ch, escape } of UNSTORABLE) {
      it(`${label} in POST /Users userName: 400 invalidValue; the same user without it is created`, async () => {
        const raw = JSON.stringify(user(`bad${ch}name@example.com`));
        expect(raw).toContain(escape);
        await scimRefused(() => scim.post("/Users", raw), 400, "invalidValue");
        // and as the only text of the value
        await scimRefused(() => scim.post("/Users", JSON.stringify(user(ch))), 400, "invalidValue");
        const ok = await scim.post("/Users", user(`good.${label.replace(/ /g, "")}@example.com`));
        expect(ok.status).toBe(201);
        // a surrogate with its pair is ordinary text (U+1F600), stored and returned as sent
        const emoji = await scim.post(
          "/Users",
          user(`smile.${label.replace(/ /g, "")}.\ud83d\ude00@example.com`, { displayName: "\ud83d\ude00 \u00e9" }),
        );
        expect(emoji.status).toBe(201);
        expect((await scim.get(`/Users/${emoji.body.id}`)).body.displayName).toBe("\u{1F600} \u00e9");
      });

      it(`${label} in a nested value (name.givenName) and in a multi-valued sub-attribute: 400 invalidValue`, async () => {
        const raw = JSON.stringify(user("nested@example.com", { name: { givenName: `Gi${ch}ven`, familyName: "F" } }));
        expect(raw).toContain(escape);
        await scimRefused(() => scim.post("/Users", raw), 400, "invalidValue");
        await scimRefused(
          () => scim.post("/Users", user("nested2@example.com", { emails: [{ value: `x${ch}@example.com`, type: "work" }] })),
          400,
          "invalidValue",
        );
        await scimRefused(
          () => scim.put(`/Users/${userId}`, user("existing@example.com", { name: { givenName: `P${ch}ut` } })),
          400,
          "invalidValue",
        );
        const ok = await scim.put(
          `/Users/${userId}`,
          user("existing@example.com", {
            name: { givenName: "Ex", familyName: "Isting" },
            emails: [{ value: "existing@example.com", type: "work" }],
          }),
        );
        expect(ok.status).toBe(200);
        expect(ok.body.name.givenName).toBe("Ex");
      });

      it(`${label} in an object key: 400 invalidValue`, async () => {
        const raw = JSON.stringify(user("key@example.com", { name: { [`given${ch}Name`]: "G" } }));
        expect(raw).toContain(escape);
        await scimRefused(() => scim.post("/Users", raw), 400, "invalidValue");
        await scimRefused(() => scim.post("/Users", JSON.stringify({ ...user("key2@example.com"), [`x${ch}`]: "y" })), 400, "invalidValue");
        await scimRefused(
          () =>
            scim.post(
              "/Users",
              JSON.stringify({
                ...user("key3@example.com"),
                schemas: [USER_SCHEMA, ENTERPRISE],
                [ENTERPRISE]: { [`depart${ch}ment`]: "D" },
              }),
            ),
          400,
          "invalidValue",
        );
        await scimRefused(
          () => scim.patch(`/Users/${userId}`, JSON.stringify(patchOp({ op: "add", value: { [`nick${ch}Name`]: "N" } }))),
          400,
          "invalidValue",
        );
      });

      it(`${label} in a PATCH value or path (user and group): 400 invalidValue; the PATCH without it works`, async () => {
        const raw = JSON.stringify(patchOp({ op: "replace", path: "displayName", value: `Dis${ch}play` }));
        expect(raw).toContain(escape);
        await scimRefused(() => scim.patch(`/Users/${userId}`, raw), 400, "invalidValue");
        await scimRefused(
          () => scim.patch(`/Users/${userId}`, patchOp({ op: "add", value: { name: { givenName: ch } } })),
          400,
          "invalidValue",
        );
        await scimRefused(
          () => scim.patch(`/Users/${userId}`, patchOp({ op: "replace", path: `display${ch}Name`, value: "x" })),
          400,
          "invalidValue",
        );
        await scimRefused(
          () => scim.patch(`/Groups/${groupId}`, patchOp({ op: "replace", path: "displayName", value: `G${ch}` })),
          400,
          "invalidValue",
        );
        await scimRefused(
          () => scim.patch(`/Groups/${groupId}`, patchOp({ op: "add", path: "members", value: [{ value: `${userId}${ch}` }] })),
          400,
          "invalidValue",
        );
        const ok = await scim.patch(`/Users/${userId}`, patchOp({ op: "replace", path: "displayName", value: `Display ${label}` }));
        expect(ok.status).toBe(204);
        expect((await scim.get(`/Users/${userId}`)).body.displayName).toBe(`Display ${label}`);
      });

      it(`${label} in a POST /Users/.search filter: 400 invalidFilter`, async () => {
        const raw = JSON.stringify({ schemas: [SEARCH_REQUEST], filter: `userName eq "a${ch}b"` });
        expect(raw).toContain(escape);
        await scimRefused(() => scim.post("/Users/.search", raw), 400, "invalidFilter");
      });
    }

    it("NUL in a SCIM path segment (/Users/%00, /Groups/%00): 400 invalidValue for every method; a lone surrogate has no percent-encoded UTF-8 form and is 400 invalidSyntax", async () => {
      for (const type of ["Users", "Groups"]) {
        await scimRefused(() => scim.get(`/${type}/%00`), 400, "invalidValue");
        await scimRefused(() => scim.get(`/${type}/abc%00def`), 400, "invalidValue");
        await scimRefused(
          () => scim.put(`/${type}/%00`, type === "Users" ? user("p@example.com") : { schemas: [GROUP_SCHEMA], displayName: "P" }),
          400,
          "invalidValue",
        );
        await scimRefused(
          () => scim.patch(`/${type}/%00`, patchOp({ op: "replace", path: "displayName", value: "x" })),
          400,
          "invalidValue",
        );
        await scimRefused(() => scim.delete(`/${type}/%00`), 400, "invalidValue");
        // U+D800 written as UTF-8 bytes (CESU-style) is not valid UTF-8 (RFC 3629 §3)
        await scimRefused(() => scim.get(`/${type}/%ED%A0%80`), 400, "invalidSyntax");
      }
      expect((await scim.get(`/Users/${userId}`)).status).toBe(200);
      expect((await scim.get(`/Groups/${groupId}`)).status).toBe(200);
    });

    it("NUL in a filter value (query): 400 invalidFilter; the same filter without it works", async () => {
      await scimRefused(() => scim.get(`/Users?filter=${encodeURIComponent('userName eq "a\u0000b"')}`), 400, "invalidFilter");
      await scimRefused(() => scim.get(`/Groups?filter=${encodeURIComponent('displayName eq "\u0000"')}`), 400, "invalidFilter");
      await scimRefused(() => scim.get(`/Users?filter=${encodeURIComponent('emails[value eq "x\u0000"]')}`), 400, "invalidFilter");
      const ok = await scim.get(`/Users?filter=${encodeURIComponent('userName eq "existing@example.com"')}`);
      expect(ok.status).toBe(200);
      expect(ok.body.totalResults).toBe(1);
    });

    it("NUL in another query parameter: 400 invalidValue; the parameter without it works", async () => {
      for (const q of [
        "attributes=userName%00",
        "excludedAttributes=%00",
        "sortBy=userName%00",
        "sortOrder=ascending%00",
        "startIndex=1%00",
        "count=%001",
        "unknownParameter=%00",
        "a%00=1",
      ]) {
        await scimRefused(() => scim.get(`/Users?${q}`), 400, "invalidValue");
      }
      await scimRefused(() => scim.get(`/Users/${userId}?attributes=%00`), 400, "invalidValue");
      await scimRefused(() => scim.delete(`/Users/${userId}?x=%00`), 400, "invalidValue");
      const ok = await scim.get("/Users?attributes=userName&sortBy=userName&startIndex=1&count=5");
      expect(ok.status).toBe(200);
      expect(ok.body.Resources.length).toBeGreaterThan(0);
    });

    it("admin API: NUL in a query value or path segment, NUL or a lone surrogate in a body: 400 {error: invalid_request, message}", async () => {
      await adminRefused(() => adminGet("/admin/v1/audit?targetId=%00"), 400, "invalid_request");
      await adminRefused(() => adminGet("/admin/v1/audit?action=role.create%00"), 400, "invalid_request");
      await adminRefused(() => adminGet("/admin/v1/roles/%00"), 400, "invalid_request");
      for (const { ch, escape } of UNSTORABLE) {
        const raw = JSON.stringify({ name: `Role${ch}Name`, permissions: ["directory:user:view"] });
        expect(raw).toContain(escape);
        await adminRefused(() => adminPost("/admin/v1/roles", raw), 400, "invalid_request");
        await adminRefused(
          () => adminPost("/admin/v1/roles", JSON.stringify({ name: "R", description: ch, permissions: [] })),
          400,
          "invalid_request",
        );
        await adminRefused(() => adminPost("/admin/v1/divisions", JSON.stringify({ name: `D${ch}` })), 400, "invalid_request");
      }
      const audit = await adminGet(`/admin/v1/audit?targetId=${encodeURIComponent(admin.id)}`);
      expect(audit.status).toBe(200);
      const role = await adminPost("/admin/v1/roles", JSON.stringify({ name: "Plain Role Name", permissions: ["directory:user:view"] }));
      expect(role.status).toBe(201);
      expect(role.body.name).toBe("Plain Role Name");
    });

    it("OAuth: NUL in a client_secret_post form is 400 invalid_request; NUL in an HTTP Basic id is 401 invalid_client (RFC 6749 §5.2); the clean forms get a token", async () => {
      const { id, secret } = scimOAuthClient;
      await oauthRefused(
        () => tokenForm(`grant_type=client_credentials&client_id=a%00b&client_secret=${encodeURIComponent(secret)}`),
        400,
        "invalid_request",
      );
      await oauthRefused(
        () => tokenForm(`grant_type=client_credentials&client_id=${encodeURIComponent(id)}&client_secret=x%00y`),
        400,
        "invalid_request",
      );
      await oauthRefused(
        () => tokenForm(`grant_type=client%00credentials&client_id=${encodeURIComponent(id)}&client_secret=${encodeURIComponent(secret)}`),
        400,
        "invalid_request",
      );
      await oauthRefused(
        () =>
          keep(
            "POST /oauth/introspect",
            http()
              .post("/oauth/introspect")
              .type("form")
              .send(`client_id=${encodeURIComponent(id)}&client_secret=${encodeURIComponent(secret)}&token=%00`),
          ),
        400,
        "invalid_request",
      );
      await oauthRefused(
        () => keep("POST /oauth/revoke", http().post("/oauth/revoke").type("form").send(`client_id=a%00&client_secret=b&token=t`)),
        400,
        "invalid_request",
      );
      // HTTP Basic (RFC 7617): the id is form-encoded (RFC 6749 §2.3.1), so NUL arrives raw or as %00
      const basic = (user: string, pass: string) => ({
        authorization: `Basic ${Buffer.from(`${user}:${pass}`, "utf8").toString("base64")}`,
      });
      for (const badId of ["a\u0000b", "a%00b", `${id}\u0000`]) {
        const res = await oauthRefused(() => tokenForm("grant_type=client_credentials", basic(badId, secret)), 401, "invalid_client");
        expect(res.headers["www-authenticate"]).toMatch(/^Basic /);
      }
      await oauthRefused(() => tokenForm("grant_type=client_credentials", basic(id, `${secret}%00`)), 401, "invalid_client");
      const post = await tokenForm(
        `grant_type=client_credentials&client_id=${encodeURIComponent(id)}&client_secret=${encodeURIComponent(secret)}`,
      );
      expect(post.status).toBe(200);
      expect(typeof post.body.access_token).toBe("string");
      const viaBasic = await tokenForm("grant_type=client_credentials", basic(id, secret));
      expect(viaBasic.status).toBe(200);
    });
  });

  describe("filter dates outside xsd:dateTime as the store holds it (RFC 7643 §2.3.5; years 0001..9999)", () => {
    const bad = [
      'meta.lastModified gt "0000-01-01T00:00:00Z"',
      'meta.lastModified gt "10000-01-01T00:00:00Z"',
      'meta.created lt "+010000-01-01T00:00:00Z"',
      'meta.created ge "-000001-01-01T00:00:00Z"',
      'meta.lastModified eq "2024-13-45T00:00:00Z"',
    ];
    for (const filter of bad) {
      it(`${filter}: 400 invalidFilter, in the query and in a .search body, for users and groups`, async () => {
        await scimRefused(() => scim.get(`/Users?filter=${encodeURIComponent(filter)}`), 400, "invalidFilter");
        await scimRefused(() => scim.get(`/Groups?filter=${encodeURIComponent(filter)}`), 400, "invalidFilter");
        await scimRefused(() => scim.post("/Users/.search", { schemas: [SEARCH_REQUEST], filter }), 400, "invalidFilter");
        await scimRefused(() => scim.get(`/Users?filter=${encodeURIComponent(`userName pr and (${filter})`)}`), 400, "invalidFilter");
      });
    }

    it("a normal date filter works: every resource was modified after 2000, none after 9999", async () => {
      const all = await scim.get("/Users?count=0");
      const after2000 = await scim.get(`/Users?filter=${encodeURIComponent('meta.lastModified gt "2000-01-01T00:00:00Z"')}`);
      expect(after2000.status).toBe(200);
      expect(after2000.body.totalResults).toBe(all.body.totalResults);
      const edge = await scim.get(`/Users?filter=${encodeURIComponent('meta.created gt "9999-12-31T23:59:59Z"')}`);
      expect(edge.status).toBe(200);
      expect(edge.body.totalResults).toBe(0);
      const first = await scim.get(`/Groups?filter=${encodeURIComponent('meta.created ge "0001-01-01T00:00:00Z"')}`);
      expect(first.status).toBe(200);
      expect(first.body.totalResults).toBeGreaterThanOrEqual(1);
    });
  });

  describe("startIndex beyond any store (RFC 7644 §3.4.2.4): an empty page with the right total", () => {
    it("GET ?startIndex=9223372036854775808 (2^63, past PostgreSQL's bigint OFFSET): 200, no resources, totalResults as without it", async () => {
      const all = await scim.get("/Users?count=1000");
      expect(all.status).toBe(200);
      const total = all.body.totalResults as number;
      expect(total).toBeGreaterThan(0);
      for (const q of [
        "startIndex=9223372036854775808",
        "startIndex=9223372036854775808&count=1000",
        "startIndex=99999999999999999999999999",
      ]) {
        const res = await scim.get(`/Users?${q}`);
        expect(res.status).toBe(200);
        expect(res.body.totalResults).toBe(total);
        expect(res.body.Resources ?? []).toEqual([]);
        expect(res.body.itemsPerPage).toBe(0);
      }
      const filtered = await scim.get(`/Users?startIndex=9223372036854775808&filter=${encodeURIComponent("userName pr")}`);
      expect(filtered.status).toBe(200);
      expect(filtered.body.totalResults).toBe(total);
      expect(filtered.body.Resources ?? []).toEqual([]);
      const groups = await scim.get("/Groups?startIndex=9223372036854775808");
      expect(groups.status).toBe(200);
      expect(groups.body.totalResults).toBe(1);
      expect(groups.body.Resources ?? []).toEqual([]);
    });

    it("POST /Users/.search with startIndex 1e23: 200, an empty page, the right total; count 1e23 is capped, not refused", async () => {
      const total = (await scim.get("/Users?count=0")).body.totalResults as number;
      const raw = `{"schemas":["${SEARCH_REQUEST}"],"startIndex":1e23,"count":10}`;
      const res = await scim.post("/Users/.search", raw);
      expect(res.status).toBe(200);
      expect(res.body.totalResults).toBe(total);
      expect(res.body.Resources ?? []).toEqual([]);
      const big = await scim.post("/Users/.search", `{"schemas":["${SEARCH_REQUEST}"],"startIndex":1,"count":1e23}`);
      expect(big.status).toBe(200);
      expect(big.body.totalResults).toBe(total);
      expect(big.body.Resources).toHaveLength(total);
    });
  });

  describe("request bytes that do not decode", () => {
    const headers = (extra: Record<string, string> = {}) => ({
      authorization: `Bearer ${scim.token}`,
      "content-type": "application/scim+json",
      ...extra,
    });

    it("/scim/v2/Users/%ZZ (not percent-encoding, RFC 3986 §2.1): 400 invalidSyntax", async () => {
      for (const path of ["/scim/v2/Users/%ZZ", "/scim/v2/Groups/%E0%A4%A", "/scim/v2/Users/abc%"]) {
        await scimRefused(
          async () => transcript.keep(`GET ${path}`, await fetchReply(`${srv.url}${path}`, { headers: headers() })),
          400,
          "invalidSyntax",
        );
      }
      await scimRefused(
        async () =>
          transcript.keep(
            "PATCH %ZZ",
            await fetchReply(`${srv.url}/scim/v2/Users/%ZZ`, {
              method: "PATCH",
              headers: headers(),
              body: JSON.stringify(patchOp({ op: "replace", path: "displayName", value: "x" })),
            }),
          ),
        400,
        "invalidSyntax",
      );
    });

    const body = (n: string) => JSON.stringify(user(`${n}@example.com`));

    it("a body whose Content-Encoding does not decode: 400 invalidSyntax; a valid gzip (or deflate, or br) body creates the user", async () => {
      for (const encoding of ["gzip", "deflate"]) {
        await scimRefused(
          async () =>
            transcript.keep(
              `POST ${encoding} garbage`,
              await fetchReply(`${srv.url}/scim/v2/Users`, {
                method: "POST",
                headers: headers({ "content-encoding": encoding }),
                body: body(`garbage.${encoding}`),
              }),
            ),
          400,
          "invalidSyntax",
        );
      }
      // a gzip stream cut short
      const cut = gzipSync(Buffer.from(body("truncated"))).subarray(0, 20);
      await scimRefused(
        async () =>
          transcript.keep(
            "POST gzip cut",
            await fetchReply(`${srv.url}/scim/v2/Users`, { method: "POST", headers: headers({ "content-encoding": "gzip" }), body: cut }),
          ),
        400,
        "invalidSyntax",
      );

      const encoders = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync } as const;
      for (const [encoding, encode] of Object.entries(encoders)) {
        const res = transcript.keep(
          `POST ${encoding}`,
          await fetchReply(`${srv.url}/scim/v2/Users`, {
            method: "POST",
            headers: headers({ "content-encoding": encoding }),
            body: encode(Buffer.from(body(`zipped.${encoding}`))),
          }),
        );
        expect(res.status).toBe(201);
        expect(res.body.userName).toBe(`zipped.${encoding}@example.com`);
        expect((await scim.get(`/Users/${res.body.id}`)).status).toBe(200);
      }
    });

    it("a body that is not brotli sent as Content-Encoding: br: 400 invalidSyntax, like gzip and deflate", async () => {
      await scimRefused(
        async () =>
          transcript.keep(
            "POST br garbage",
            await fetchReply(`${srv.url}/scim/v2/Users`, {
              method: "POST",
              headers: headers({ "content-encoding": "br" }),
              body: body("garbage.br"),
            }),
          ),
        400,
        "invalidSyntax",
      );
    });

    it("an unknown Content-Encoding (compress, x-custom): 415 in SCIM format (RFC 9110 §15.5.16)", async () => {
      for (const encoding of ["compress", "x-custom", "gzip, compress"]) {
        await scimRefused(
          async () =>
            transcript.keep(
              `POST ${encoding}`,
              await fetchReply(`${srv.url}/scim/v2/Users`, {
                method: "POST",
                headers: headers({ "content-encoding": encoding }),
                body: JSON.stringify(user("compress@example.com")),
              }),
            ),
          415,
          null,
        );
      }
    });

    it("OAuth: a form that does not decode is 400 {error: invalid_request, error_description}; a gzip form gets a token", async () => {
      const { id, secret } = scimOAuthClient;
      const form = `grant_type=client_credentials&client_id=${encodeURIComponent(id)}&client_secret=${encodeURIComponent(secret)}`;
      const post = (encoding: string, body: Buffer | string) =>
        fetchReply(`${srv.url}/oauth/token`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", "content-encoding": encoding },
          body,
        });
      await oauthRefused(async () => transcript.keep("oauth gzip garbage", await post("gzip", form)), 400, "invalid_request");
      await oauthRefused(async () => transcript.keep("oauth compress", await post("compress", form)), 415, "invalid_request");
      const ok = transcript.keep("oauth gzip", await post("gzip", gzipSync(Buffer.from(form))));
      expect(ok.status).toBe(200);
      expect(typeof ok.body.access_token).toBe("string");
      await oauthRefused(async () => transcript.keep("oauth br garbage", await post("br", form)), 400, "invalid_request");
    });

    it("admin API: a body that does not decode is 400 {error, message}, an unknown encoding 415", async () => {
      const post = (encoding: string, body: Buffer | string) =>
        fetchReply(`${srv.url}/admin/v1/roles`, {
          method: "POST",
          headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json", "content-encoding": encoding },
          body,
        });
      await adminRefused(async () => transcript.keep("admin gzip garbage", await post("gzip", '{"name":"x"}')), 400, "invalid_request");
      await adminRefused(
        async () => transcript.keep("admin deflate garbage", await post("deflate", '{"name":"x"}')),
        400,
        "invalid_request",
      );
      await adminRefused(async () => transcript.keep("admin compress", await post("compress", '{"name":"x"}')), 415, "invalid_request");
      const ok = transcript.keep(
        "admin gzip",
        await post("gzip", gzipSync(Buffer.from(JSON.stringify({ name: "Zipped Role", permissions: [] })))),
      );
      expect(ok.status).toBe(201);
      await adminRefused(async () => transcript.keep("admin br garbage", await post("br", '{"name":"x"}')), 400, "invalid_request");
    });
  });

  describe("PATCH operations without a value (RFC 7644 §3.5.2.1 and §3.5.2.3: add and replace carry one)", () => {
    for (const [what, op] of [
      ["add with value null and no path", { op: "add", value: null }],
      ["add with value null and a path", { op: "add", path: "displayName", value: null }],
      ["replace without a value or path", { op: "replace" }],
      ["replace with a path and no value", { op: "replace", path: "displayName" }],
      ["Replace (Entra's case) without a value", { op: "Replace", path: "displayName" }],
    ] as const) {
      it(`${what}: 400 invalidValue on a user and on a group`, async () => {
        await scimRefused(() => scim.patch(`/Users/${userId}`, patchOp(op)), 400, "invalidValue");
        await scimRefused(() => scim.patch(`/Groups/${groupId}`, patchOp(op)), 400, "invalidValue");
      });
    }
    it("the same operations with a value work", async () => {
      expect((await scim.patch(`/Users/${userId}`, patchOp({ op: "add", value: { nickName: "Nick" } }))).status).toBe(204);
      expect((await scim.patch(`/Users/${userId}`, patchOp({ op: "replace", path: "displayName", value: "Replaced" }))).status).toBe(204);
      expect(
        (
          await scim.patch(`/Groups/${groupId}`, {
            schemas: [PATCH_OP],
            Operations: [{ op: "Replace", path: "displayName", value: "Existing Group" }],
          })
        ).status,
      ).toBe(204);
      const got = await scim.get(`/Users/${userId}`);
      expect({ nickName: got.body.nickName, displayName: got.body.displayName }).toEqual({ nickName: "Nick", displayName: "Replaced" });
    });

    it("?attributes=, and other empty attribute paths: 400 invalidPath whose detail carries no JavaScript text", async () => {
      for (const q of [
        "attributes=,",
        "attributes=userName,",
        "attributes=,userName",
        "excludedAttributes=,",
        "attributes=%20,%20",
        "attributes=userName,,displayName",
      ]) {
        const res = await scimRefused(() => scim.get(`/Users?${q}`), 400, "invalidPath");
        expect(res.body.detail).not.toMatch(ENGINE_TEXT);
        await scimRefused(() => scim.get(`/Users/${userId}?${q}`), 400, "invalidPath");
        await scimRefused(() => scim.get(`/Groups?${q}`), 400, "invalidPath");
      }
      await scimRefused(() => scim.post("/Users/.search", { schemas: [SEARCH_REQUEST], attributes: ["userName", ""] }), 400, "invalidPath");
      const ok = await scim.get(`/Users/${userId}?attributes=userName,displayName`);
      expect(ok.status).toBe(200);
      expect(ok.body.userName).toBe("existing@example.com");
    });
  });

  describe("JSON nested 10,000 deep (a stack-overflow probe; resources nest a few levels, RFC 7643 §2.3.8)", () => {
    const DEPTH = 10_000;
    const arrays = "[".repeat(DEPTH) + "]".repeat(DEPTH);
    const objects = '{"a":'.repeat(DEPTH) + "1" + "}".repeat(DEPTH);
    const inUser = `{"schemas":["${USER_SCHEMA}"],"userName":"deep@example.com","displayName":"Deep","name":${objects}}`;
    const inPatch = `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","value":${objects}}]}`;

    it("SCIM: POST /Users, PATCH, POST .search and POST /Bulk: 400 in SCIM format; the process lives", async () => {
      for (const body of [arrays, objects, inUser]) {
        await refused(
          () => scim.post("/Users", body),
          (r) => expectScimError(r, 400, r.body.scimType ?? null),
        );
      }
      await refused(
        () => scim.patch(`/Users/${userId}`, inPatch),
        (r) => expectScimError(r, 400, r.body.scimType ?? null),
      );
      await refused(
        () => scim.patch(`/Groups/${groupId}`, inPatch),
        (r) => expectScimError(r, 400, r.body.scimType ?? null),
      );
      await refused(
        () => scim.post("/Users/.search", objects),
        (r) => expectScimError(r, 400, r.body.scimType ?? null),
      );
      await refused(
        () => scim.post("/Bulk", arrays),
        (r) => expectScimError(r, 400, r.body.scimType ?? null),
      );
      expect((await scim.post("/Users", user("shallow@example.com", { name: { givenName: "Sh", familyName: "Allow" } }))).status).toBe(201);
    });

    it("admin POST /admin/v1/roles: 400 {error: invalid_request}; the process lives", async () => {
      await adminRefused(() => adminPost("/admin/v1/roles", arrays), 400, "invalid_request");
      await adminRefused(() => adminPost("/admin/v1/roles", objects), 400, "invalid_request");
      await adminRefused(
        () => adminPost("/admin/v1/roles", `{"name":"Deep","permissions":[],"description":${arrays}}`),
        400,
        "invalid_request",
      );
      const ok = await adminPost("/admin/v1/roles", JSON.stringify({ name: "Shallow Role", permissions: [] }));
      expect(ok.status).toBe(201);
    });
  });

  // Fails while the Content-Encoding: br bug above stands (its two 500s are listed).
  it("no response of this file carried JavaScript engine text or was a 5xx", () => {
    expect(transcript.entries.length).toBeGreaterThan(150);
    expect(transcript.leaks()).toEqual([]);
    expect(transcript.serverErrors()).toEqual([]);
  });
});
