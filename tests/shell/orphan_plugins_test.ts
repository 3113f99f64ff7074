/**
 * No plugin outlives its manager: when the bot's process dies without a goodbye (SIGKILL), the
 * plugins see their stdin lifeline close and stop themselves.
 */
import assert from "node:assert/strict";
import { DevProcess, waitFor } from "@quicksilver/testing";
import { freePort, REPO_ROOT } from "@quicksilver/testbed";

async function pluginPids(home: string): Promise<number[]> {
  const pids: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const cmdline = await Deno.readTextFile(`/proc/${entry.name}/cmdline`).catch(() => "");
    if (cmdline.includes(`${home}/.rosey/plugins/.runtime/entries/`)) pids.push(Number(entry.name));
  }
  return pids;
}

Deno.test({
  name: "plugins stop themselves when the bot is killed with SIGKILL",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const home = await Deno.makeTempDir({ prefix: "quicksilver-orphans-" });
    const natsPort = freePort();
    await Deno.writeTextFile(
      `${home}/rosey.yaml`,
      `nats:\n  url: "127.0.0.1:${natsPort}"\n  monitoring: "http://127.0.0.1:${freePort()}"\n` +
        `plugins:\n  dir: ${REPO_ROOT}/plugins\n  enabled: [dice, eightball]\n` +
        `monitoring:\n  metricsPort: 0\n`,
    );
    const dev = await DevProcess.start(home, ["--no-shell"]);
    try {
      const running = await waitFor(async () => {
        const pids = await pluginPids(home);
        return pids.length === 2 ? pids : undefined;
      }, { what: "two plugin processes" });
      Deno.kill(dev.pid, "SIGKILL");
      await dev.close();
      await waitFor(async () => (await pluginPids(home)).length === 0, {
        timeoutMs: 15_000,
        what: "the orphaned plugins to stop",
      });
      for (const pid of running) {
        // Gone, or a zombie waiting for init to reap it (its parent was killed): not running.
        // A pid the kernel has already handed to another process (a busy machine) is not ours.
        const status = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => "State: gone");
        const cmdline = await Deno.readTextFile(`/proc/${pid}/cmdline`).catch(() => "");
        if (!cmdline.includes(home)) continue;
        assert.match(status, /State:\s+(gone|Z|X)/, `plugin ${pid} still runs`);
      }
    } finally {
      // The killed bot could not stop its nats-server: do it here.
      for await (const entry of Deno.readDir("/proc")) {
        const cmdline = await Deno.readTextFile(`/proc/${entry.name}/cmdline`).catch(() => "");
        if (cmdline.includes("nats-server") && cmdline.includes(`\0${natsPort}\0`)) {
          Deno.kill(Number(entry.name), "SIGKILL");
        }
      }
      await Deno.remove(home, { recursive: true }).catch(() => undefined);
    }
  },
});
