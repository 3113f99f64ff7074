import assert from "node:assert/strict";
import {
  cgroupName,
  cleanupStaleCgroups,
  createCgroup,
  DEFAULT_RESOURCE_LIMITS,
} from "../../sandbox/limits/mod.ts";
import { ENTER_SCRIPT, spawnSandboxed } from "../../sandbox/process/mod.ts";
import {
  cgroupExists,
  collect,
  hasCgroups,
  makeWorkDir,
  SCRIPTS,
  skipUnless,
  support,
  waitFor,
} from "./_helpers.ts";

const noCgroups = skipUnless(hasCgroups, `no usable cgroup here (${support.findings[0]})`);

Deno.test({
  name: "an ArrayBuffer hog is killed by the cgroup memory limit and reported as memory-limit",
  ignore: noCgroups,
  async fn() {
    await using dir = await makeWorkDir();
    const script = await dir.write("ab_hog.ts", SCRIPTS.arrayBufferHog(512));
    await using proc = await spawnSandboxed({
      plugin: "ab-hog",
      argv: dir.argv(script),
      cwd: dir.path,
      env: dir.env,
      limits: { memoryMb: 64 },
      support,
    });
    assert.notEqual(proc.enforcement.cgroup, null);
    const [exit, stdout] = await Promise.all([proc.status, collect(proc.stdoutLines)]);
    assert.deepEqual(stdout, [], "the hog must not survive");
    assert.equal(exit.signal, "SIGKILL");
    assert.equal(exit.code, 137);
    assert.equal(exit.cause, "memory-limit", exit.sentence);
    assert.ok(exit.cgroup && exit.cgroup.oomKills >= 1);
    assert.match(exit.sentence, /64 MB/);
    assert.equal(await cgroupExists(proc.enforcement.cgroupName!), false, "cgroup removed");
  },
});

Deno.test({
  name: "a JS-heap hog under --max-old-space-size=64 ends as heap-exhausted, not memory-limit",
  ignore: noCgroups,
  async fn() {
    await using dir = await makeWorkDir();
    const script = await dir.write("heap_hog.ts", SCRIPTS.heapHog);
    await using proc = await spawnSandboxed({
      plugin: "heap-hog",
      argv: dir.argv(script, ["--v8-flags=--max-old-space-size=64"]),
      cwd: dir.path,
      env: dir.env,
      // Room above the 64 MB heap so V8 gives up before the kernel steps in.
      limits: { memoryMb: 512 },
      support,
    });
    const exit = await proc.status;
    assert.equal(exit.code, 133, exit.stderrTail.join("\n"));
    assert.equal(exit.cause, "heap-exhausted", exit.sentence);
    assert.ok(exit.stderrTail.some((l) => /out of memory|heap limit/i.test(l)));
    assert.equal(exit.cgroup?.oomKills, 0);
  },
});

Deno.test({
  name: "a busy loop is held to about its CPU share (0.5 of a core) and the group is throttled",
  ignore: noCgroups,
  async fn() {
    await using dir = await makeWorkDir();
    const script = await dir.write("spin.ts", SCRIPTS.cpuSpin(2000));
    await using proc = await spawnSandboxed({
      plugin: "spin",
      argv: dir.argv(script),
      cwd: dir.path,
      env: dir.env,
      limits: { cpu: 0.5 },
      support,
    });
    const [exit, stdout] = await Promise.all([proc.status, collect(proc.stdoutLines)]);
    assert.equal(exit.cause, "clean-exit", exit.sentence);
    assert.match(stdout.join("\n"), /spun/);
    const stats = exit.cgroup!;
    const cpuSeconds = stats.cpuSeconds ?? 0;
    const share = cpuSeconds / (exit.durationMs / 1000);
    console.log(
      `cpu limit 0.5: used ${cpuSeconds.toFixed(2)} s CPU in ${exit.durationMs} ms = ` +
        `${share.toFixed(2)} of a core; nr_throttled ${stats.nrThrottled}`,
    );
    // Loose on purpose: unthrottled this loop takes ~1.0 of a core.
    assert.ok(share < 0.8, `share ${share} should be well under one core`);
    assert.ok(stats.nrThrottled > 0, "the quota must have bitten");
  },
});

Deno.test({
  name: "the pids limit stops a worker bomb and the exit is reported as pids-limit",
  ignore: noCgroups,
  async fn() {
    await using dir = await makeWorkDir();
    await dir.write("idle_worker.ts", SCRIPTS.idleWorker);
    const script = await dir.write("bomb.ts", SCRIPTS.workerBomb(60));
    await using proc = await spawnSandboxed({
      plugin: "bomb",
      argv: dir.argv(script),
      cwd: dir.path,
      env: dir.env,
      limits: { pids: 24 },
      support,
    });
    const [exit, stdout] = await Promise.all([proc.status, collect(proc.stdoutLines)]);
    assert.ok(!stdout.includes("all workers started"), "the bomb must not complete");
    assert.notEqual(exit.code, 0);
    assert.equal(exit.cause, "pids-limit", `${exit.sentence}\n${exit.stderrTail.join("\n")}`);
    assert.ok((exit.cgroup?.pidsLimitHits ?? 0) > 0);
    console.log(exit.stderrTail.slice(-3).join("\n"));
    console.log(
      `pids.max 24: ${stdout.filter((l) => l.startsWith("worker")).length} workers started, ` +
        `exit ${exit.code}, pids peak ${exit.cgroup?.pidsPeak}, refused ${exit.cgroup?.pidsLimitHits}`,
    );
  },
});

Deno.test({
  name: "stale groups of a dead manager are swept: their tasks killed, the groups removed",
  ignore: noCgroups,
  async fn() {
    // pid 4194999 is above any pid_max, so this "manager" is certainly dead.
    const staleLaunch = "4194999.0badc0de";
    const group = await createCgroup(support, DEFAULT_RESOURCE_LIMITS, {
      plugin: "orphan",
      launchId: staleLaunch,
    });
    assert.ok(group);
    const orphan = new Deno.Command(support.tools.sh!, {
      args: ["-c", ENTER_SCRIPT, "quicksilver-enter", ...group.procsFiles, "--", "sleep", "30"],
      stdout: "null",
      stderr: "null",
    }).spawn();
    await waitFor(async () => (await group.procs()).includes(orphan.pid), "orphan in its group");
    // A group of a live manager (this process) must survive the sweep.
    const live = await createCgroup(support, DEFAULT_RESOURCE_LIMITS, {
      plugin: "alive",
      launchId: `${Deno.pid}.00c0ffee`,
    });
    try {
      const report = await cleanupStaleCgroups(support);
      assert.ok(report.removed.includes(cgroupName("orphan", staleLaunch)), JSON.stringify(report));
      assert.ok(report.kept.some((k) => k.name === live!.name));
      const status = await orphan.status;
      assert.equal(status.signal, "SIGKILL");
      assert.equal(await cgroupExists(group.name), false);
      assert.equal(await cgroupExists(live!.name), true);
    } finally {
      try {
        orphan.kill("SIGKILL");
      } catch {
        // already killed by the sweep
      }
      await orphan.status;
      await live?.remove();
      await group.remove().catch(() => {});
    }
  },
});
