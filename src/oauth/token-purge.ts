import type { Queryable } from "../store/store.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../log/logger.js";
import { purgeExpiredTokens } from "./token-store.js";

/** Deletes expired tokens every `everyMs` (an expired token is refused anyway: this only keeps the table small). Returns the stop. */
export function startTokenPurge(db: Queryable, clock: Clock, logger: Logger, everyMs = 3_600_000): () => void {
  const timer = setInterval(() => {
    purgeExpiredTokens(db, new Date(clock())).catch((err: unknown) => logger.warn({ category: "oauth", err }, "token purge failed"));
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
