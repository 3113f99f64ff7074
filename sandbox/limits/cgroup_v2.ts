/**
 * cgroup v2: one directory per group in a delegated subtree. Not testable on our (hybrid v1)
 * hosts; written to the kernel's cgroup-v2 interface: `memory.max`, `memory.swap.max=0`,
 * `memory.oom.group=1` (an OOM kills the whole plugin, not one thread's victim), `cpu.max`,
 * `pids.max`, and `cgroup.kill` for removal.
 *
 * @module
 */
import type { ResourceLimits } from "./resource_limits.ts";
import type { CgroupGroup, CgroupStats } from "./cgroup.ts";
import { CFS_PERIOD_US, cfsQuotaUs, makeGroupDir } from "./cgroup_v1.ts";
import {
  exists,
  listProcs,
  parseKeyValues,
  parseNumber,
  readOptional,
  readText,
  removeGroupDir,
  writeText,
} from "./_cgroup_fs.ts";

/** Where our groups go on a v2 host. */
export interface CgroupV2Layout {
  version: 2;
  /** The `quicksilver` folder, with memory, cpu and pids enabled in its `subtree_control`. */
  base: string;
  /** `memory.swap.max` exists in child groups. */
  swap: boolean;
}

/** Creates `<base>/<name>` and writes the limits; removes it again on failure. */
export async function createCgroupV2Group(
  layout: CgroupV2Layout,
  name: string,
  limits: ResourceLimits,
): Promise<CgroupGroup> {
  const dir = `${layout.base}/${name}`;
  await makeGroupDir(dir);
  try {
    await writeText(`${dir}/memory.max`, String(limits.memoryMb * 1024 * 1024));
    if (layout.swap) await writeText(`${dir}/memory.swap.max`, "0");
    if (await exists(`${dir}/memory.oom.group`)) await writeText(`${dir}/memory.oom.group`, "1");
    await writeText(`${dir}/cpu.max`, `${cfsQuotaUs(limits.cpu)} ${CFS_PERIOD_US}`);
    await writeText(`${dir}/pids.max`, String(limits.pids));
  } catch (err) {
    await Deno.remove(dir).catch(() => {});
    throw err;
  }
  return new CgroupV2Group(name, dir);
}

class CgroupV2Group implements CgroupGroup {
  readonly version = 2 as const;
  readonly name: string;
  readonly dirs: readonly string[];
  readonly procsFiles: readonly string[];
  #dir: string;
  #last: CgroupStats | null = null;
  #removed = false;

  constructor(name: string, dir: string) {
    this.name = name;
    this.#dir = dir;
    this.dirs = [dir];
    this.procsFiles = [`${dir}/cgroup.procs`];
  }

  async stats(): Promise<CgroupStats> {
    if (this.#removed && this.#last) return this.#last;
    const d = this.#dir;
    const [current, peak, events, cpuStat, pidsCurrent, pidsPeak, pidsEvents] = await Promise.all([
      readText(`${d}/memory.current`),
      readOptional(`${d}/memory.peak`),
      readOptional(`${d}/memory.events`),
      readOptional(`${d}/cpu.stat`),
      readOptional(`${d}/pids.current`),
      readOptional(`${d}/pids.peak`),
      readOptional(`${d}/pids.events`),
    ]);
    const cpu = parseKeyValues(cpuStat);
    const usage = cpu.get("usage_usec");
    this.#last = {
      memoryBytes: parseNumber(current) ?? 0,
      memoryPeakBytes: parseNumber(peak),
      oomKills: parseKeyValues(events).get("oom_kill") ?? 0,
      cpuSeconds: usage === undefined ? null : usage / 1e6,
      nrThrottled: cpu.get("nr_throttled") ?? 0,
      throttledSeconds: (cpu.get("throttled_usec") ?? 0) / 1e6,
      pidsCurrent: parseNumber(pidsCurrent) ?? 0,
      pidsPeak: parseNumber(pidsPeak),
      pidsLimitHits: parseKeyValues(pidsEvents).get("max") ?? 0,
    };
    return this.#last;
  }

  procs(): Promise<number[]> {
    return listProcs(this.#dir);
  }

  async remove(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#removed) return;
    if (await exists(this.#dir)) {
      await this.stats().catch(() => {});
      // cgroup.kill (5.14+) kills every task atomically, including ones forking right now.
      if ((await listProcs(this.#dir)).length > 0 && await exists(`${this.#dir}/cgroup.kill`)) {
        await writeText(`${this.#dir}/cgroup.kill`, "1").catch(() => {});
      }
    }
    await removeGroupDir(this.#dir, { ...options, killRemaining: true });
    this.#removed = true;
  }
}
