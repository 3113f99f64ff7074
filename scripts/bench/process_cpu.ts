/**
 * CPU per command of each process of the bot: `utime + stime` from `/proc/<pid>/stat` (clock
 * ticks, 10 ms each) read before and after a measured window, divided by the commands sent in
 * it. Over 15,000 commands a tick is ~0.7 us per command, well under what the figures show.
 * Linux only; elsewhere every figure is 0.
 */
import { sampleProcess } from "../../sandbox/limits/mod.ts";
import { round } from "./stats.ts";

/** A process to charge, by a stable name (`core`, `nats-server`, `plugin dice`, ...). */
export interface NamedProcess {
  name: string;
  pid: number;
}

/** CPU seconds used so far by each process, by name (absent: the process is gone). */
export async function cpuSeconds(processes: NamedProcess[]): Promise<Map<string, number>> {
  const seconds = new Map<string, number>();
  for (const { name, pid } of processes) {
    const sample = await sampleProcess(pid);
    if (sample) seconds.set(name, sample.cpuSeconds);
  }
  return seconds;
}

/**
 * Microseconds of CPU per command of each process between two {@linkcode cpuSeconds} samples,
 * plus `total` (their sum). A process missing from either sample is left out.
 */
export function cpuPerCommandUs(
  before: Map<string, number>,
  after: Map<string, number>,
  commands: number,
): Record<string, number> {
  const perCommand: Record<string, number> = {};
  let total = 0;
  for (const [name, end] of after) {
    const start = before.get(name);
    if (start === undefined || commands <= 0) continue;
    const us = (end - start) * 1e6 / commands;
    perCommand[name] = round(us, 1);
    total += us;
  }
  perCommand.total = round(total, 1);
  return perCommand;
}
