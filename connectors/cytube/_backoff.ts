/**
 * Reconnect delays. CyTube allows 5 connects per IP and then one per 10 s ("Rate limit
 * exceeded"), so a reconnect loop must wait at least 10 s; the delay doubles per failed
 * attempt up to a cap, and jitter spreads out bots restarted together.
 *
 * @module
 */

/** Reconnect timing; every field has a production-safe default. */
export interface BackoffOptions {
  /** First delay (default 10 000 ms; lower it only in tests against a fake server). */
  initialDelayMs?: number;
  /** Longest delay before jitter (default 300 000 ms). */
  maxDelayMs?: number;
  /** Growth per failed attempt (default 2). */
  multiplier?: number;
  /** Random extra, as a fraction of the delay (default 0.2); it only adds, never subtracts. */
  jitter?: number;
}

export const DEFAULT_BACKOFF: Readonly<Required<BackoffOptions>> = {
  initialDelayMs: 10_000,
  maxDelayMs: 300_000,
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
  const base = Math.min(o.maxDelayMs, o.initialDelayMs * Math.pow(o.multiplier, exponent));
  return Math.round(base * (1 + o.jitter * random()));
}
