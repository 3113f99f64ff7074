/**
 * Turns how a plugin process ended (exit code, signal, cgroup counters, watchdog verdict, the
 * tail of its stderr) into one cause and a sentence a bot operator can act on.
 *
 * Exit codes measured with Deno 2.9.6 on our hosts: 133 = SIGTRAP from V8 "Fatal JavaScript out
 * of memory" (heap limit); 137 = SIGKILL (cgroup OOM killer, watchdog, or someone's kill -9);
 * 152 = SIGXCPU from RLIMIT_CPU; 153 = SIGXFSZ from RLIMIT_FSIZE (a file reached the data quota
 * while no SIGXFSZ listener was installed, e.g. Deno's own permission audit log); 70 = unstable API used without its flag; 1 = uncaught error or
 * "Deno could not start" (e.g. threads refused by pids.max).
 *
 * @module
 */
import type { WatchdogVerdict } from "./watchdog.ts";

/** Every cause, as a constant object (for exhaustive switches and docs). */
export const EXIT_CAUSES = {
  cleanExit: "clean-exit",
  crash: "crash",
  heapExhausted: "heap-exhausted",
  memoryLimit: "memory-limit",
  cpuLimit: "cpu-limit",
  dataLimit: "data-limit",
  pidsLimit: "pids-limit",
  permissionDenied: "permission-denied",
  unstableApi: "unstable-api",
  killed: "killed",
  launchFailed: "launch-failed",
} as const;
export type ExitCause = typeof EXIT_CAUSES[keyof typeof EXIT_CAUSES];

/** Everything known about how the process ended. */
export interface ExitEvidence {
  code: number;
  signal: Deno.Signal | null;
  /** OOM kills counted by the plugin's own cgroup (one group per launch, so any is ours). */
  oomKills?: number;
  /** Thread/fork attempts refused by `pids.max`. */
  pidsLimitHits?: number;
  /** Set when the watchdog killed it. */
  watchdog?: WatchdogVerdict | null;
  /** Last lines the process wrote to stderr. */
  stderrTail?: readonly string[];
  /** The manager itself sent the signal (stop, restart, shutdown). */
  stoppedByManager?: boolean;
  /** CPU seconds consumed, and the RLIMIT_CPU backstop if one was set. */
  cpuSeconds?: number | null;
  cpuSecondsBackstop?: number | undefined;
  /** The limits, so sentences can quote them. */
  memoryMb?: number;
  cpu?: number;
  pids?: number;
}

/** A cause and a human sentence. */
export interface ExitClassification {
  cause: ExitCause;
  sentence: string;
}

const HEAP_PATTERNS = [
  /Fatal JavaScript out of memory/,
  /Reached heap limit/,
  /Fatal process out of memory/,
  /JavaScript heap out of memory/,
];
// What Deno prints when pids.max / RLIMIT_NPROC refuses a thread (measured: exit 1 after these).
const THREAD_PATTERNS = [
  /unable to create worker threads/,
  /failed to spawn thread/,
  /WouldBlock: Resource temporarily unavailable \(os error 11\)/,
];
// Our launch wrappers name themselves in their errors (sh -c '…' quicksilver-enter, setpriv:, …).
const LAUNCH_PATTERN = /^(quicksilver-enter|setpriv|prlimit|env):/;

/**
 * Classifies an exit.
 *
 * @example
 * ```ts
 * import { classifyExit } from "./exit_cause.ts";
 * const { cause } = classifyExit({ code: 137, signal: "SIGKILL", oomKills: 1, memoryMb: 64 });
 * console.assert(cause === "memory-limit");
 * ```
 */
export function classifyExit(e: ExitEvidence): ExitClassification {
  const tail = e.stderrTail ?? [];
  const has = (patterns: RegExp[]) => tail.some((l) => patterns.some((p) => p.test(l)));
  const killedBy = (sig: Deno.Signal, code: number) => e.signal === sig || e.code === code;
  const memory = e.memoryMb === undefined ? "its memory limit" : `its ${e.memoryMb} MB limit`;

  if (e.code === 0 && e.signal === null) {
    return { cause: "clean-exit", sentence: "It exited normally (code 0)." };
  }
  if (e.watchdog?.kind === "memory") {
    return {
      cause: "memory-limit",
      sentence: `The watchdog killed it: ${e.watchdog.message}. Raise limits.memoryMb or fix ` +
        `the leak (ArrayBuffers and Buffers are not bounded by --max-old-space-size).`,
    };
  }
  if ((e.oomKills ?? 0) > 0 && killedBy("SIGKILL", 137)) {
    return {
      cause: "memory-limit",
      sentence:
        `The kernel killed it for using more than ${memory} (cgroup oom_kill=${e.oomKills}). ` +
        `Raise limits.memoryMb or fix the leak.`,
    };
  }
  if (killedBy("SIGTRAP", 133) || has(HEAP_PATTERNS)) {
    return {
      cause: "heap-exhausted",
      sentence: 'Its JavaScript heap ran out (V8 "Fatal JavaScript out of memory", exit 133). ' +
        "Raise --max-old-space-size or keep less data in memory.",
    };
  }
  if (e.watchdog?.kind === "cpu") {
    return {
      cause: "cpu-limit",
      sentence:
        `The watchdog killed it: ${e.watchdog.message}. Look for a busy loop, or raise limits.cpu.`,
    };
  }
  const overBackstop = e.cpuSecondsBackstop !== undefined && e.cpuSeconds != null &&
    e.cpuSeconds >= e.cpuSecondsBackstop;
  if (killedBy("SIGXCPU", 152) || (overBackstop && killedBy("SIGKILL", 137))) {
    return {
      cause: "cpu-limit",
      sentence: `It used up its CPU-time backstop` +
        (e.cpuSecondsBackstop === undefined ? "" : ` of ${e.cpuSecondsBackstop} s`) +
        ` (SIGXCPU). Look for a busy loop, or raise limits.cpuSecondsBackstop.`,
    };
  }
  if (killedBy("SIGXFSZ", 153)) {
    return {
      cause: "data-limit",
      sentence: "A file it wrote reached the size cap of one file, limits.dataMb (RLIMIT_FSIZE, " +
        "SIGXFSZ). Raise limits.dataMb, or write less (after very many permission checks in " +
        "one launch Deno's own audit log of them reaches it too).",
    };
  }
  if (e.code !== 0 && ((e.pidsLimitHits ?? 0) > 0 || has(THREAD_PATTERNS))) {
    return {
      cause: "pids-limit",
      sentence: `It could not start another thread: its ${
        e.pids === undefined ? "task" : `${e.pids}-task`
      } limit was reached (each Worker costs ~2 threads). Use fewer Workers or raise limits.pids.`,
    };
  }
  if (e.signal === null && tail.some((l) => LAUNCH_PATTERN.test(l))) {
    return {
      cause: "launch-failed",
      sentence: `The sandbox wrapper failed before the plugin started: ${
        firstMatch(tail, LAUNCH_PATTERN)
      }`,
    };
  }
  if (e.signal === null && e.code === 70) {
    return {
      cause: "unstable-api",
      sentence: "It used an unstable Deno API without its --unstable-* flag (exit 70); " +
        "the plugin must not rely on it.",
    };
  }
  if (e.signal === null && tail.some((l) => l.includes("NotCapable"))) {
    return {
      cause: "permission-denied",
      sentence: `It stopped on a permission it was not granted: ${
        firstMatch(tail, /NotCapable/)
      }. Declare the access in the plugin's manifest, or remove the call.`,
    };
  }
  if (e.signal !== null) {
    return {
      cause: "killed",
      sentence: e.stoppedByManager
        ? `The manager stopped it (${e.signal}).`
        : `It was killed by ${e.signal} from outside the manager` +
          (e.signal === "SIGKILL" ? " (no OOM kill was recorded, so not the memory limit)." : "."),
    };
  }
  const error = firstMatch(tail, /^error: |Uncaught|panicked/);
  return {
    cause: "crash",
    sentence: e.code === 1
      ? `It crashed (exit 1)${error ? `: ${error}` : "."}`
      : `It exited with code ${e.code}${error ? `: ${error}` : "."}`,
  };
}

function firstMatch(lines: readonly string[], pattern: RegExp): string {
  const line = lines.find((l) => pattern.test(l)) ?? "";
  // deno-lint-ignore no-control-regex
  const clean = line.replace(/\x1b\[[0-9;]*m/g, "").trim();
  return clean.length > 200 ? `${clean.slice(0, 197)}...` : clean;
}
