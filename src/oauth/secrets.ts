import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Secrets and tokens are 256-bit random strings. Because they carry full entropy, a single SHA-256 is
 * a sound storage hash (a slow KDF protects guessable passwords, not random keys) and keeps token
 * verification in the microseconds.
 */
export function newSecret(): string {
  return randomBytes(32).toString("base64url");
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Constant-time comparison of a presented secret against a stored hash. */
export function secretMatches(presented: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(presented), "hex");
  const b = Buffer.from(storedHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A hash that matches no secret, compared against when the client id is unknown so timing does not tell. */
export const NO_SECRET_HASH = hashSecret(`no-such-client:${newSecret()}`);
