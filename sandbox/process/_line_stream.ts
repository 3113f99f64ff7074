/**
 * Turns a child's byte pipe into a bounded stream of text lines. The pipe is always drained (a
 * plugin blocked on a full stdout pipe would look hung), so when nobody reads the lines, or
 * reads too slowly, the oldest unread are kept and newer ones are counted as dropped rather
 * than growing the manager's memory without bound.
 */

import { Buffer } from "node:buffer";

export interface LineChannelOptions {
  /** Unread lines kept before dropping. Default 1000. */
  maxQueuedLines?: number;
  /** Longer lines are split at this many characters. Default 16384. */
  maxLineLength?: number;
}

/** A bounded queue of lines exposed as a ReadableStream. */
export class LineChannel {
  readonly readable: ReadableStream<string>;
  /** Lines discarded because the reader fell behind. */
  dropped = 0;
  #controller!: ReadableStreamDefaultController<string>;
  #closed = false;

  constructor(options: LineChannelOptions = {}) {
    this.readable = new ReadableStream<string>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        cancel: () => {
          this.#closed = true;
        },
      },
      new CountQueuingStrategy({ highWaterMark: options.maxQueuedLines ?? 1000 }),
    );
  }

  push(line: string): void {
    if (this.#closed) return;
    if ((this.#controller.desiredSize ?? 0) > 0) this.#controller.enqueue(line);
    else this.dropped++;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#controller.close();
  }
}

/** Options of {@linkcode pumpLines}. */
export interface PumpOptions {
  /** Longer lines are split at this many characters. Default 16384. */
  maxLineLength?: number;
  /** Asked for each chunk before it is decoded: false skips the chunk (see `keepPrefix`). */
  accept?: (bytes: number) => boolean;
  /**
   * Lines starting with this pass even inside refused chunks: the runner's signed reports
   * (`<tripwire prefix><launch token> `), which plugin code cannot write (it does not know the
   * token), so a plugin cannot drown them in a flood of its own output.
   */
  keepPrefix?: string;
}

/**
 * Reads `source` to the end, calling `onLine` for each line (without the newline; a trailing
 * "\r" is removed). Resolves at EOF; never rejects (a broken pipe just ends the stream).
 *
 * `accept(bytes)` is asked for each chunk before it is decoded: a refused chunk is skipped
 * whole (no decoding, no splitting), and the line it cut is dropped up to its next newline, so
 * a flood past the caller's budget costs one call per chunk, plus a native byte search for
 * `keepPrefix` when one is given (those lines are still emitted, even across chunks).
 */
export async function pumpLines(
  source: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
  options: PumpOptions = {},
): Promise<void> {
  const maxLineLength = options.maxLineLength ?? 16384;
  const decoder = new TextDecoder();
  const keeper = options.keepPrefix ? new KeptLines(options.keepPrefix, maxLineLength) : null;
  let partial = "";
  let resync = false;
  const emit = (line: string) => onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
  try {
    for await (const chunk of source) {
      if (options.accept && !options.accept(chunk.byteLength)) {
        // The line cut here may be a kept one (or the start of its prefix): followed, checked
        // once whole.
        const prefix = options.keepPrefix ?? "";
        if (
          keeper && !resync && partial && (partial.startsWith(prefix) || prefix.startsWith(partial))
        ) {
          keeper.begin(partial);
        }
        keeper?.scan(chunk, emit);
        partial = "";
        resync = true;
        continue;
      }
      let bytes = chunk;
      if (resync) {
        // The rest of the line a refused chunk cut: dropped, but a kept line may end in it.
        const newline = bytes.indexOf(10);
        keeper?.scan(newline < 0 ? bytes : bytes.subarray(0, newline + 1), emit);
        if (newline < 0) continue;
        bytes = bytes.subarray(newline + 1);
        keeper?.reset();
        resync = false;
      }
      partial += decoder.decode(bytes, { stream: true });
      let start = 0;
      let newline: number;
      while ((newline = partial.indexOf("\n", start)) >= 0) {
        emit(partial.slice(start, newline));
        start = newline + 1;
      }
      partial = partial.slice(start);
      while (partial.length > maxLineLength) {
        emit(partial.slice(0, maxLineLength));
        partial = partial.slice(maxLineLength);
      }
    }
  } catch {
    // The pipe broke (process killed mid-write): whatever arrived has been emitted.
  }
  partial += decoder.decode();
  if (partial.length > 0 && !resync) emit(partial);
}

/**
 * Finds the lines starting with a marker in bytes that are otherwise skipped, across chunk
 * boundaries (the marker or its line may be split between two reads).
 */
class KeptLines {
  readonly #marker: Buffer;
  readonly #maxBytes: number;
  /** The last bytes of the skipped stream, too short to hold the marker yet. */
  #carry = new Uint8Array(0);
  /** A kept line begun but not ended yet. */
  #line: Uint8Array[] | null = null;
  #lineBytes = 0;

  constructor(marker: string, maxBytes: number) {
    this.#marker = Buffer.from(marker);
    this.#maxBytes = maxBytes;
  }

  /** A kept line already begun in text that was decoded (and is now cut by a skipped chunk). */
  begin(text: string): void {
    this.#line = [new TextEncoder().encode(text)];
    this.#lineBytes = this.#line[0]!.byteLength;
  }

  reset(): void {
    this.#carry = new Uint8Array(0);
    this.#line = null;
  }

  scan(chunk: Uint8Array, emit: (line: string) => void): void {
    let bytes = chunk;
    if (this.#line) {
      const newline = bytes.indexOf(10);
      this.#append(newline < 0 ? bytes : bytes.subarray(0, newline));
      if (newline < 0) return;
      const line = Buffer.concat(this.#line);
      this.#line = null;
      const marked = line.subarray(0, this.#marker.byteLength).equals(this.#marker);
      if (marked && line.byteLength <= this.#maxBytes) emit(line.toString("utf8"));
      bytes = bytes.subarray(newline + 1);
    }
    const buf = this.#carry.byteLength > 0
      ? Buffer.concat([this.#carry, bytes])
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = 0;
    for (;;) {
      const found = buf.indexOf(this.#marker, at);
      if (found < 0) break;
      const newline = buf.indexOf(10, found);
      if (newline < 0) {
        this.#line = [];
        this.#lineBytes = 0;
        this.#append(buf.subarray(found));
        this.#carry = new Uint8Array(0);
        return;
      }
      emit(buf.subarray(found, newline).toString("utf8"));
      at = newline + 1;
    }
    const keep = Math.max(at, buf.byteLength - (this.#marker.byteLength - 1));
    this.#carry = buf.slice(keep);
  }

  #append(bytes: Uint8Array): void {
    if (!this.#line) return;
    this.#lineBytes += bytes.byteLength;
    // Longer than any line the runner writes: not one of its reports, stop collecting.
    if (this.#lineBytes > this.#maxBytes) this.#line = null;
    else this.#line.push(bytes.slice());
  }
}

/** Removes ANSI colour codes, so evidence matching does not depend on NO_COLOR. */
export function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
}
