/**
 * Timers owned by the plugin's lifetime: the runner cancels every one of them when the plugin
 * stops, so a forgotten interval never keeps a stopping plugin alive. A throwing callback is
 * logged, never fatal.
 */

export interface Timers {
  /** Runs `fn` once after `ms`; returns a function that cancels it. */
  after(ms: number, fn: () => void | Promise<void>): () => void;
  /** Runs `fn` every `ms` (at least 100 ms); returns a function that cancels it. */
  every(ms: number, fn: () => void | Promise<void>): () => void;
}

/** The runner's implementation; {@linkcode TimerSet.clear} cancels everything. */
export class TimerSet implements Timers {
  readonly #timeouts = new Set<ReturnType<typeof setTimeout>>();
  readonly #intervals = new Set<ReturnType<typeof setInterval>>();
  readonly #onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  after(ms: number, fn: () => void | Promise<void>): () => void {
    const id = setTimeout(() => {
      this.#timeouts.delete(id);
      this.#run(fn);
    }, Math.max(0, ms));
    this.#timeouts.add(id);
    return () => {
      clearTimeout(id);
      this.#timeouts.delete(id);
    };
  }

  every(ms: number, fn: () => void | Promise<void>): () => void {
    const id = setInterval(() => this.#run(fn), Math.max(100, ms));
    this.#intervals.add(id);
    return () => {
      clearInterval(id);
      this.#intervals.delete(id);
    };
  }

  clear(): void {
    for (const id of this.#timeouts) clearTimeout(id);
    for (const id of this.#intervals) clearInterval(id);
    this.#timeouts.clear();
    this.#intervals.clear();
  }

  #run(fn: () => void | Promise<void>) {
    try {
      Promise.resolve(fn()).catch(this.#onError);
    } catch (error) {
      this.#onError(error);
    }
  }
}
