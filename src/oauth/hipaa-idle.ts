/**
 * Genesys Cloud's HIPAA inactivity timeout (15 minutes), applied to OAuth tokens too: with HIPAA
 * compliance on, a token unused for longer is refused.
 */
export const HIPAA_IDLE_SECONDS = 900;

/**
 * Whether a token has idled out. Uses are recorded at most once every `USE_RECORDING_SECONDS`, so a
 * token is refused between 840 and 900 s after its true last use (README: the window).
 */
export function idledOut(hipaa: boolean, lastUsedAtMs: number, nowMs: number): boolean {
  return hipaa && nowMs - lastUsedAtMs > HIPAA_IDLE_SECONDS * 1000;
}

/**
 * Whether an identity provider's way of using its token would lock it out under HIPAA: last used
 * more than 900 s ago, or used on average less often than every 900 s since it was issued.
 */
export function idleRisk(
  use: { issuedAtMs: number; lastUsedAtMs: number; uses: number },
  nowMs: number,
): { idleSeconds: number; gapSeconds: number | null; atRisk: boolean } {
  const idleSeconds = (nowMs - use.lastUsedAtMs) / 1000;
  const gapSeconds = use.uses > 0 ? (use.lastUsedAtMs - use.issuedAtMs) / 1000 / use.uses : null;
  return { idleSeconds, gapSeconds, atRisk: idleSeconds > HIPAA_IDLE_SECONDS || (gapSeconds !== null && gapSeconds > HIPAA_IDLE_SECONDS) };
}
