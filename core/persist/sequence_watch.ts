/**
 * A sequence number that only grows (the last stream sequence a service has on disk), with a
 * way to wait for it to reach a value: tests and callers ask "is event N saved yet?" without
 * polling.
 */
export class SequenceWatch {
  #value: number;
  readonly #waiters = new Set<() => void>();

  constructor(initial = 0) {
    this.#value = initial;
  }

  get value(): number {
    return this.#value;
  }

  /** Moves the value up (never down) and wakes the waiters. */
  advance(to: number): void {
    if (to > this.#value) this.#value = to;
    this.wakeAll();
  }

  /** Wakes every waiter to look again (e.g. on close, so nobody waits for a stopped service). */
  wakeAll(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  /** Resolves once the value is at least `target`; rejects after `timeoutMs`. */
  async reach(target: number, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#value < target) {
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`${what}: sequence ${target} not reached within ${timeoutMs} ms`);
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.#waiters.add(wake);
      });
    }
  }
}
