import { Writable } from "node:stream";
import type { Express } from "express";
import request from "supertest";
import { buildApp } from "../../src/app.js";
import { createMetrics } from "../../src/http/metrics.js";
import { loadConfig, type ConfigKey } from "../../src/config/config.js";
import { createLogger } from "../../src/log/logger.js";
import type { Store } from "../../src/store/store.js";
import type { AppDeps } from "../../src/http/deps.js";
import { createClient, type ClientWithSecret } from "../../src/oauth/client-registry.js";
import { builtinRoleId } from "../../src/authz/roles.js";
import { ALL_DIVISIONS } from "../../src/authz/permissions.js";

/** A clock the test moves. */
export class TestClock {
  constructor(public ms = Date.parse("2026-01-01T00:00:00Z")) {}
  readonly now = (): number => this.ms;
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

/** Every log line the app writes, kept so tests can check that secrets never reach them. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
    cb();
  }
  get text(): string {
    return this.lines.join("\n");
  }
}

export interface TestApp {
  app: Express;
  deps: AppDeps;
  clock: TestClock;
  logs: LogCapture;
}

export function buildTestApp(store: Store, overrides: Partial<Record<ConfigKey, unknown>> = {}, extra: Partial<AppDeps> = {}): TestApp {
  const clock = new TestClock();
  const logs = new LogCapture();
  const config = loadConfig({}, { LOG_LEVEL: "debug", ...overrides });
  const deps: AppDeps = {
    config,
    store,
    clock: clock.now,
    logger: createLogger(config.LOG_LEVEL, logs),
    metrics: createMetrics(false),
    redis: null,
    ...extra,
  };
  return { app: buildApp(deps), deps, clock, logs };
}

export const system = { kind: "system" as const, name: "test" };

/** What `scim-bridge admin bootstrap` makes: Bridge Admin and SCIM Integration in all divisions. */
export async function bootstrapAdmin(store: Store, name = "admin"): Promise<ClientWithSecret> {
  return createClient(store, system, new Date(), {
    name,
    roleDivisions: [
      { roleId: (await builtinRoleId(store, "bridge-admin"))!, divisionId: ALL_DIVISIONS },
      { roleId: (await builtinRoleId(store, "scim-integration"))!, divisionId: ALL_DIVISIONS },
    ],
  });
}

export async function tokenFor(app: Express, client: { id: string; secret: string }): Promise<string> {
  const res = await request(app)
    .post("/oauth/token")
    .auth(client.id, client.secret)
    .type("form")
    .send({ grant_type: "client_credentials" });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access_token as string;
}
