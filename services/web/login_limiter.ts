/**
 * Login rate limiting: at most `attempts` failed logins per client address and per account
 * name in a sliding 15-minute window; past it, logins are refused (429) until the oldest
 * failure leaves the window. A success clears the account's and the address's failures.
 */

const WINDOW_MS = 15 * 60_000;

export class LoginLimiter {
  readonly #failures = new Map<string, number[]>();
  readonly #attempts: number;
  readonly #now: () => number;

  constructor(options: { attempts: number; now?: () => number }) {
    this.#attempts = options.attempts;
    this.#now = options.now ?? Date.now;
  }

  /** Seconds to wait before trying again, or 0 when a login may be tried now. */
  retryAfterSeconds(address: string, user: string): number {
    const now = this.#now();
    let wait = 0;
    for (const key of [`addr:${address}`, `user:${user.toLowerCase()}`]) {
      const times = this.#recent(key, now);
      if (times.length >= this.#attempts) {
        wait = Math.max(wait, Math.ceil((times[0]! + WINDOW_MS - now) / 1000));
      }
    }
    return wait;
  }

  failed(address: string, user: string): void {
    const now = this.#now();
    for (const key of [`addr:${address}`, `user:${user.toLowerCase()}`]) {
      this.#failures.set(key, [...this.#recent(key, now), now]);
    }
  }

  succeeded(address: string, user: string): void {
    this.#failures.delete(`addr:${address}`);
    this.#failures.delete(`user:${user.toLowerCase()}`);
  }

  #recent(key: string, now: number): number[] {
    const times = (this.#failures.get(key) ?? []).filter((t) => t > now - WINDOW_MS);
    if (times.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, times);
    return times;
  }
}
