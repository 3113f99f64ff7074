/**
 * The chaos run's child processes: each started under `setpriv --pdeathsig TERM` (the kernel
 * stops it if the run dies, however it dies), its stderr kept in a log file for the post
 * mortem, stopped with SIGTERM then SIGKILL, or killed on purpose with SIGKILL.
 *
 * @module
 */

/** One child process of the run. */
export class ChaosProcess {
  readonly name: string;
  readonly child: Deno.ChildProcess;
  readonly logFile: string;
  /** stderr so far (the last 64 KiB), to wait for a line and to quote on failure. */
  stderr = "";
  killed = false;
  /** For each watched name, when a line matching its pattern was last seen (ms, `Date.now()`). */
  readonly seen = new Map<string, number>();
  readonly #done: Promise<unknown>;

  constructor(
    name: string,
    command: string[],
    options: {
      cwd: string;
      logFile: string;
      env?: Record<string, string>;
      stdin?: boolean;
      /** Lines to note in {@linkcode seen}, by name. */
      watch?: Record<string, RegExp>;
    },
  ) {
    this.name = name;
    this.logFile = options.logFile;
    const child = new Deno.Command("setpriv", {
      args: ["--pdeathsig", "TERM", "--", ...command],
      cwd: options.cwd,
      ...(options.env ? { env: options.env } : {}),
      stdin: options.stdin ? "piped" : "null",
      stdout: options.stdin ? "piped" : "null",
      stderr: "piped",
    }).spawn();
    this.child = child;
    const log = Deno.openSync(options.logFile, { write: true, create: true, append: true });
    const watch = Object.entries(options.watch ?? {});
    this.#done = (async () => {
      const decoder = new TextDecoder();
      let partial = "";
      try {
        for await (const chunk of child.stderr) {
          log.writeSync(chunk);
          const text = decoder.decode(chunk, { stream: true });
          this.stderr = (this.stderr + text).slice(-65536);
          if (watch.length === 0) continue;
          const lines = (partial + text).split("\n");
          partial = lines.pop()!;
          for (const line of lines) {
            for (const [name, pattern] of watch) {
              if (pattern.test(line)) this.seen.set(name, Date.now());
            }
          }
        }
      } finally {
        log.close();
      }
    })();
  }

  get pid(): number {
    return this.child.pid;
  }

  /** SIGKILL, on purpose: the failure the run measures. */
  kill(): void {
    this.killed = true;
    try {
      this.child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }

  /** SIGTERM (the component's clean stop), SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    try {
      this.child.kill("SIGTERM");
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      try {
        this.child.kill("SIGKILL");
      } catch {
        // gone
      }
    }, graceMs);
    try {
      await this.child.status;
      await this.#done;
    } finally {
      clearTimeout(timer);
    }
  }
}
