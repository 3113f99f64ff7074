/**
 * A bounded memory of recently seen ids: `add` answers whether the id is new. Used to run a
 * command once even when a durable publish delivered its message twice.
 */
export class RecentIds {
  readonly #ids = new Set<string>();
  readonly #capacity: number;

  constructor(capacity = 10_000) {
    this.#capacity = capacity;
  }

  /** Remembers `id`; false when it was already remembered. The oldest ids are forgotten first. */
  add(id: string): boolean {
    if (this.#ids.has(id)) return false;
    this.#ids.add(id);
    if (this.#ids.size > this.#capacity) {
      this.#ids.delete(this.#ids.values().next().value!);
    }
    return true;
  }
}
