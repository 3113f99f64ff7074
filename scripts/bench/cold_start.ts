/**
 * Plugin cold start: spawn of the sandboxed `deno run` to its first heartbeat, as the plugin
 * manager measures it, over several restarts of one plugin (the manifest is cached after the
 * first launch, as in production).
 */
import { PluginManager } from "../../sandbox/mod.ts";
import { REPO_ROOT, startEphemeralNatsServer } from "@quicksilver/testbed";
import { type LatencySummary, summarize } from "./stats.ts";

export async function measureColdStart(
  plugin: string,
  launches: number,
): Promise<{ readyMs: LatencySummary; firstLaunchMs: number; samples: number[] }> {
  await using nats = await startEphemeralNatsServer();
  const dataDir = await Deno.makeTempDir({ prefix: "quicksilver-bench-cold-" });
  const manager = new PluginManager({
    authority: nats.server.authority,
    servers: nats.server.url,
    pluginFiles: [`${REPO_ROOT}/plugins/${plugin}.ts`],
    dataDir,
    autoStart: false,
  });
  const samples: number[] = [];
  let firstLaunchMs = 0;
  try {
    await manager.start();
    for (let i = 0; i < launches; i++) {
      const started = performance.now();
      await manager.startPlugin(plugin);
      const deadline = Date.now() + 30_000;
      while (manager.list().find((p) => p.name === plugin)?.state !== "running") {
        if (Date.now() > deadline) throw new Error(`${plugin} did not start`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      if (i === 0) firstLaunchMs = performance.now() - started;
      const figures = manager.supervisor(plugin)?.lastFigures;
      if (figures) samples.push(figures.readyMs);
      await manager.stopPlugin(plugin);
    }
  } finally {
    await manager.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => undefined);
  }
  return { readyMs: summarize(samples), firstLaunchMs: Math.round(firstLaunchMs), samples };
}
