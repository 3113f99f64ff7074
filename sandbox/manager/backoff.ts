/**
 * Restart pacing: exponential backoff between restarts, reset once a launch has run long enough
 * to count as healthy, and crash-loop detection (like VS Code's extension host: N crashes in a
 * window and it stops trying, with the reason shown to the operator).
 */
export interface RestartPolicy {
  /** First delay. Default 500 ms. */
  initialDelayMs: number;
  /** Delay cap. Default 30 s. */
  maxDelayMs: number;
  /** A launch that ran this long resets the backoff. Default 60 s. */
  stableAfterMs: number;
  /** This many crashes within `crashLoopWindowMs` quarantine the plugin. Default 5 in 5 min. */
  crashLoopCount: number;
  crashLoopWindowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = Object.freeze({
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  stableAfterMs: 60_000,
  crashLoopCount: 5,
  crashLoopWindowMs: 5 * 60_000,
});

export class RestartPacer {
  readonly #policy: RestartPolicy;
  #attempt = 0;
  #crashes: number[] = [];

  constructor(policy: RestartPolicy) {
    this.#policy = policy;
  }

  /**
   * Records a crash of a launch that ran `ranForMs`; returns the delay before the next launch,
   * or null when the crashes amount to a loop (quarantine).
   */
  crashed(ranForMs: number, now = Date.now()): number | null {
    if (ranForMs >= this.#policy.stableAfterMs) this.#attempt = 0;
    this.#crashes = this.#crashes.filter((t) => t > now - this.#policy.crashLoopWindowMs);
    this.#crashes.push(now);
    if (this.#crashes.length >= this.#policy.crashLoopCount) return null;
    const delay = Math.min(
      this.#policy.maxDelayMs,
      this.#policy.initialDelayMs * 2 ** this.#attempt,
    );
    this.#attempt++;
    return delay;
  }

  get recentCrashes(): number {
    return this.#crashes.length;
  }

  /** Forget history (operator started it again by hand). */
  reset(): void {
    this.#attempt = 0;
    this.#crashes = [];
  }
}
