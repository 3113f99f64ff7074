/**
 * Whether a process still runs, as the kernel sees it. `kill -0` is not enough: a killed child
 * of a dead parent stays a zombie (state Z) until its new parent reaps it, and where PID 1 is
 * not an init that reaps promptly (our VMs) that can take a long time. A zombie runs no code.
 */

/** True while `/proc/<pid>` exists in any state but Z (zombie) or X (dead). */
export function processRunning(pid: number): boolean {
  let stat: string;
  try {
    stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return false;
  }
  // The state is the first field after the command name, which is in parentheses and may
  // itself contain spaces or parentheses: take the text after the last ")".
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}

/** Pids of running processes whose command line contains `needle` (e.g. a temp dir path). */
export function processesMentioning(needle: string): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const pid = Number(entry.name);
    if (pid === Deno.pid) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`).replaceAll("\0", " ");
      if (cmdline.includes(needle) && processRunning(pid)) found.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
