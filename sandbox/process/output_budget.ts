/**
 * A per-plugin budget for what it writes to stdout and stderr. A plugin can write hundreds of
 * megabytes a second; the manager must drain the pipes (a plugin blocked on a full pipe looks
 * hung) but must not decode, log or store more than the budget. Two token buckets, refilled
 * continuously: bytes (checked per pipe chunk, before any decoding, so a flood past the cap
 * costs one counter update per chunk) and lines (checked per line that was decoded).
 *
 * @module
 */

/** Rates and bursts; every value > 0. */
export interface OutputLimits {
  /** Bytes per second kept, on average. Default 64 KiB/s. */
  bytesPerSecond: number;
  /** Bytes kept in one burst. Default 256 KiB. */
  burstBytes: number;
  /** Lines per second kept, on average. Default 50. */
  linesPerSecond: number;
  /** Lines kept in one burst. Default 500. */
  burstLines: number;
}

export const DEFAULT_OUTPUT_LIMITS: OutputLimits = {
  bytesPerSecond: 64 * 1024,
  burstBytes: 256 * 1024,
  linesPerSecond: 50,
  burstLines: 500,
};

/** Counts what was kept and dropped; `onFirstDrop` fires once, at the first drop. */
export class OutputBudget {
  readonly limits: OutputLimits;
  droppedBytes = 0;
  droppedLines = 0;
  /** Chunks dropped whole (their lines were never decoded, so they are not in droppedLines). */
  droppedChunks = 0;
  #bytes: number;
  #lines: number;
  #at: number;
  #onFirstDrop: (() => void) | undefined;
  readonly #now: () => number;

  constructor(
    limits: Partial<OutputLimits> = {},
    options: { onFirstDrop?: () => void; now?: () => number } = {},
  ) {
    this.limits = { ...DEFAULT_OUTPUT_LIMITS, ...limits };
    this.#now = options.now ?? (() => performance.now());
    this.#at = this.#now();
    this.#bytes = this.limits.burstBytes;
    this.#lines = this.limits.burstLines;
    this.#onFirstDrop = options.onFirstDrop;
  }

  /** Whether any output was dropped so far. */
  get flooding(): boolean {
    return this.droppedBytes > 0 || this.droppedLines > 0;
  }

  /** A pipe chunk of `bytes`: true to decode it, false to drop it whole (counted). */
  takeBytes(bytes: number): boolean {
    this.#refill();
    if (this.#bytes >= bytes) {
      this.#bytes -= bytes;
      return true;
    }
    this.#bytes = 0; // a flooder gets nothing until the bucket refills
    this.droppedBytes += bytes;
    this.droppedChunks++;
    this.#dropped();
    return false;
  }

  /** A decoded line: true to keep it, false to drop it (counted). */
  takeLine(length: number): boolean {
    this.#refill();
    if (this.#lines >= 1) {
      this.#lines -= 1;
      return true;
    }
    this.droppedLines++;
    this.droppedBytes += length + 1;
    this.#dropped();
    return false;
  }

  #refill() {
    const now = this.#now();
    const seconds = Math.max(0, (now - this.#at) / 1000);
    this.#at = now;
    this.#bytes = Math.min(
      this.limits.burstBytes,
      this.#bytes + seconds * this.limits.bytesPerSecond,
    );
    this.#lines = Math.min(
      this.limits.burstLines,
      this.#lines + seconds * this.limits.linesPerSecond,
    );
  }

  #dropped() {
    const first = this.#onFirstDrop;
    this.#onFirstDrop = undefined;
    first?.();
  }
}
