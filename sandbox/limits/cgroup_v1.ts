/**
 * cgroup v1: one directory per controller (memory, cpu, pids, and cpuacct when it is a separate
 * hierarchy). Measured on our hybrid hosts: `memory.limit_in_bytes` + `memsw` get the hog
 * SIGKILLed (exit 137) with `oom_kill` counted in `memory.oom_control`; `cfs_quota_us=50000` of a
 * 100000 period held a busy loop at 50.1-50.5 % of a core; `pids.max` makes thread creation
 * fail with WouldBlock.
 *
 * @module
 */
import type { ResourceLimits } from "./resource_limits.ts";
import type { CgroupGroup, CgroupStats } from "./cgroup.ts";
import {
  errorText,
  exists,
  listProcs,
  parseKeyValues,
  parseNumber,
  readOptional,
  readText,
  removeGroupDir,
  writeText,
} from "./_cgroup_fs.ts";
import { CgroupError } from "./errors.ts";

/** Where our groups go on a v1 host: the `quicksilver` folder in each controller. */
export interface CgroupV1Layout {
  version: 1;
  base: {
    memory: string;
    cpu: string;
    pids: string;
    /** Separate cpuacct hierarchy (for CPU usage); equals `cpu` when co-mounted; null if absent. */
    cpuacct: string | null;
  };
  /** `memory.memsw.limit_in_bytes` exists, so swap can be capped too (kernel swapaccount=1). */
  memsw: boolean;
}

/**
 * CFS period: 1 s (the kernel's maximum) rather than the 100 ms default. The share over time is
 * the same (a busy loop at cpu 0.5 still gets 50 % of a core), but a plugin may burst up to its
 * quota at once, which is what start-up needs: measured with `deno task bench`, the median
 * plugin cold start fell from ~510 ms (100 ms period) to ~240 ms, because loading the runner
 * takes ~150 ms of CPU on several threads that a 50 ms-per-100 ms quota kept stalling.
 */
export const CFS_PERIOD_US = 1_000_000;

/** The CFS quota for a CPU share; the kernel's floor is 1 ms. */
export function cfsQuotaUs(cpu: number): number {
  return Math.max(1000, Math.round(cpu * CFS_PERIOD_US));
}

/**
 * Creates `<base>/<name>` in every controller and writes the limits. On failure removes what it
 * created and throws a {@linkcode CgroupError}.
 */
export async function createCgroupV1Group(
  layout: CgroupV1Layout,
  name: string,
  limits: ResourceLimits,
): Promise<CgroupGroup> {
  const memory = `${layout.base.memory}/${name}`;
  const cpu = `${layout.base.cpu}/${name}`;
  const pids = `${layout.base.pids}/${name}`;
  const cpuacct = layout.base.cpuacct === null
    ? null
    : layout.base.cpuacct === layout.base.cpu
    ? cpu
    : `${layout.base.cpuacct}/${name}`;
  const dirs = [...new Set([memory, cpu, pids, ...(cpuacct ? [cpuacct] : [])])];
  const created: string[] = [];
  try {
    for (const dir of dirs) {
      await makeGroupDir(dir);
      created.push(dir);
    }
    const bytes = String(limits.memoryMb * 1024 * 1024);
    // memsw must stay >= limit_in_bytes; on a fresh group both are unlimited, so memory first.
    await writeText(`${memory}/memory.limit_in_bytes`, bytes);
    if (layout.memsw) {
      await writeText(`${memory}/memory.memsw.limit_in_bytes`, bytes);
    } else {
      // Without swap accounting the group could swap instead of being capped; ask it not to.
      await writeText(`${memory}/memory.swappiness`, "0").catch(() => {});
    }
    await writeText(`${cpu}/cpu.cfs_period_us`, String(CFS_PERIOD_US));
    await writeText(`${cpu}/cpu.cfs_quota_us`, String(cfsQuotaUs(limits.cpu)));
    await writeText(`${pids}/pids.max`, String(limits.pids));
  } catch (err) {
    for (const dir of created.reverse()) await Deno.remove(dir).catch(() => {});
    throw err;
  }
  return new CgroupV1Group(name, { memory, cpu, pids, cpuacct }, dirs);
}

/**
 * mkdir of one group, recreating the base folder first: another manager's shutdown may remove
 * an empty base between our two mkdirs, so a NotFound is retried a few times.
 */
export async function makeGroupDir(dir: string): Promise<void> {
  const parent = dir.slice(0, dir.lastIndexOf("/"));
  for (let attempt = 1;; attempt++) {
    try {
      await Deno.mkdir(parent, { recursive: true });
      await Deno.mkdir(dir);
      return;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound && attempt < 3) continue;
      const why = err instanceof Deno.errors.AlreadyExists
        ? "it already exists (launch id reused?)"
        : errorText(err);
      throw new CgroupError(`cannot create cgroup ${dir}: ${why}`, dir, { cause: err });
    }
  }
}

class CgroupV1Group implements CgroupGroup {
  readonly version = 1 as const;
  readonly name: string;
  readonly dirs: readonly string[];
  readonly procsFiles: readonly string[];
  #paths: { memory: string; cpu: string; pids: string; cpuacct: string | null };
  #last: CgroupStats | null = null;
  #removed = false;

  constructor(
    name: string,
    paths: { memory: string; cpu: string; pids: string; cpuacct: string | null },
    dirs: string[],
  ) {
    this.name = name;
    this.#paths = paths;
    this.dirs = dirs;
    this.procsFiles = dirs.map((d) => `${d}/cgroup.procs`);
  }

  async stats(): Promise<CgroupStats> {
    if (this.#removed && this.#last) return this.#last;
    const { memory, cpu, pids, cpuacct } = this.#paths;
    const [usage, peak, oom, cpuStat, cpuUsage, pidsCurrent, pidsPeak, pidsEvents] = await Promise
      .all([
        readText(`${memory}/memory.usage_in_bytes`),
        readOptional(`${memory}/memory.max_usage_in_bytes`),
        readOptional(`${memory}/memory.oom_control`),
        readOptional(`${cpu}/cpu.stat`),
        cpuacct ? readOptional(`${cpuacct}/cpuacct.usage`) : Promise.resolve(null),
        readOptional(`${pids}/pids.current`),
        readOptional(`${pids}/pids.peak`),
        readOptional(`${pids}/pids.events`),
      ]);
    const cpuKv = parseKeyValues(cpuStat);
    const usageNs = parseNumber(cpuUsage);
    this.#last = {
      memoryBytes: parseNumber(usage) ?? 0,
      memoryPeakBytes: parseNumber(peak),
      oomKills: parseKeyValues(oom).get("oom_kill") ?? 0,
      cpuSeconds: usageNs === null ? null : usageNs / 1e9,
      nrThrottled: cpuKv.get("nr_throttled") ?? 0,
      throttledSeconds: (cpuKv.get("throttled_time") ?? 0) / 1e9,
      pidsCurrent: parseNumber(pidsCurrent) ?? 0,
      pidsPeak: parseNumber(pidsPeak),
      pidsLimitHits: parseKeyValues(pidsEvents).get("max") ?? 0,
    };
    return this.#last;
  }

  async procs(): Promise<number[]> {
    const all = new Set<number>();
    for (const dir of this.dirs) for (const pid of await listProcs(dir)) all.add(pid);
    return [...all];
  }

  async remove(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#removed) return;
    // Keep the final counters (oom_kill, peak) readable after the directories are gone.
    if (await exists(this.#paths.memory)) await this.stats().catch(() => {});
    for (const dir of this.dirs) await removeGroupDir(dir, { ...options, killRemaining: true });
    this.#removed = true;
  }
}
