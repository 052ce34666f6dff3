import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { openTestStore, type TestStore } from "../helpers/store.js";
import type { Queryable } from "../../src/store/store.js";
import { issueToken, verifyToken } from "../../src/oauth/token-service.js";
import { VerificationCache } from "../../src/oauth/verification-cache.js";
import { deleteToken } from "../../src/oauth/token-store.js";
import { hashSecret } from "../../src/oauth/secrets.js";
import { scimClient } from "../helpers/scim.js";
import { updateClient } from "../../src/oauth/client-registry.js";
import { system } from "../helpers/app.js";

/** A store that counts the statements it is sent. */
function counting(db: Queryable): Queryable & { n: number } {
  const c = {
    n: 0,
    query: <T extends object>(sql: string, params?: readonly unknown[]) => {
      c.n++;
      return db.query<T>(sql, params);
    },
  };
  return c;
}

describe("verification cache: hot tokens from memory, changes seen at once in the same process", () => {
  let t: TestStore;
  beforeAll(async () => {
    t = await openTestStore();
  });
  afterAll(() => t?.close());

  const clock = () => Date.now();

  /** A new SCIM client and a token of it, issued at `at`'s time, living `seconds`. */
  async function freshToken(at: () => number, seconds: number) {
    const client = await scimClient(t.store);
    const { access_token } = await issueToken(t.store, at, {
      id: client.id,
      authorizedGrantType: "CLIENT-CREDENTIALS",
      accessTokenValiditySeconds: seconds,
      state: "active",
    });
    return { client, access_token };
  }

  it("answers a verified token again without a store query, and the same principal", async () => {
    const { access_token } = await freshToken(clock, 3600);
    const cache = new VerificationCache();
    const db = counting(t.store);
    const first = await verifyToken(db, clock, access_token, cache);
    expect(typeof first).toBe("object");
    expect(db.n).toBeGreaterThan(0);
    db.n = 0;
    const second = await verifyToken(db, clock, access_token, cache);
    expect(db.n).toBe(0);
    expect(second).toEqual(first);
  });

  it("refuses a token this process revoked on the very next check", async () => {
    const { access_token } = await freshToken(clock, 3600);
    const cache = new VerificationCache();
    expect(typeof (await verifyToken(t.store, clock, access_token, cache))).toBe("object");
    expect(await deleteToken(t.store, hashSecret(access_token))).toBe(1);
    expect(await verifyToken(t.store, clock, access_token, cache)).toBe("unknown");
  });

  it("refuses a client this process deactivated on the very next check", async () => {
    const { client, access_token } = await freshToken(clock, 3600);
    const cache = new VerificationCache();
    expect(typeof (await verifyToken(t.store, clock, access_token, cache))).toBe("object");
    await updateClient(t.store, system, new Date(), client.id, { state: "inactive" }, "patch");
    expect(await verifyToken(t.store, clock, access_token, cache)).toBe("inactive_client");
  });

  it("an expiry found in memory is checked against the store's record, and stands", async () => {
    const now = Date.now();
    const { access_token } = await freshToken(() => now, 300);
    const cache = new VerificationCache();
    expect(typeof (await verifyToken(t.store, () => now, access_token, cache))).toBe("object");
    const db = counting(t.store);
    expect(await verifyToken(db, () => now + 301_000, access_token, cache)).toBe("expired");
    expect(db.n).toBeGreaterThan(0);
  });
});
