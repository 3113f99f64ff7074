/**
 * What one more plugin costs in memory: `count` sandboxed plugins (copies of dice, each under a
 * name of its own) run under one plugin manager, as in production; once all are running and idle,
 * each plugin process's `Pss` is read from `/proc/<pid>/smaps_rollup`.
 *
 * PSS (proportional set size) charges each shared page to the processes sharing it in equal
 * parts: the Deno binary's pages, mapped by every process, count 1/n per process instead of once
 * per process as RSS does. The mean PSS of the plugin processes with many running is therefore
 * what one more plugin adds (it slightly overstates it: the core processes share those pages too
 * and are not counted here). Linux only; other systems report 0.
 */
import { PluginManager } from "../../sandbox/mod.ts";
import { REPO_ROOT, startEphemeralNatsServer } from "@quicksilver/testbed";
import { round } from "./stats.ts";

export interface PluginMemoryFigure {
  plugins: number;
  /** Mean PSS of the plugin processes, MB: the marginal cost of one plugin. */
  meanPssMb: number;
  /** Sum of the plugin processes' PSS, MB. */
  totalPssMb: number;
  /** Mean RSS of the plugin processes, MB (counts every shared page in full, for comparison). */
  meanRssMb: number;
  perPluginPssMb: number[];
}

/** How long the plugins idle after the last one is ready (their start-up garbage collected). */
const SETTLE_MS = 3000;

/** Starts `count` copies of dice under one manager and measures them (see the module doc). */
export async function measurePluginMemory(count: number): Promise<PluginMemoryFigure> {
  await using nats = await startEphemeralNatsServer();
  const home = await Deno.makeTempDir({ prefix: "quicksilver-bench-memory-" });
  const pluginsDir = `${home}/plugins`;
  await Deno.mkdir(pluginsDir);
  const dice = await Deno.readTextFile(`${REPO_ROOT}/plugins/dice.ts`);
  const names = Array.from(
    { length: count },
    (_, i) => `membench${String(i + 1).padStart(2, "0")}`,
  );
  for (const name of names) {
    const source = dice.replace(/name: "dice",/, `name: "${name}",`);
    if (source === dice) throw new Error('plugins/dice.ts no longer declares `name: "dice",`');
    await Deno.writeTextFile(`${pluginsDir}/${name}.ts`, source);
  }
  const manager = new PluginManager({
    authority: nats.server.authority,
    servers: nats.server.url,
    pluginsDir,
    dataDir: `${home}/data`,
  });
  try {
    await manager.start();
    const deadline = Date.now() + 120_000;
    const running = () => manager.list().filter((p) => p.state === "running" && p.pid).length;
    while (running() < count) {
      if (Date.now() > deadline) {
        throw new Error(`only ${running()} of ${count} plugins started within 120 s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const pids = manager.list().flatMap((p) => (p.pid ? [p.pid] : []));
    const pss = await Promise.all(pids.map((pid) => smapsField(pid, "Pss")));
    const rss = await Promise.all(pids.map((pid) => smapsField(pid, "Rss")));
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    return {
      plugins: pids.length,
      meanPssMb: round(sum(pss) / pids.length / 1048576, 1),
      totalPssMb: round(sum(pss) / 1048576, 1),
      meanRssMb: round(sum(rss) / pids.length / 1048576, 1),
      perPluginPssMb: pss.map((bytes) => round(bytes / 1048576, 1)),
    };
  } finally {
    await manager.stop();
    await Deno.remove(home, { recursive: true }).catch(() => undefined);
  }
}

/** A field of `/proc/<pid>/smaps_rollup` in bytes (0 when the process or the file is gone). */
export async function smapsField(pid: number, field: "Pss" | "Rss"): Promise<number> {
  try {
    const text = await Deno.readTextFile(`/proc/${pid}/smaps_rollup`);
    const kb = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(text)?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch {
    return 0;
  }
}
