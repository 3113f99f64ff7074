/**
 * A newcomer's first run, as the README has it: `npx -y deno task dev`. npx keeps Deno under
 * `~/.npm/_npx/<hash>/node_modules/deno/` and for root that is inside `/root` (mode 0700), where
 * no plugin uid can reach it. Here Deno is hard-linked (or copied) into a folder of mode 0700, the
 * same situation without touching the machine's own npm cache.
 */
import assert from "node:assert/strict";
import {
  EventBus,
  loadOrCreateAuthority,
  mintUser,
  PluginTableSchema,
  subjects,
} from "@quicksilver/core";
import { DevProcess, waitFor } from "@quicksilver/testing";
import { freePort, REPO_ROOT } from "@quicksilver/testbed";

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/** The plugins in the checkout's folder, all started by default. */
async function pluginNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(`${REPO_ROOT}/plugins`)) {
    if (entry.isFile && /^[a-z][a-z0-9_-]*\.ts$/.test(entry.name)) names.push(entry.name);
  }
  return names;
}

/** uid and executable of each plugin process of the bot living in `home`. */
async function pluginProcesses(home: string): Promise<{ pid: number; uid: number; exe: string }[]> {
  const found = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const cmdline = await Deno.readTextFile(`/proc/${entry.name}/cmdline`).catch(() => "");
    if (!cmdline.includes(`${home}/.rosey/plugins/.runtime/entries/`)) continue;
    if (!cmdline.includes("--allow-net")) continue; // a describe run: no grants at all
    const status = await Deno.readTextFile(`/proc/${entry.name}/status`).catch(() => "");
    const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1];
    if (uid === undefined) continue;
    found.push({ pid: Number(entry.name), uid: Number(uid), exe: cmdline.split("\0")[0]! });
  }
  return found;
}

async function writeConfig(home: string, extra = ""): Promise<void> {
  await Deno.writeTextFile(
    `${home}/rosey.yaml`,
    `nats:\n  url: "127.0.0.1:${freePort()}"\n  monitoring: "http://127.0.0.1:${freePort()}"\n` +
      `plugins:\n  dir: ${REPO_ROOT}/plugins\n` +
      `monitoring:\n  metricsPort: 0\n` +
      // Its own dashboard port: parallel tests would otherwise all want 8080.
      `web:\n  listen: "127.0.0.1:${freePort()}"\n${extra}`,
  );
}

/** Deno in a folder only root may enter, like `/root/.npm/_npx/<hash>/node_modules/deno`. */
async function privateDeno(): Promise<{ dir: string; deno: string }> {
  const dir = await Deno.makeTempDir({ prefix: "quicksilver-npx-" });
  await Deno.chmod(dir, 0o700);
  await Deno.mkdir(`${dir}/node_modules/deno`, { recursive: true });
  const deno = `${dir}/node_modules/deno/deno`;
  try {
    await Deno.link(Deno.execPath(), deno);
  } catch {
    await Deno.copyFile(Deno.execPath(), deno);
  }
  return { dir, deno };
}

Deno.test({
  name: "`deno task dev` run by a deno only root can reach starts every plugin under its own " +
    "uid, with no warning",
  // Per-plugin uids need root; /proc tells the uid of each process.
  ignore: Deno.build.os !== "linux" || Deno.uid() !== 0,
  fn: async () => {
    const home = await Deno.makeTempDir({ prefix: "quicksilver-firstrun-" });
    const { dir, deno } = await privateDeno();
    try {
      await writeConfig(home);
      const dev = await DevProcess.start(home, [], { deno, task: true });
      try {
        const expected = (await pluginNames()).length;
        const plugins = await waitFor(async () => {
          const found = await pluginProcesses(home);
          return found.length === expected ? found : undefined;
        }, { what: `${expected} plugin processes` });
        for (const plugin of plugins) {
          assert.notEqual(plugin.uid, 0, `plugin pid ${plugin.pid} runs as root`);
          assert.ok(!plugin.exe.startsWith(dir), `plugin pid ${plugin.pid} runs ${plugin.exe}`);
        }
        assert.equal(new Set(plugins.map((p) => p.uid)).size, expected, "one uid per plugin");
        await dev.type("!roll 1d1");
        await dev.waitForOutput(/^\[bot\] .*= 1$/m, "dice to answer from its own uid");
        // What the terminal showed at start: Deno's task line, our running line, the first login.
        const lines = dev.stderr.replace(ANSI, "").split("\n").filter((l) => l.trim());
        const unexpected = lines.filter((l) =>
          !/^Task dev /.test(l) && !/^Quicksilver is running: /.test(l) &&
          // The first run's dashboard account, shown this once: not a warning.
          !/^Dashboard login \(shown once\): /.test(l)
        );
        assert.deepEqual(unexpected, [], "no warning at start");
      } finally {
        assert.equal(await dev.close(), 0, dev.stderr);
      }
    } finally {
      await Deno.remove(home, { recursive: true }).catch(() => undefined);
      await Deno.remove(dir, { recursive: true }).catch(() => undefined);
    }
  },
});

Deno.test({
  name: "an idle `deno task dev` logs each start-up step once at info, and nothing periodic",
  ignore: Deno.build.os !== "linux",
  fn: async () => {
    const home = await Deno.makeTempDir({ prefix: "quicksilver-quiet-" });
    try {
      await writeConfig(home, "logging:\n  level: info\n");
      const dev = await DevProcess.start(home, [], { task: true });
      let log: string;
      try {
        // The manager republishes the plugin table with fresh figures every 5 s: see two of
        // those go by, then read what was logged.
        const authority = await loadOrCreateAuthority(`${home}/.rosey`);
        const user = await mintUser(authority, {
          name: "test-table-watch",
          permissions: { subscribe: { allow: [subjects.pluginManifests()] } },
        });
        const url = /NATS (\S+),/.exec(dev.stderr)?.[1];
        assert.ok(url, dev.stderr);
        const bus = await EventBus.connect({ servers: url, name: "test", creds: user.creds });
        try {
          let tables = 0;
          const sub = bus.subscribe(subjects.pluginManifests(), () => void tables++, {
            schema: PluginTableSchema,
          });
          await waitFor(() => tables >= 2, { timeoutMs: 20_000, what: "two table publishes" });
          await sub.drain();
        } finally {
          await bus.close();
        }
        // The log file holds every info line (the terminal, owned by the chat, only warnings).
        log = await Deno.readTextFile(`${home}/.rosey/logs/rosey.log`);
      } finally {
        await dev.close();
      }
      const entries = log.split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const bad = entries.filter((e) => e.level !== "info" && e.level !== "debug");
      assert.deepEqual(bad, [], "no warning or error on a normal start");
      assert.ok(
        !entries.some((e) => /process ended/.test(String(e.msg))),
        "a describe run's clean exit reads like a crash: not at info",
      );
      const seen = new Map<string, number>();
      for (const e of entries) {
        const key = `${e.component}/${e.plugin ?? ""}: ${e.msg}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
      }
      const repeated = [...seen].filter(([, n]) => n > 1).map(([key, n]) => `${key} (x${n})`);
      assert.deepEqual(repeated, [], "a line repeated in the first seconds");
      const ready = entries.filter((e) => e.msg === "plugin ready").map((e) => e.plugin);
      assert.equal(ready.length, (await pluginNames()).length, "one ready line per plugin");

      // And a stop says each plugin stopped, once.
      const whole = (await Deno.readTextFile(`${home}/.rosey/logs/rosey.log`)).split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const stopLines = whole.slice(whole.findIndex((e) => e.msg === "stopping"))
        .filter((e) => e.plugin !== undefined && e.level !== "debug");
      const perPlugin = Object.groupBy(stopLines, (e) => String(e.plugin));
      for (const [plugin, lines] of Object.entries(perPlugin)) {
        assert.deepEqual(lines?.map((e) => e.msg), ["plugin stopped"], plugin);
      }
    } finally {
      await Deno.remove(home, { recursive: true }).catch(() => undefined);
    }
  },
});
