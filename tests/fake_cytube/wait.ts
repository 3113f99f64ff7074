/**
 * Waiting on events with deadlines, never sleeping to pass: a condition is re-checked when
 * something happens, and the wait fails with a clear message when its deadline passes.
 *
 * @module
 */

interface Waiter {
  predicate: () => boolean;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Conditions re-checked on every {@linkcode Waiters.notify}. */
export class Waiters {
  #waiters = new Set<Waiter>();
  readonly #label: string;

  constructor(label: string) {
    this.#label = label;
  }

  /** Resolves once `predicate()` holds; rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs = 5000, what = "a condition"): Promise<void> {
    try {
      if (predicate()) return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(new Error(`${this.#label}: timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  /** Something changed: settle every waiter whose condition now holds. */
  notify(): void {
    for (const waiter of [...this.#waiters]) {
      let done = false;
      try {
        done = waiter.predicate();
      } catch (error) {
        this.#settle(waiter);
        waiter.reject(error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      if (done) {
        this.#settle(waiter);
        waiter.resolve();
      }
    }
  }

  /** Fails every pending wait (e.g. the server is closing). */
  rejectAll(reason: string): void {
    for (const waiter of [...this.#waiters]) {
      this.#settle(waiter);
      waiter.reject(new Error(`${this.#label}: ${reason}`));
    }
  }

  #settle(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    this.#waiters.delete(waiter);
  }
}
