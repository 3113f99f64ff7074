/**
 * A log file that rotates by size, as logrotate's `size` + `rotate N` do: when the next line
 * would take `path` past `maxBytes`, `path.N-1` becomes `path.N` (the oldest is deleted),
 * ..., `path` becomes `path.1`, and a new `path` is started. So the log never takes more than
 * about `maxBytes * (keep + 1)` on disk, whatever a component (or a plugin) writes.
 *
 * @module
 */

export interface RotatingFileOptions {
  /** Size at which the file is rotated, in bytes (> 0). */
  maxBytes: number;
  /** Rotated files kept (`path.1` ... `path.<keep>`); 0 keeps none (the file is truncated). */
  keep: number;
}

/** An append-only, size-rotated log file; writes are synchronous (a log line is never lost to a crash). */
export class RotatingFile {
  readonly path: string;
  readonly #options: RotatingFileOptions;
  readonly #encoder = new TextEncoder();
  #file: Deno.FsFile;
  #size: number;
  #closed = false;

  private constructor(path: string, options: RotatingFileOptions, file: Deno.FsFile, size: number) {
    this.path = path;
    this.#options = options;
    this.#file = file;
    this.#size = size;
  }

  /**
   * Opens (appends to) `path`.
   *
   * @example
   * ```ts ignore
   * const log = RotatingFile.openSync(".rosey/logs/rosey.log", { maxBytes: 20e6, keep: 5 });
   * log.writeLine('{"msg":"hello"}');
   * log.close();
   * ```
   */
  static openSync(path: string, options: RotatingFileOptions): RotatingFile {
    if (!(options.maxBytes > 0) || !Number.isInteger(options.keep) || options.keep < 0) {
      throw new RangeError(
        `RotatingFile ${path}: maxBytes must be > 0 and keep an integer >= 0 ` +
          `(got ${options.maxBytes}, ${options.keep})`,
      );
    }
    const file = Deno.openSync(path, { create: true, append: true });
    return new RotatingFile(path, options, file, file.statSync().size);
  }

  /** Appends `line` and a newline, rotating first if it would pass `maxBytes`. */
  writeLine(line: string): void {
    if (this.#closed) return;
    const bytes = this.#encoder.encode(line + "\n");
    if (this.#size > 0 && this.#size + bytes.length > this.#options.maxBytes) this.#rotate();
    let written = 0;
    while (written < bytes.length) written += this.#file.writeSync(bytes.subarray(written));
    this.#size += bytes.length;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#file.close();
  }

  #rotate() {
    this.#file.close();
    const { keep } = this.#options;
    if (keep === 0) {
      this.#file = Deno.openSync(this.path, { create: true, write: true, truncate: true });
      this.#size = 0;
      return;
    }
    try {
      Deno.removeSync(`${this.path}.${keep}`);
    } catch { /* not there yet */ }
    for (let n = keep - 1; n >= 1; n--) {
      try {
        Deno.renameSync(`${this.path}.${n}`, `${this.path}.${n + 1}`);
      } catch { /* not there yet */ }
    }
    Deno.renameSync(this.path, `${this.path}.1`);
    this.#file = Deno.openSync(this.path, { create: true, append: true });
    this.#size = 0;
  }
}
