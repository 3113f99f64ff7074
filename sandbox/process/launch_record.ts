/**
 * What one bot instance launched, kept on disk so that the next start of the *same* instance
 * (same state dir) can end whatever of it is still running before launching the plugin again.
 *
 * The kernel already ends a plugin when its manager dies (`setpriv --pdeathsig KILL`, see
 * launch_command.ts); this record covers what that cannot: a host without setpriv, the few
 * microseconds before setpriv runs, and runs of older versions. A process counts as ours only if
 * its pid *and* its start time (field 22 of `/proc/<pid>/stat`, clock ticks since boot) match
 * the record, so a recycled pid of someone else is never killed; and only the records of this
 * state dir are read, never anything found by uid or name (other bots and parallel tests run
 * plugins with the same names and uids on the same machine).
 *
 * The record lives in the manager's runtime dir (mode 0700, manager-owned): nothing a plugin
 * can write decides what is killed.
 *
 * @module
 */
import { z } from "zod";

/** One launched plugin process. */
export const LaunchRecordSchema = z.object({
  plugin: z.string(),
  launchId: z.string(),
  pid: z.number().int().positive(),
  /** Start time of the process in clock ticks since boot (`/proc/<pid>/stat` field 22). */
  startTicks: z.number().int().nonnegative(),
  uid: z.number().int().nullable(),
  /** The launch's own cgroup directories (unique per launch): whatever is in them is ours. */
  cgroupDirs: z.array(z.string()),
  managerPid: z.number().int(),
  /** Epoch ms. */
  startedAt: z.number(),
});
export type LaunchRecord = z.infer<typeof LaunchRecordSchema>;

/** A leftover that {@linkcode killLeftover} found running and killed. */
export interface KilledLeftover {
  record: LaunchRecord;
  /** Every pid that was killed (the recorded one and anything left in its cgroup). */
  killed: number[];
}

/** State and start time of a process, or null when it is gone or a zombie (runs no code). */
export function processStart(pid: number): { startTicks: number } | null {
  let stat: string;
  try {
    stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces: split after the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  if (state === undefined || state === "Z" || state === "X") return null;
  const startTicks = Number(fields[19]); // field 22 overall; fields[0] is field 3
  return Number.isFinite(startTicks) ? { startTicks } : null;
}

/** Records a launch at `path` (the manager's runtime dir); the record names `pid`. */
export async function writeLaunchRecord(
  path: string,
  launch: Omit<LaunchRecord, "startTicks" | "managerPid" | "startedAt">,
): Promise<void> {
  const start = processStart(launch.pid);
  if (start === null) return; // it already ended: nothing can be left over
  const record: LaunchRecord = {
    ...launch,
    startTicks: start.startTicks,
    managerPid: Deno.pid,
    startedAt: Date.now(),
  };
  const tmp = `${path}.${Deno.pid}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(record) + "\n", { mode: 0o600 });
  await Deno.rename(tmp, path);
}

/** Removes the record at `path` if it still names `pid` (a newer launch may have replaced it). */
export async function removeLaunchRecord(path: string, pid: number): Promise<void> {
  const record = await readRecord(path);
  if (record?.pid === pid) await Deno.remove(path).catch(() => undefined);
}

/**
 * Kills what the record at `path` names if it still runs (SIGKILL: a leftover may ignore
 * every other signal), with anything left in its cgroup, removes those cgroups and the record.
 * Resolves with what was killed, or null if nothing of it was running. Waits up to `waitMs`
 * (default 3000) for the killed processes to end.
 */
export async function killLeftover(
  path: string,
  options: { waitMs?: number } = {},
): Promise<KilledLeftover | null> {
  const record = await readRecord(path);
  if (record === null) {
    await Deno.remove(path).catch(() => undefined);
    return null;
  }
  const targets = new Set<number>();
  if (processStart(record.pid)?.startTicks === record.startTicks) targets.add(record.pid);
  for (const dir of record.cgroupDirs) {
    for (const pid of await cgroupProcs(dir)) if (processStart(pid) !== null) targets.add(pid);
  }
  for (const pid of targets) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // ended meanwhile
    }
  }
  const deadline = Date.now() + (options.waitMs ?? 3000);
  while ([...targets].some((pid) => processStart(pid) !== null) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  for (const dir of record.cgroupDirs) await removeCgroupDir(dir, deadline);
  await Deno.remove(path).catch(() => undefined);
  return targets.size > 0 ? { record, killed: [...targets] } : null;
}

async function readRecord(path: string): Promise<LaunchRecord | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return null;
  }
  try {
    const parsed = LaunchRecordSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

async function cgroupProcs(dir: string): Promise<number[]> {
  try {
    const text = await Deno.readTextFile(`${dir}/cgroup.procs`);
    return text.split("\n").filter((l) => /^\d+$/.test(l.trim())).map(Number);
  } catch {
    return [];
  }
}

/** rmdir on cgroupfs fails (EBUSY) while tasks are still exiting: retry until the deadline. */
async function removeCgroupDir(dir: string, deadline: number): Promise<void> {
  for (;;) {
    try {
      await Deno.remove(dir);
      return;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound || Date.now() >= deadline) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
