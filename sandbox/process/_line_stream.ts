/**
 * Turns a child's byte pipe into a bounded stream of text lines. The pipe is always drained (a
 * plugin blocked on a full stdout pipe would look hung), so when nobody reads the lines, or
 * reads too slowly, the oldest unread are kept and newer ones are counted as dropped rather
 * than growing the manager's memory without bound.
 */

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

/**
 * Reads `source` to the end, calling `onLine` for each line (without the newline; a trailing
 * "\r" is removed). Resolves at EOF; never rejects (a broken pipe just ends the stream).
 *
 * `accept(bytes)` is asked for each chunk before it is decoded: a refused chunk is skipped
 * whole (no decoding, no splitting), and the line it cut is dropped up to its next newline, so
 * a flood past the caller's budget costs one call per chunk.
 */
export async function pumpLines(
  source: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
  options: { maxLineLength?: number; accept?: (bytes: number) => boolean } = {},
): Promise<void> {
  const maxLineLength = options.maxLineLength ?? 16384;
  const decoder = new TextDecoder();
  let partial = "";
  let resync = false;
  const emit = (line: string) => onLine(line.endsWith("\r") ? line.slice(0, -1) : line);
  try {
    for await (const chunk of source) {
      if (options.accept && !options.accept(chunk.byteLength)) {
        partial = "";
        resync = true;
        continue;
      }
      let text = decoder.decode(chunk, { stream: true });
      if (resync) {
        const newline = text.indexOf("\n");
        if (newline < 0) continue;
        text = text.slice(newline + 1);
        resync = false;
      }
      partial += text;
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

/** Removes ANSI colour codes, so evidence matching does not depend on NO_COLOR. */
export function stripAnsi(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
}
