import { describe, expect, it } from "@jest/globals";
import { ConfigError, loadConfig } from "../../src/config/config.js";

describe("configuration", () => {
  it("has working defaults (the embedded store, dry-run target, port 8080)", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      PORT: 8080,
      DATABASE_URL: "",
      DATA_DIR: "./data",
      TARGET: "dry-run",
      REDIS_URL: "redis://127.0.0.1:6379",
      GENESYS_REGION: "mypurecloud.com",
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("takes environment overrides, typed", () => {
    const c = loadConfig({
      PORT: "9000",
      TRUST_PROXY: "true",
      DATABASE_URL: "postgresql://u@db/x",
      PUBLIC_URL: "https://scim.example.com/",
    });
    expect(c.PORT).toBe(9000);
    expect(c.TRUST_PROXY).toBe(true);
    expect(c.DATABASE_URL).toBe("postgresql://u@db/x");
    expect(c.PUBLIC_URL).toBe("https://scim.example.com");
  });

  it.each([
    ["false", false],
    ["0", false],
    ["true", true],
    ["2", 2],
    ["10.0.0.0/8, 10.1.2.3", ["10.0.0.0/8", "10.1.2.3"]],
    ["loopback", ["loopback"]],
  ])("TRUST_PROXY=%s is %j (a hop count or proxy addresses, so a client cannot choose its address)", (raw, expected) => {
    expect(loadConfig({ TRUST_PROXY: raw }).TRUST_PROXY).toEqual(expected);
  });

  it("stops on bad values, naming every variable at fault at once", () => {
    let err: unknown;
    try {
      loadConfig({ PORT: "eighty", LOG_LEVEL: "loud", REDIS_URL: "localhost:6379", TARGET: "okta" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join("\n");
    for (const name of ["PORT", "LOG_LEVEL", "REDIS_URL", "TARGET"]) expect(problems).toMatch(new RegExp(`^${name}: `, "m"));
    expect(problems).toContain('"eighty"');
  });

  it("refuses a port out of range and a DATABASE_URL that is not PostgreSQL", () => {
    expect(() => loadConfig({ PORT: "70000" })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL: must start with postgres/);
  });

  it("needs Genesys credentials when the target is genesys", () => {
    expect(() => loadConfig({ TARGET: "genesys" })).toThrow(/GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET/);
    expect(loadConfig({ TARGET: "genesys", GENESYS_CLIENT_ID: "a", GENESYS_CLIENT_SECRET: "b" }).TARGET).toBe("genesys");
  });
});
