/**
 * A client-side replica of CyTube's per-socket rate limiter (`src/utilities.js`
 * newRateLimiter), used to predict when the server would accept the next message.
 *
 * The server algorithm, per throttle call at time `now`:
 * 1. idle for more than `cooldown` seconds since the last accepted call: count = 1, accept;
 * 2. else count < burst: count += 1, accept;
 * 3. else at least 1000/sustained ms since the last accepted call: accept;
 * 4. else reject (and the message is silently lost, `cooldown` is sent).
 * Only accepted calls move `lastTime`; `cooldown` defaults to burst/sustained.
 *
 * The replica applies safety margins (a smaller burst, a longer interval, a longer idle reset)
 * because the server timestamps arrivals, not sends: network jitter can bring two messages
 * closer together than we sent them.
 *
 * @module
 */

/** One limiter setting: `burst` free messages, then `sustained` per second. */
export interface RateLimit {
  burst: number;
  sustained: number;
  /** Idle seconds after which the burst is available again; default burst / sustained. */
  cooldown?: number;
}

/** How much slack the replica keeps relative to the server's exact limits. */
export interface PacingMargin {
  /** Messages of the burst left unused (default 1). */
  burstHeadroom: number;
  /** Extra fraction of the sustained interval (default 0.1, i.e. 10 % slower). */
  intervalRatio: number;
  /** Extra milliseconds on every sustained interval (default 10). */
  intervalMs: number;
  /** Extra idle milliseconds before we assume the server reset the burst (default 500). */
  cooldownMs: number;
}

export const DEFAULT_PACING_MARGIN: Readonly<PacingMargin> = {
  burstHeadroom: 1,
  intervalRatio: 0.1,
  intervalMs: 10,
  cooldownMs: 500,
};

// Candidate times are computed as `last + interval`; without a little slack, floating-point
// rounding can make `t - last` fall a hair short of `interval` and stall the queue until the
// next candidate (the idle reset, seconds later).
const EPSILON_MS = 1e-6;

interface Derived {
  burst: number;
  intervalMs: number;
  idleResetMs: number;
}

// Admins can store odd values (sustained 0 means "never after the burst" on the server); keep
// every derived number finite so the queue always has a next time to try.
function derive(limit: RateLimit, margin: PacingMargin): Derived {
  const burst = Math.max(1, Math.floor(limit.burst) || 1);
  const sustained = limit.sustained > 0 ? limit.sustained : 1 / 3600;
  const cooldownSeconds = limit.cooldown !== undefined && Number.isFinite(limit.cooldown)
    ? Math.max(0, limit.cooldown)
    : Math.min(burst / sustained, 3600);
  return {
    burst: Math.max(1, burst - margin.burstHeadroom),
    intervalMs: (1000 / sustained) * (1 + margin.intervalRatio) + margin.intervalMs,
    idleResetMs: cooldownSeconds * 1000 + margin.cooldownMs,
  };
}

/** The replica. Times are milliseconds on any monotonic clock. */
export class RateLimiterModel {
  #count = 0;
  #lastTime = Number.NEGATIVE_INFINITY;
  readonly #margin: PacingMargin;

  constructor(margin: PacingMargin = DEFAULT_PACING_MARGIN) {
    this.#margin = margin;
  }

  // Runs `cost` throttle calls at time `t` (a `/me` costs two: the server throttles it once as
  // typed and again when the command handler re-posts the text). Returns the new state, or
  // undefined if some call would be rejected.
  #simulate(
    limit: RateLimit,
    cost: number,
    t: number,
  ): { count: number; last: number } | undefined {
    const d = derive(limit, this.#margin);
    let count = this.#count;
    let last = this.#lastTime;
    for (let i = 0; i < cost; i++) {
      if (t - last > d.idleResetMs) {
        count = 1;
        last = t;
      } else if (count < d.burst) {
        count += 1;
        last = t;
      } else if (t - last >= d.intervalMs - EPSILON_MS) {
        last = t;
      } else {
        return undefined;
      }
    }
    return { count, last };
  }

  /** Milliseconds from `now` until a message of this cost would be accepted (0: now). */
  delay(limit: RateLimit, cost: number, now: number): number {
    const d = derive(limit, this.#margin);
    const afterReset = this.#lastTime + d.idleResetMs + 1;
    const candidates = [now, this.#lastTime + d.intervalMs, afterReset]
      .filter((t) => Number.isFinite(t) && t >= now)
      .sort((a, b) => a - b);
    for (const t of candidates) {
      if (this.#simulate(limit, cost, t) !== undefined) return Math.ceil(t - now);
    }
    // A message costing more than the whole burst can never pass; the best chance is right
    // after a reset.
    return Math.max(0, Math.ceil(afterReset - now));
  }

  /** Records that a message was sent at `now`, as the server would count it. */
  record(limit: RateLimit, cost: number, now: number): void {
    const d = derive(limit, this.#margin);
    for (let i = 0; i < cost; i++) {
      if (now - this.#lastTime > d.idleResetMs) {
        this.#count = 1;
        this.#lastTime = now;
      } else if (this.#count < d.burst) {
        this.#count += 1;
        this.#lastTime = now;
      } else if (now - this.#lastTime >= d.intervalMs - EPSILON_MS) {
        this.#lastTime = now;
      }
    }
  }

  /** The server just throttled us: assume the burst is spent, counting from now. */
  saturate(now: number): void {
    this.#count = Number.POSITIVE_INFINITY;
    this.#lastTime = now;
  }

  /** A new socket has a fresh limiter on the server. */
  reset(): void {
    this.#count = 0;
    this.#lastTime = Number.NEGATIVE_INFINITY;
  }
}
