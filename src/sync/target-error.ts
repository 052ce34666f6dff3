/**
 * Every target failure says what kind it is, which decides what the worker does:
 * `permanent` fails the job at once keeping the target's message, `rate_limited` pauses the queue
 * without spending an attempt, `transient` retries with backoff, `conflict` is for the caller to resolve.
 */
export type TargetErrorKind = "permanent" | "transient" | "rate_limited" | "conflict" | "not_found" | "version_conflict";

export class TargetError extends Error {
  constructor(
    readonly kind: TargetErrorKind,
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = "TargetError";
  }
}
