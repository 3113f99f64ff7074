/**
 * Group commit for state kept in memory and saved to a file: every change asks for a save, and
 * changes made while a save is running are written together by the next one. Each caller's
 * promise resolves once a save that started after its change is done, so "await, then ack"
 * stays true, but a busy service writes a few times a second instead of once per change.
 *
 * `save` must take its snapshot synchronously, before its first `await` (e.g. start with
 * `JSON.stringify(state)`): changes made after that belong to the next save.
 *
 * @example
 * ```ts
 * import { GroupCommit } from "./group_commit.ts";
 * const state = { n: 0 };
 * let writes = 0;
 * const commit = new GroupCommit(async () => {
 *   const text = JSON.stringify(state);
 *   writes++;
 *   await Promise.resolve(text);
 * });
 * await Promise.all([1, 2, 3].map(() => (state.n++, commit.request())));
 * console.assert(writes <= 2);
 * ```
 */
export class GroupCommit {
  readonly #save: () => Promise<void>;
  readonly #minIntervalMs: number;
  /** The save that will include changes made now (not started yet). */
  #next: Promise<void> | undefined;
  /** The save being written. */
  #writing: Promise<void> | undefined;
  #lastStart = 0;

  constructor(save: () => Promise<void>, options: { minIntervalMs?: number } = {}) {
    this.#save = save;
    this.#minIntervalMs = options.minIntervalMs ?? 0;
  }

  /** Joins the next save; resolves (or rejects) with it. */
  request(): Promise<void> {
    this.#next ??= (async () => {
      await this.#writing?.catch(() => undefined);
      const wait = this.#lastStart + this.#minIntervalMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      this.#lastStart = Date.now();
      // From here on, new changes belong to the save after this one.
      this.#next = undefined;
      const writing = this.#save();
      this.#writing = writing;
      try {
        await writing;
      } finally {
        if (this.#writing === writing) this.#writing = undefined;
      }
    })();
    return this.#next;
  }

  /** Waits for every save asked for so far. */
  async flush(): Promise<void> {
    await this.#next;
    await this.#writing;
  }
}
