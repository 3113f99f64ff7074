/**
 * A plugin never outlives its manager, whatever its code does (issue 11, A1): the kernel ends
 * it (`setpriv --pdeathsig KILL`), and a leftover of an earlier run of the same bot is killed
 * and reported before the plugin is launched again.
 */
import assert from "node:assert/strict";
import {
  createLogger,
  type SecurityViolation,
  SecurityViolationSchema,
  subjects,
} from "@quicksilver/core";
import { PluginTestBed } from "@quicksilver/sdk/testing";
import { PluginManager } from "@quicksilver/sandbox";
import { killLeftover, writeLaunchRecord } from "../../sandbox/process/mod.ts";
import { processRunning, TestNats, waitFor } from "@quicksilver/testing";

const MANAGER = new URL("./fixtures/manager_process.ts", import.meta.url).pathname;
const IMMORTAL = new URL("./hostile/immortal.ts", import.meta.url).pathname;
const STRAY = new URL("./fixtures/stray_process.ts", import.meta.url).pathname;

/** Starts a manager in its own process with the immortal plugin; resolves with both pids. */
async function startManagerProcess(
  nats: TestNats,
  dataDir: string,
  config: Record<string, unknown>,
): Promise<{ manager: Deno.ChildProcess; pluginPid: number; output: () => string }> {
  const manager = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      MANAGER,
      JSON.stringify({
        natsUrl: nats.url,
        authorityDir: `${nats.dir}/.rosey`,
        dataDir,
        pluginFile: IMMORTAL,
        config,
      }),
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let text = "";
  for (const stream of [manager.stdout, manager.stderr]) {
    void (async () => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) text += chunk;
    })().catch(() => undefined);
  }
  const match = await waitFor(() => /running (\d+)/.exec(text), {
    timeoutMs: 60_000,
    what: "the manager process to run the plugin",
  }).catch(async (error) => {
    manager.kill("SIGKILL");
    await manager.status;
    throw new Error(`${(error as Error).message}\n${text}`);
  });
  return { manager, pluginPid: Number(match[1]), output: () => text };
}

async function killManager(manager: Deno.ChildProcess): Promise<void> {
  manager.kill("SIGKILL");
  await manager.status;
}

Deno.test({
  name: "a busy plugin that replaced Deno.exit and ignores signals dies with its SIGKILLed manager",
  sanitizeResources: false,
  async fn() {
    await using nats = await TestNats.start();
    const dataDir = await Deno.makeTempDir({ prefix: "qs-lifetime-" });
    try {
      const { manager, pluginPid } = await startManagerProcess(nats, dataDir, { spin: true });
      // Its event loop is blocked for good from here: no JS lifeline can run.
      await waitFor(() => Deno.stat(`${dataDir}/immortal/spinning`).then(() => true), {
        timeoutMs: 20_000,
        what: "the plugin to start its busy loop",
      });
      assert.ok(processRunning(pluginPid), "the plugin runs while its manager does");
      await killManager(manager);
      await waitFor(() => !processRunning(pluginPid), {
        timeoutMs: 5000,
        what: `plugin pid ${pluginPid} to be ended by the kernel`,
      });
    } finally {
      await Deno.remove(dataDir, { recursive: true }).catch(() => undefined);
    }
  },
});

Deno.test({
  name: "an idle manager keeps its plugin for over 30 s, and its plugin dies when it is SIGKILLed",
  sanitizeResources: false,
  async fn() {
    await using nats = await TestNats.start();
    const dataDir = await Deno.makeTempDir({ prefix: "qs-lifetime-" });
    try {
      const { manager, pluginPid } = await startManagerProcess(nats, dataDir, {});
      // PR_SET_PDEATHSIG fires when the *thread* that spawned the child exits: if Deno spawned
      // from a runtime worker thread that ends when idle, the plugin would die here.
      const idleUntil = Date.now() + 32_000;
      await waitFor(() => !processRunning(pluginPid) || Date.now() > idleUntil, {
        timeoutMs: 40_000,
        intervalMs: 500,
        what: "32 s of an idle manager",
      });
      assert.ok(processRunning(pluginPid), "the plugin of an idle manager must keep running");
      await killManager(manager);
      await waitFor(() => !processRunning(pluginPid), {
        timeoutMs: 5000,
        what: `plugin pid ${pluginPid} to be ended by the kernel`,
      });
    } finally {
      await Deno.remove(dataDir, { recursive: true }).catch(() => undefined);
    }
  },
});

Deno.test({
  name: "a leftover of an earlier run of the same bot is killed and reported once before relaunch",
  sanitizeResources: false,
  async fn() {
    await using nats = await TestNats.start();
    const dataDir = await Deno.makeTempDir({ prefix: "qs-lifetime-" });
    const client = await nats.connect("violation-watcher");
    const violations: SecurityViolation[] = [];
    client.subscribe(subjects.securityViolation(), (v) => void violations.push(v), {
      schema: SecurityViolationSchema,
    });
    await client.flush();
    // An earlier run of this bot (same state dir) left its plugin running, e.g. on a host
    // without setpriv: what it recorded at launch names the process.
    const stray = new Deno.Command(Deno.execPath(), {
      args: ["run", STRAY],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const strayOut = stray.stdout.pipeThrough(new TextDecoderStream()).getReader();
    assert.match((await strayOut.read()).value ?? "", /spinning/);
    await Deno.mkdir(`${dataDir}/.runtime/procs`, { recursive: true });
    await writeLaunchRecord(`${dataDir}/.runtime/procs/immortal.json`, {
      plugin: "immortal",
      launchId: "1.deadbeef",
      pid: stray.pid,
      uid: null,
      cgroupDirs: [],
    });
    let manager: PluginManager | undefined;
    try {
      manager = new PluginManager({
        authority: nats.authority,
        servers: nats.url,
        dataDir,
        pluginFiles: [IMMORTAL],
        timings: { stopGraceMs: 500 },
      });
      await manager.start();
      assert.ok(!processRunning(stray.pid), `the leftover pid ${stray.pid} was killed`);
      assert.equal((await stray.status).signal, "SIGKILL");
      const status = manager.supervisor("immortal").status();
      assert.equal(status.state, "running", status.reason ?? "");
      assert.notEqual(status.pid, stray.pid);
      await client.flush();
      await waitFor(() => violations.some((v) => v.kind === "outlived-manager"), {
        what: "the outlived-manager report",
      });
      const reports = violations.filter((v) => v.kind === "outlived-manager");
      assert.equal(reports.length, 1, JSON.stringify(reports));
      assert.equal(reports[0]!.plugin, "immortal");
      assert.equal(reports[0]!.action, "killed");
      assert.match(reports[0]!.detail, new RegExp(`pid ${stray.pid}\\b`));
      // Its own launch recorded the new process: the next start would find it, not the stray.
      const record = JSON.parse(await Deno.readTextFile(`${dataDir}/.runtime/procs/immortal.json`));
      assert.equal(record.pid, status.pid);
    } finally {
      await manager?.stop();
      if (processRunning(stray.pid)) stray.kill("SIGKILL");
      await stray.status;
      await strayOut.cancel().catch(() => undefined);
      await Deno.remove(dataDir, { recursive: true }).catch(() => undefined);
    }
  },
});

Deno.test({
  name: "a recorded plugin that already ended is not reported, and a reused pid is never killed",
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "qs-record-" });
    const bystander = new Deno.Command("sleep", { args: ["30"] }).spawn();
    try {
      await writeLaunchRecord(`${dir}/p.json`, {
        plugin: "p",
        launchId: "1.x",
        pid: bystander.pid,
        uid: null,
        cgroupDirs: [],
      });
      // Same pid, other start time: the pid was recycled by someone else's process.
      const record = JSON.parse(await Deno.readTextFile(`${dir}/p.json`));
      record.startTicks -= 1;
      await Deno.writeTextFile(`${dir}/p.json`, JSON.stringify(record));
      assert.equal(await killLeftover(`${dir}/p.json`), null);
      assert.ok(processRunning(bystander.pid), "a process that is not ours is left alone");
      assert.equal(await Deno.stat(`${dir}/p.json`).catch(() => null), null, "record removed");
    } finally {
      bystander.kill("SIGKILL");
      await bystander.status;
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("a plugin that replaced Deno.exit and ignores SIGTERM still stops when asked", async () => {
  const lines: string[] = [];
  const logger = createLogger({ level: "debug", format: "json", sink: (l) => void lines.push(l) });
  await using bed = await PluginTestBed.start(IMMORTAL, { logger, timings: { stopGraceMs: 3000 } });
  assert.equal(bed.text(await bed.command("!immortal")), "still here");
  const pid = bed.status().pid;
  await bed.manager.stopPlugin("immortal");
  assert.ok(pid !== undefined && !processRunning(pid));
  const ended = lines.filter((l) => l.includes("plugin process ended") && l.includes(`${pid}`));
  assert.equal(ended.length, 1, lines.join("\n"));
  // The runner's exit was taken before the plugin loaded: it exits by itself, no SIGKILL needed.
  assert.match(ended[0]!, /"cause":"clean-exit"/);
});
