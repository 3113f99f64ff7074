/**
 * `deno task dev` as a test drives it: its own process in a temp home, stdin to type into, and
 * stdout/stderr collected as they arrive, so a test can wait for what a person would see.
 */
import { CORE_DENO_FLAGS } from "../../scripts/core_flags.ts";
import { REPO_ROOT, waitFor } from "@quicksilver/testbed";

/** How to run dev: see {@linkcode DevProcess.start}. */
export interface DevOptions {
  deno?: string;
  task?: boolean;
  /** Variables added to the inherited environment (e.g. an API key a plugin's config names). */
  env?: Record<string, string>;
}

export class DevProcess implements AsyncDisposable {
  stdout = "";
  stderr = "";
  readonly #child: Deno.ChildProcess;
  readonly #input: WritableStreamDefaultWriter<Uint8Array>;
  readonly #reading: Promise<unknown>;

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#input = child.stdin.getWriter();
    this.#reading = Promise.all([
      (async () => {
        for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
          this.stdout += chunk;
        }
      })(),
      (async () => {
        for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
          this.stderr += chunk;
        }
      })(),
    ]);
  }

  /**
   * Starts `scripts/dev.ts --home <home> ...args` and waits until it says it is running. With
   * `task: true` it runs as the README says, `deno task dev` in the checkout (so Deno's own
   * warnings show too); `deno` is the executable to run it with (default `Deno.execPath()`).
   */
  static async start(
    home: string,
    args: string[] = [],
    options: DevOptions = {},
  ): Promise<DevProcess> {
    const dev = DevProcess.spawn(home, args, options);
    try {
      await waitFor(() => dev.stderr.includes("Quicksilver is running"), {
        timeoutMs: 60_000,
        what: "deno task dev to start",
      });
    } catch (error) {
      await dev.close();
      throw new Error(`${(error as Error).message}\n${dev.stderr}`);
    }
    return dev;
  }

  /** Starts `scripts/dev.ts --home <home> ...args` (options as for `start`) without waiting. */
  static spawn(
    home: string,
    args: string[] = [],
    options: DevOptions = {},
  ): DevProcess {
    const child = new Deno.Command(options.deno ?? Deno.execPath(), {
      args: options.task ? ["task", "dev", "--home", home, ...args] : [
        "run",
        "--allow-all",
        ...CORE_DENO_FLAGS,
        `${REPO_ROOT}/scripts/dev.ts`,
        "--home",
        home,
        ...args,
      ],
      cwd: options.task ? REPO_ROOT : home,
      ...(options.env ? { env: options.env } : {}),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    return new DevProcess(child);
  }

  get pid(): number {
    return this.#child.pid;
  }

  /** Types one line into the shell. */
  type(line: string): Promise<void> {
    return this.#input.write(new TextEncoder().encode(`${line}\n`));
  }

  /** Waits until stdout matches. */
  async waitForOutput(pattern: RegExp, what: string, timeoutMs = 10_000): Promise<void> {
    await waitFor(() => pattern.test(this.stdout), { timeoutMs, what });
  }

  /** Sends a signal to the dev process (as Ctrl-C or a service manager would). */
  signal(signal: Deno.Signal): void {
    this.#child.kill(signal);
  }

  /** Its exit status, once it ends (without closing its input). */
  get status(): Promise<Deno.CommandStatus> {
    return this.#child.status;
  }

  /** Ends input (the shell's EOF) and waits for the exit; returns the exit code. */
  async close(): Promise<number> {
    await this.#input.close().catch(() => undefined);
    const status = await this.#child.status;
    await this.#reading;
    return status.code;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
