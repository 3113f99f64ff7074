/**
 * What both cgroup versions share: the per-launch group handle, its stats, how groups are
 * named, and the start-of-manager sweep of groups left behind by a crashed run.
 *
 * Groups live under `<controller dir of the manager's own cgroup>/quicksilver/`. Nesting under
 * the manager's cgroup (not the hierarchy root) is what cgroup delegation expects, keeps plugins
 * charged to whoever runs the manager, and never touches anyone else's groups.
 *
 * @module
 */
import type { Logger } from "../../core/log/mod.ts";
import { silentLogger } from "../../core/log/mod.ts";
import { errorText, listProcs, removeGroupDir } from "./_cgroup_fs.ts";
import { CgroupError } from "./errors.ts";
import type { LimitSupport } from "./detect.ts";

/** Counters read back from a plugin's cgroup. `null` where this host's cgroup has no such file. */
export interface CgroupStats {
  /** Memory charged to the group now (RSS + page cache + kernel memory). */
  memoryBytes: number;
  /** Highest memory charge seen (v1 `max_usage_in_bytes`, v2 `memory.peak`). */
  memoryPeakBytes: number | null;
  /** How many times the kernel OOM-killed a task of this group. Evidence for `memory-limit`. */
  oomKills: number;
  /** CPU time used by the group, in seconds (cpuacct on v1, `cpu.stat usage_usec` on v2). */
  cpuSeconds: number | null;
  /** CFS periods in which the group hit its quota. > 0 means the CPU limit bit. */
  nrThrottled: number;
  /** Total time the group was held back by the CPU quota, in seconds. */
  throttledSeconds: number;
  /** Tasks (threads) in the group now. */
  pidsCurrent: number;
  /** Highest task count seen, if the kernel reports it. */
  pidsPeak: number | null;
  /** How many forks/thread creations the `pids.max` limit refused. Evidence for `pids-limit`. */
  pidsLimitHits: number;
}

/** One plugin launch's cgroup (on v1: one directory per controller). */
export interface CgroupGroup {
  readonly version: 1 | 2;
  /** `<plugin>-<launchId>`. */
  readonly name: string;
  /** Every directory that belongs to this group. */
  readonly dirs: readonly string[];
  /** The `cgroup.procs` files a process must write its pid into to join the group. */
  readonly procsFiles: readonly string[];
  /** Reads the counters; after {@linkcode CgroupGroup.remove} returns the last reading. */
  stats(): Promise<CgroupStats>;
  /** Pids in the group now. */
  procs(): Promise<number[]>;
  /** Kills what is left and removes the directories, retrying while the kernel says busy. */
  remove(options?: { timeoutMs?: number }): Promise<void>;
}

/** The folder under each controller that holds our groups. */
export const CGROUP_BASE_NAME = "quicksilver";

/**
 * A launch id that also records the manager's pid, so the stale sweep can tell a group of a
 * live manager (another process, e.g. a parallel test) from one left by a crashed run.
 */
export function newLaunchId(): string {
  const random = crypto.getRandomValues(new Uint8Array(4));
  return `${Deno.pid}.${Array.from(random, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** `<plugin>-<launchId>`, with the plugin name reduced to characters safe in a path. */
export function cgroupName(plugin: string, launchId: string): string {
  const safe = plugin.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64) || "plugin";
  const safeLaunch = launchId.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 40);
  return `${safe}-${safeLaunch}`;
}

/** The manager pid recorded in a group name by {@linkcode newLaunchId}, or null. */
export function managerPidOf(groupName: string): number | null {
  // `.probe-<pid>` is the throw-away group detection creates (see detect.ts).
  const match = /-(\d+)\.[0-9a-f]+$/.exec(groupName) ?? /^\.probe-(\d+)$/.exec(groupName);
  return match ? Number(match[1]) : null;
}

/** Outcome of {@linkcode cleanupStaleCgroups}. */
export interface StaleCleanupReport {
  /** Group names removed (after killing leftover tasks when asked to). */
  removed: string[];
  /** Groups left alone, with the reason in plain words. */
  kept: { name: string; reason: string }[];
}

export interface StaleCleanupOptions {
  /** Kill tasks still in a stale group (orphaned plugins of a crashed manager). Default true. */
  killOrphans?: boolean;
  logger?: Logger;
  /** Whether a manager pid is alive; default checks `/proc/<pid>`. */
  isAlive?: (pid: number) => boolean;
}

/** The `quicksilver` base directories of this host (one per controller on v1, one on v2). */
export function cgroupBaseDirs(support: LimitSupport): string[] {
  const layout = support.cgroup;
  if (layout === null) return [];
  if (layout.version === 2) return [layout.base];
  const { memory, cpu, pids, cpuacct } = layout.base;
  return [...new Set([memory, cpu, pids, ...(cpuacct ? [cpuacct] : [])])];
}

/**
 * Removes `quicksilver/*` groups left by earlier runs whose manager is gone. Call once at manager
 * start. Groups whose name records a live manager pid (including this process) are kept; tasks
 * still running in a stale group (orphaned plugins) are killed first unless `killOrphans` is false.
 *
 * @example
 * ```ts ignore
 * const support = await detectLimitSupport();
 * const { removed } = await cleanupStaleCgroups(support, { logger });
 * ```
 */
export async function cleanupStaleCgroups(
  where: LimitSupport | readonly string[],
  options: StaleCleanupOptions = {},
): Promise<StaleCleanupReport> {
  const log = options.logger ?? silentLogger;
  const isAlive = options.isAlive ?? pidAlive;
  const baseDirs = "mechanism" in where ? cgroupBaseDirs(where) : where;
  const byName = new Map<string, string[]>();
  for (const base of new Set(baseDirs)) {
    try {
      for await (const entry of Deno.readDir(base)) {
        if (!entry.isDirectory) continue;
        const list = byName.get(entry.name) ?? [];
        list.push(`${base}/${entry.name}`);
        byName.set(entry.name, list);
      }
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) continue;
      throw new CgroupError(`cannot list ${base}: ${errorText(err)}`, base, { cause: err });
    }
  }
  const report: StaleCleanupReport = { removed: [], kept: [] };
  for (const [name, dirs] of byName) {
    const owner = managerPidOf(name);
    if (owner !== null && (owner === Deno.pid || isAlive(owner))) {
      report.kept.push({ name, reason: `its manager (pid ${owner}) is still running` });
      continue;
    }
    const procs = new Set<number>();
    for (const dir of dirs) for (const pid of await listProcs(dir)) procs.add(pid);
    if (procs.size > 0 && !(options.killOrphans ?? true)) {
      report.kept.push({ name, reason: `tasks ${[...procs].join(", ")} still run in it` });
      continue;
    }
    try {
      for (const dir of dirs) await removeGroupDir(dir, { killRemaining: true });
      report.removed.push(name);
      log.info("removed stale cgroup from an earlier run", {
        group: name,
        killedTasks: [...procs],
      });
    } catch (err) {
      report.kept.push({ name, reason: errorText(err) });
      log.warn("could not remove stale cgroup", { group: name, error: err });
    }
  }
  return report;
}

/**
 * Removes the empty `quicksilver` base folders (call at manager shutdown, after every plugin
 * stopped). A folder still holding groups, e.g. of another manager, is left alone.
 */
export async function removeCgroupBase(support: LimitSupport): Promise<void> {
  for (const base of cgroupBaseDirs(support)) {
    // rmdir on cgroupfs fails with EBUSY while child groups exist: exactly the guard we want.
    await Deno.remove(base).catch(() => {});
  }
}

function pidAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}
