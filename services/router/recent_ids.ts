/**
 * A bounded memory of recently seen ids: `add` answers whether the id is new. Used to run a
 * command once even when a durable publish delivered its message twice.
 */
export class RecentIds {
  readonly #ids = new Set<string>();
  /**
   * Insertion order, as a ring: asking the Set for its oldest entry instead walks over every
   * deleted slot before it (measured: 2 % of the router's CPU at 8000 commands/s).
   */
  readonly #ring: (string | undefined)[];
  #next = 0;

  constructor(capacity = 10_000) {
    this.#ring = new Array(Math.max(1, capacity)).fill(undefined);
  }

  /** Whether `id` is remembered. */
  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** Remembers `id`; false when it was already remembered. The oldest ids are forgotten first. */
  add(id: string): boolean {
    if (this.#ids.has(id)) return false;
    const oldest = this.#ring[this.#next];
    if (oldest !== undefined) this.#ids.delete(oldest);
    this.#ring[this.#next] = id;
    this.#next = (this.#next + 1) % this.#ring.length;
    this.#ids.add(id);
    return true;
  }
}
