import { readFileSync } from "node:fs";
import { z } from "zod";

/**
 * Configuration is read once: `config/default.json`, then environment variables of the same names.
 * Every problem is reported at once, each naming the variable, and start-up stops.
 */
const bool = z.union([z.boolean(), z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1")]);
const port = z.coerce.number().int().min(0).max(65535);
const optionalUrl = z.union([z.literal(""), z.url()]);

const schema = z.object({
  PORT: port,
  HOST: z.string().min(1),
  PUBLIC_URL: optionalUrl.transform((v) => v.replace(/\/+$/, "")),
  DATABASE_URL: z.union([z.literal(""), z.string().regex(/^postgres(ql)?:\/\//, "must start with postgres:// or postgresql://")]),
  DATA_DIR: z.string().min(1),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "must start with redis:// or rediss://"),
  TARGET: z.enum(["dry-run", "genesys"]),
  GENESYS_REGION: z.string().min(1),
  GENESYS_CLIENT_ID: z.string(),
  GENESYS_CLIENT_SECRET: z.string(),
  GENESYS_LOGIN_URL: optionalUrl,
  GENESYS_API_URL: optionalUrl,
  GENESYS_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000),
  /** Role names (comma-separated) the sync may grant from SCIM `roles`; empty: roles are never sent. */
  GENESYS_GRANTABLE_ROLES: z.string().max(10_000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024),
  /**
   * Express's "trust proxy": false, a hop count, or the proxies' addresses/subnets (comma-separated).
   * `true` trusts every X-Forwarded-For entry, so a client could choose the address it is counted
   * under; it is accepted for compatibility and documented as unsafe.
   */
  TRUST_PROXY: z.union([
    bool,
    z.coerce.number().int().min(0).max(32),
    z
      .string()
      .regex(/^[\w.:/,\s-]+$/, "false, true, a hop count, or comma-separated proxy addresses/subnets")
      .transform((v) =>
        v
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean),
      ),
  ]),
  HIPAA_COMPLIANCE: bool,
  QUEUE_PREFIX: z.string().regex(/^[\w{}:-]+$/, "letters, digits, _ - : { } only"),
  SYNC_CONCURRENCY: z.coerce.number().int().min(1).max(256),
  SYNC_RELAY_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000),
  SYNC_DEBOUNCE_MS: z.coerce.number().int().min(0).max(600_000),
  SYNC_RETRY_CAP_MS: z.coerce.number().int().min(1000).max(3_600_000),
  SYNC_SWEEP_INTERVAL_MS: z.coerce.number().int().min(1000),
  DIVISION_SYNC_INTERVAL_MS: z.coerce.number().int().min(60_000),
  /** PostgreSQL: the longest a connection, a pool checkout or a statement may take before the request answers 503. */
  STORE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000),
  /** How long start-up keeps trying to reach PostgreSQL before it gives up. */
  STORE_STARTUP_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000),
  AUTH_FAILURES_PER_CLIENT: z.coerce.number().int().min(1).max(1_000_000),
  AUTH_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).max(1_000_000),
  AUTH_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400),
});

export type Config = Readonly<z.infer<typeof schema>>;
export type ConfigKey = keyof z.infer<typeof schema>;
export const CONFIG_KEYS = Object.keys(schema.shape) as ConfigKey[];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

const defaultsFile = new URL("../../config/default.json", import.meta.url);

export function readDefaults(): Record<string, unknown> {
  return JSON.parse(readFileSync(defaultsFile, "utf8")) as Record<string, unknown>;
}

/** Defaults overridden by `env` (only the known keys), plus explicit overrides (tests, CLI flags). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Record<ConfigKey, unknown>> = {}): Config {
  const raw: Record<string, unknown> = readDefaults();
  for (const key of CONFIG_KEYS) {
    const value = env[key];
    if (value !== undefined) raw[key] = value;
  }
  Object.assign(raw, overrides);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message} (got ${JSON.stringify(raw[String(i.path[0])])})`),
    );
  }
  if (parsed.data.TARGET === "genesys" && (!parsed.data.GENESYS_CLIENT_ID || !parsed.data.GENESYS_CLIENT_SECRET)) {
    throw new ConfigError(["GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET: required when TARGET=genesys"]);
  }
  return Object.freeze(parsed.data);
}

/** GENESYS_GRANTABLE_ROLES as a set of names (trimmed, empty entries dropped). */
export function grantableRoles(config: Pick<Config, "GENESYS_GRANTABLE_ROLES">): ReadonlySet<string> {
  return new Set(
    config.GENESYS_GRANTABLE_ROLES.split(",")
      .map((n) => n.trim())
      .filter(Boolean),
  );
}
