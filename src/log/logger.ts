import { pino, type Logger } from "pino";

export type { Logger };

/**
 * Paths pino blanks before a line is written. Secrets never reach a log even when a handler
 * logs a whole request or body by mistake.
 */
export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'res.headers["set-cookie"]',
  "*.authorization",
  "*.client_secret",
  "*.secret",
  "*.access_token",
  "*.token",
  "*.password",
  "client_secret",
  "secret",
  "access_token",
  "token",
  "password",
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: "scim-bridge" }, redact: { paths: REDACT_PATHS, censor: "[redacted]" } }, destination);
}
