/**
 * What a plugin may consume: memory, CPU share, tasks (threads count), open files, and an
 * optional cumulative CPU-time backstop. One zod schema, its inferred type, and a parser whose
 * errors name the key and a fix.
 *
 * @module
 */
import { z } from "zod";
import { ResourceLimitsError } from "./errors.ts";

/**
 * Measured floors (2 vCPU VM, Deno 2.9.6): an idle `deno run` has 6 threads and ~29 MB RSS;
 * RLIMIT_NOFILE=16 makes Deno panic at startup while 24 starts, so 32 is the least we allow.
 */
export const RESOURCE_LIMIT_BOUNDS = {
  memoryMb: { min: 48, max: 1_048_576 },
  cpu: { min: 0.01, max: 256 },
  pids: { min: 16, max: 4_194_304 },
  openFiles: { min: 32, max: 1_048_576 },
  cpuSecondsBackstop: { min: 1, max: 31_536_000 },
  dataMb: { min: 1, max: 1_048_576 },
  dataFiles: { min: 10, max: 10_000_000 },
} as const;

const B = RESOURCE_LIMIT_BOUNDS;

/** Zod schema for {@linkcode ResourceLimits}; unknown keys are rejected so typos surface. */
export const resourceLimitsSchema = z.strictObject({
  /** Memory cap in MiB: cgroup memory (+swap) limit, or the watchdog's RSS limit. */
  memoryMb: z.number().int().min(B.memoryMb.min).max(B.memoryMb.max).default(256),
  /** CPU share as a fraction of one core (0.5 = half a core, 2 = two cores). */
  cpu: z.number().min(B.cpu.min).max(B.cpu.max).default(0.5),
  /** Max tasks. cgroup `pids.max` counts threads, and Deno runs ~6 threads idle + ~2 per Worker. */
  pids: z.number().int().min(B.pids.min).max(B.pids.max).default(64),
  /** RLIMIT_NOFILE (soft = hard). */
  openFiles: z.number().int().min(B.openFiles.min).max(B.openFiles.max).default(256),
  /**
   * Optional RLIMIT_CPU in seconds: *cumulative* CPU time, so it is a runaway backstop, not a
   * rate limit. The process gets SIGXCPU (exit 152) at this many seconds.
   */
  cpuSecondsBackstop: z.number().int().min(B.cpuSecondsBackstop.min).max(
    B.cpuSecondsBackstop.max,
  ).optional(),
  /**
   * The data dir's size quota in MiB; also RLIMIT_FSIZE, the kernel's cap on any one file the
   * plugin writes (see sandbox/process/data_quota.ts).
   */
  dataMb: z.number().int().min(B.dataMb.min).max(B.dataMb.max).default(64),
  /** The data dir's quota of entries (files, directories). */
  dataFiles: z.number().int().min(B.dataFiles.min).max(B.dataFiles.max).default(10_000),
});

/** Validated limits, defaults filled in. */
export type ResourceLimits = z.infer<typeof resourceLimitsSchema>;
/** What a caller (or a config file) may write: every key optional. */
export type ResourceLimitsInput = z.input<typeof resourceLimitsSchema>;

/**
 * The defaults: 256 MB, half a core, 64 tasks, 256 open files, no CPU-time backstop, a data dir
 * of 64 MiB in 10,000 files.
 */
export const DEFAULT_RESOURCE_LIMITS: ResourceLimits = Object.freeze(
  resourceLimitsSchema.parse({}),
);

const FIXES: Record<string, string> = {
  memoryMb:
    `write a whole number of MiB between ${B.memoryMb.min} and ${B.memoryMb.max}, e.g. memoryMb: 256`,
  cpu:
    `write a fraction of one core between ${B.cpu.min} and ${B.cpu.max}, e.g. cpu: 0.5 for half a core`,
  pids:
    `write a whole number of tasks (threads) between ${B.pids.min} and ${B.pids.max}, e.g. pids: 64`,
  openFiles:
    `write a whole number between ${B.openFiles.min} and ${B.openFiles.max}, e.g. openFiles: 256 (Deno panics at startup below ~24)`,
  cpuSecondsBackstop:
    `write a whole number of CPU seconds, e.g. cpuSecondsBackstop: 3600, or leave it out`,
  dataMb:
    `write a whole number of MiB between ${B.dataMb.min} and ${B.dataMb.max}, e.g. dataMb: 64`,
  dataFiles:
    `write a whole number of files between ${B.dataFiles.min} and ${B.dataFiles.max}, e.g. dataFiles: 10000`,
};

/**
 * Validates limits (from config or code) and fills defaults. Throws a
 * {@linkcode ResourceLimitsError} naming the first bad key and how to fix it.
 *
 * @example
 * ```ts
 * import { parseResourceLimits } from "./resource_limits.ts";
 * const limits = parseResourceLimits({ memoryMb: 128 }, "plugins.dice.limits");
 * console.assert(limits.cpu === 0.5);
 * ```
 */
export function parseResourceLimits(input: unknown, where = "limits"): ResourceLimits {
  const result = resourceLimitsSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new ResourceLimitsError(where, "is not valid", "see the documented keys");
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "?";
    return fail(
      `${where}.${key}`,
      `unknown key "${key}"`,
      `use only ${Object.keys(FIXES).join(", ")}`,
      result.error,
    );
  }
  if (issue.path.length === 0) {
    return fail(where, "must be an object", "write e.g. { memoryMb: 256, cpu: 0.5 }", result.error);
  }
  const key = String(issue.path[0]);
  const value = (input as Record<string, unknown>)[key];
  return fail(
    `${where}.${key}`,
    `${JSON.stringify(value) ?? String(value)} is not valid (${issue.message})`,
    FIXES[key] ?? "see the documented keys",
    result.error,
  );
}

function fail(key: string, problem: string, fix: string, cause: unknown): never {
  throw new ResourceLimitsError(key, problem, fix, { cause });
}
