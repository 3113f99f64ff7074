/**
 * Small helpers for cgroupfs: read/write interface files with errors that name the path, parse
 * "key value" files, and remove a group while the kernel still reports it busy.
 */
import { CgroupBusyError, CgroupError } from "./errors.ts";

export async function readText(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    throw new CgroupError(`cannot read ${path}: ${errorText(err)}`, path, { cause: err });
  }
}

/** Reads a file, or returns null when it does not exist (optional interface files). */
export async function readOptional(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw new CgroupError(`cannot read ${path}: ${errorText(err)}`, path, { cause: err });
  }
}

export async function writeText(path: string, value: string): Promise<void> {
  try {
    // cgroupfs wants one write() per value; writeTextFile does exactly that for short strings.
    await Deno.writeTextFile(path, value);
  } catch (err) {
    throw new CgroupError(`cannot write "${value}" to ${path}: ${errorText(err)}`, path, {
      cause: err,
    });
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** Parses `key value` lines (cpu.stat, memory.events, memory.oom_control, pids.events). */
export function parseKeyValues(text: string | null): Map<string, number> {
  const out = new Map<string, number>();
  if (text === null) return out;
  for (const line of text.split("\n")) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^-?\d+$/.test(value)) out.set(key, Number(value));
  }
  return out;
}

/** Parses a single-number file; "max" (v2) becomes Infinity; missing file becomes null. */
export function parseNumber(text: string | null): number | null {
  if (text === null) return null;
  const t = text.trim();
  if (t === "max") return Infinity;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** The pids listed in a group's `cgroup.procs` (empty if the group is gone). */
export async function listProcs(dir: string): Promise<number[]> {
  const text = await readOptional(`${dir}/cgroup.procs`).catch(() => null);
  if (text === null) return [];
  return text.split("\n").filter((l) => /^\d+$/.test(l.trim())).map((l) => Number(l));
}

export interface RemoveOptions {
  /** How long to retry while the kernel says EBUSY (tasks still exiting). Default 3000 ms. */
  timeoutMs?: number;
  /** SIGKILL any task still in the group before retrying. Default true. */
  killRemaining?: boolean;
}

/**
 * Removes a cgroup directory. Right after the last task exits, rmdir can fail with EBUSY while
 * the kernel reaps it, so we retry with a short backoff until `timeoutMs`.
 */
export async function removeGroupDir(dir: string, options: RemoveOptions = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 3000);
  let delay = 10;
  while (true) {
    try {
      await Deno.remove(dir);
      return;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return;
      if (!isBusy(err)) {
        throw new CgroupError(`cannot remove cgroup ${dir}: ${errorText(err)}`, dir, {
          cause: err,
        });
      }
      const procs = await listProcs(dir);
      if (options.killRemaining ?? true) {
        for (const pid of procs) {
          try {
            Deno.kill(pid, "SIGKILL");
          } catch {
            // already gone: nothing to kill
          }
        }
      }
      if (Date.now() >= deadline) {
        throw new CgroupBusyError(
          `cgroup ${dir} is still busy after ${options.timeoutMs ?? 3000} ms ` +
            `(tasks: ${procs.join(", ") || "none listed"}); kill them and remove it by hand`,
          dir,
          { cause: err },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 100);
    }
  }
}

export function isBusy(err: unknown): boolean {
  return err instanceof Deno.errors.Busy ||
    (typeof err === "object" && err !== null && (err as { code?: unknown }).code === "EBUSY");
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
