/**
 * The last chat lines of one channel, each kept as its JSON in a slot of one buffer allocated
 * once, and parsed again only when the dashboard asks for them (a page load).
 *
 * Why bytes and not the event objects: kept objects outlive V8's young generation and are copied
 * into the old one, whose growth decides when the next major GC pauses the thread. At 1000 chat
 * lines/s the dashboard's 100 lines per channel as objects were ~0.5 MB/s of promotion: a major GC
 * of the core's thread every ~13 s, each holding ~20-35 commands for up to ~30 ms
 * (docs/PERFORMANCE.md, "Session 6"). A line is written into its slot with
 * `TextEncoder.encodeInto` and nothing of it stays on the heap.
 */

/** Bytes per line: a chat line's envelope is ~250-700 bytes of JSON. */
const SLOT_BYTES = 2048;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class ChatRing<T> {
  readonly #capacity: number;
  readonly #slots: Uint8Array;
  readonly #lengths: Uint32Array;
  /** The rare line whose JSON is longer than a slot, by slot index. */
  readonly #long = new Map<number, string>();
  #next = 0;
  #count = 0;

  constructor(capacity: number) {
    this.#capacity = Math.max(1, capacity);
    this.#slots = new Uint8Array(this.#capacity * SLOT_BYTES);
    this.#lengths = new Uint32Array(this.#capacity);
  }

  /** Keeps `line`, forgetting the oldest once `capacity` lines are kept. */
  push(line: T): void {
    const index = this.#next;
    this.#next = (index + 1) % this.#capacity;
    this.#count = Math.min(this.#count + 1, this.#capacity);
    this.#long.delete(index);
    const json = JSON.stringify(line);
    const start = index * SLOT_BYTES;
    const { read, written } = encoder.encodeInto(
      json,
      this.#slots.subarray(start, start + SLOT_BYTES),
    );
    if (read < json.length) {
      this.#long.set(index, json);
      this.#lengths[index] = 0;
    } else {
      this.#lengths[index] = written;
    }
  }

  /** The kept lines, oldest first, each a fresh copy. */
  lines(): T[] {
    const lines: T[] = [];
    for (let i = 0; i < this.#count; i++) {
      const index = (this.#next - this.#count + i + this.#capacity) % this.#capacity;
      const start = index * SLOT_BYTES;
      const json = this.#long.get(index) ??
        decoder.decode(this.#slots.subarray(start, start + this.#lengths[index]!));
      lines.push(JSON.parse(json) as T);
    }
    return lines;
  }
}
