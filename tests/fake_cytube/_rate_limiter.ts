/**
 * The server side of CyTube's flood limiter (`src/utilities.js` newRateLimiter), written
 * independently of the connector's replica so the tests check one against the other.
 *
 * @module
 */

/** Limit parameters as the server reads them (cooldown in seconds). */
export interface ThrottleParams {
  burst: number;
  sustained: number;
  cooldown?: number;
}

/** One limiter per socket and purpose, like `user.chatLimiter` and `user.queueLimiter`. */
export class ServerRateLimiter {
  count = 0;
  lastTime = 0;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** True when the call must be rejected, exactly like the server's `throttle(opts)`. */
  throttle(params: ThrottleParams): boolean {
    const burst = Number.isNaN(+params.burst) ? 10 : +params.burst;
    const sustained = Number.isNaN(+params.sustained) ? 2 : +params.sustained;
    const cooldown = params.cooldown === undefined || Number.isNaN(+params.cooldown)
      ? burst / sustained
      : +params.cooldown;
    const now = this.#now();
    if (this.lastTime < now - cooldown * 1000) {
      this.count = 1;
      this.lastTime = now;
      return false;
    }
    if (this.count < burst) {
      this.count++;
      this.lastTime = now;
      return false;
    }
    if (now - this.lastTime < 1000 / sustained) return true;
    this.lastTime = now;
    return false;
  }
}
