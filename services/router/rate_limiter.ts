/**
 * Token buckets, cooldowns and a notice throttle: the router's policy arithmetic. Time is
 * passed in (`now`), so tests drive the clock instead of sleeping.
 */

/** A rate: `burst` at once, refilled at `perSecond`. */
export interface Rate {
  burst: number;
  perSecond: number;
}

/** One token bucket. Starts full. */
export class TokenBucket {
  readonly #rate: Rate;
  #tokens: number;
  #updatedAt: number;

  constructor(rate: Rate, now = Date.now()) {
    this.#rate = rate;
    this.#tokens = rate.burst;
    this.#updatedAt = now;
  }

  #refill(now: number) {
    const elapsed = Math.max(0, now - this.#updatedAt) / 1000;
    this.#tokens = Math.min(this.#rate.burst, this.#tokens + elapsed * this.#rate.perSecond);
    this.#updatedAt = now;
  }

  /** Takes one token if there is one; returns whether it did. */
  take(now = Date.now()): boolean {
    this.#refill(now);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    return false;
  }

  /** Milliseconds until a token is available (0 if one is). */
  retryAfterMs(now = Date.now()): number {
    this.#refill(now);
    if (this.#tokens >= 1) return 0;
    if (this.#rate.perSecond <= 0) return Infinity;
    return Math.ceil(((1 - this.#tokens) / this.#rate.perSecond) * 1000);
  }

  /** True when the bucket is full again, so forgetting it changes nothing. */
  isFull(now = Date.now()): boolean {
    this.#refill(now);
    return this.#tokens >= this.#rate.burst;
  }
}

/** The answer of a keyed limiter: allowed, or how long to wait. */
export type Admission = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * One bucket per key (a user, a plugin). Memory stays bounded: when it holds more than
 * `maxKeys` buckets, full ones are forgotten (a full bucket is the same as a new one).
 */
export class KeyedRateLimiter {
  readonly rate: Rate;
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #maxKeys: number;

  constructor(rate: Rate, options: { maxKeys?: number } = {}) {
    this.rate = rate;
    this.#maxKeys = options.maxKeys ?? 10_000;
  }

  take(key: string, now = Date.now()): Admission {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= this.#maxKeys) this.#prune(now);
      bucket = new TokenBucket(this.rate, now);
      this.#buckets.set(key, bucket);
    }
    if (bucket.take(now)) return { ok: true };
    return { ok: false, retryAfterMs: bucket.retryAfterMs(now) };
  }

  get size(): number {
    return this.#buckets.size;
  }

  #prune(now: number) {
    for (const [key, bucket] of this.#buckets) if (bucket.isFull(now)) this.#buckets.delete(key);
  }
}

/** Per-key cooldowns (a user's use of one command): `cooldownMs` between two uses. */
export class Cooldowns {
  readonly #until = new Map<string, number>();

  /** Milliseconds left on `key`'s cooldown; 0 when it may run. */
  remainingMs(key: string, now = Date.now()): number {
    const until = this.#until.get(key);
    if (until === undefined) return 0;
    if (until <= now) {
      this.#until.delete(key);
      return 0;
    }
    return until - now;
  }

  /** Starts `key`'s cooldown. */
  start(key: string, cooldownMs: number, now = Date.now()): void {
    if (cooldownMs <= 0) return;
    this.#until.set(key, now + cooldownMs);
    if (this.#until.size > 10_000) {
      for (const [k, until] of this.#until) if (until <= now) this.#until.delete(k);
    }
  }
}

/**
 * "Slow down" notices at most once per window per key: a user hammering a command gets one
 * short answer, not one per attempt, so a denial can never become the flood it prevents.
 */
export class NoticeThrottle {
  readonly #quietUntil = new Map<string, number>();

  /** True if a notice may be sent now; then stays false for `windowMs`. */
  allow(key: string, windowMs: number, now = Date.now()): boolean {
    const until = this.#quietUntil.get(key);
    if (until !== undefined && until > now) return false;
    this.#quietUntil.set(key, now + windowMs);
    if (this.#quietUntil.size > 10_000) {
      for (const [k, u] of this.#quietUntil) if (u <= now) this.#quietUntil.delete(k);
    }
    return true;
  }
}
