/**
 * Reconnect delays. CyTube allows 5 connects per IP and then one per 10 s ("Rate limit
 * exceeded"), so a reconnect loop must wait at least 10 s; the delay doubles per failed
 * attempt up to a cap, and jitter spreads out bots restarted together. The cap (jitter
 * included) is a minute: a server back after an outage gets its bot back within about that.
 *
 * @module
 */

/** Reconnect timing; every field has a production-safe default. */
export interface BackoffOptions {
  /** First delay (default 10 000 ms; lower it only in tests against a fake server). */
  initialDelayMs?: number;
  /** Longest delay, jitter included (default 60 000 ms). */
  maxDelayMs?: number;
  /** Growth per failed attempt (default 2). */
  multiplier?: number;
  /** Random extra, as a fraction of the delay (default 0.2); it only adds, never subtracts. */
  jitter?: number;
}

export const DEFAULT_BACKOFF: Readonly<Required<BackoffOptions>> = {
  initialDelayMs: 10_000,
  maxDelayMs: 60_000,
  multiplier: 2,
  jitter: 0.2,
};

/** Delay before reconnect attempt `attempt` (1-based). */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const o = { ...DEFAULT_BACKOFF, ...options };
  const exponent = Math.max(0, attempt - 1);
  // The cap holds with the jitter added, and the jitter still spreads delays at the cap.
  const ceiling = o.maxDelayMs / (1 + o.jitter);
  const base = Math.min(ceiling, o.initialDelayMs * Math.pow(o.multiplier, exponent));
  return Math.round(base * (1 + o.jitter * random()));
}
