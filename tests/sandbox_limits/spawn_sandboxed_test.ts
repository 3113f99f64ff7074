import assert from "node:assert/strict";
import { createUidPool, spawnSandboxed } from "../../sandbox/process/mod.ts";
import {
  canSwitchUid,
  cgroupExists,
  collect,
  hasCgroups,
  makeWorkDir,
  SCRIPTS,
  skipUnless,
  support,
} from "./_helpers.ts";

Deno.test("a plugin gets its stdin, only the env it is given, and its lines come back", async () => {
  await using dir = await makeWorkDir();
  const script = await dir.write(
    "echo.ts",
    `const input = await new Response(Deno.stdin.readable).text();
console.log("stdin:" + input);
console.error("a warning");
// --allow-env is not granted, so read the env through the permission we do have: none.
try { Deno.env.get("HOME"); } catch (e) { console.log("env:" + e.name); }
console.log("done");`,
  );
  await using proc = await spawnSandboxed({
    plugin: "echo",
    argv: dir.argv(script),
    cwd: dir.path,
    env: dir.env,
    support,
  });
  await proc.stdin.write(new TextEncoder().encode("creds-123"));
  await proc.stdin.close();
  const [exit, stdout, stderr] = await Promise.all([
    proc.status,
    collect(proc.stdoutLines),
    collect(proc.stderrLines),
  ]);
  assert.deepEqual(stdout, ["stdin:creds-123", "env:NotCapable", "done"]);
  assert.deepEqual(stderr, ["a warning"]);
  assert.equal(exit.cause, "clean-exit");
  assert.equal(exit.code, 0);
  if (proc.enforcement.cgroupName) {
    assert.equal(await cgroupExists(proc.enforcement.cgroupName), false, "cgroup removed");
  }
});

Deno.test("the environment is exactly the explicit map (env -i), not the manager's", async () => {
  await using dir = await makeWorkDir();
  const script = await dir.write(
    "env.ts",
    `console.log(JSON.stringify(Deno.env.toObject()));`,
  );
  await using proc = await spawnSandboxed({
    plugin: "env",
    argv: dir.argv(script, ["--allow-env"]),
    cwd: dir.path,
    env: { ...dir.env, QS_TOKEN: "a b=c" },
    support,
  });
  const [exit, stdout] = await Promise.all([proc.status, collect(proc.stdoutLines)]);
  assert.equal(exit.cause, "clean-exit", exit.sentence);
  const seen = JSON.parse(stdout[0] ?? "{}") as Record<string, string>;
  assert.equal(seen.QS_TOKEN, "a b=c");
  assert.equal(seen.DENO_DIR, dir.denoDir);
  assert.equal(seen.HOME, undefined);
  // Deno itself adds its node-compat PATH and shim marker; nothing of ours leaks.
  const ours = Object.keys(seen).filter((k) => !["PATH", "DENO_NODE_SHIM_ACTIVE"].includes(k));
  assert.deepEqual(ours.sort(), ["DENO_DIR", "NO_COLOR", "QS_TOKEN"]);
});

Deno.test("an access outside the granted paths exits as permission-denied", async () => {
  await using dir = await makeWorkDir();
  const script = await dir.write("nosy.ts", `await Deno.readTextFile("/etc/hostname");`);
  await using proc = await spawnSandboxed({
    plugin: "nosy",
    argv: dir.argv(script),
    cwd: dir.path,
    env: dir.env,
    support,
  });
  const exit = await proc.status;
  assert.equal(exit.code, 1);
  assert.equal(exit.cause, "permission-denied", exit.sentence);
  assert.match(exit.sentence, /\/etc\/hostname/);
});

Deno.test("kill() sends SIGTERM, then SIGKILL after the grace period to a process ignoring it", async () => {
  await using dir = await makeWorkDir();
  const script = await dir.write(
    "stubborn.ts",
    `Deno.addSignalListener("SIGTERM", () => console.log("ignoring SIGTERM"));
console.log("ready");
setInterval(() => {}, 1000);`,
  );
  await using proc = await spawnSandboxed({
    plugin: "stubborn",
    argv: dir.argv(script),
    cwd: dir.path,
    env: dir.env,
    support,
  });
  const lines = proc.stdoutLines.getReader();
  assert.equal((await lines.read()).value, "ready");
  const exit = await proc.kill(300);
  assert.equal((await lines.read()).value, "ignoring SIGTERM");
  lines.releaseLock();
  assert.equal(exit.signal, "SIGKILL");
  assert.equal(exit.cause, "killed");
  assert.match(exit.sentence, /manager stopped it/);
});

Deno.test("an aborted signal stops the process and it counts as stopped by the manager", async () => {
  await using dir = await makeWorkDir();
  const script = await dir.write("idle.ts", `console.log("ready"); setInterval(() => {}, 1000);`);
  const controller = new AbortController();
  await using proc = await spawnSandboxed({
    plugin: "idle",
    argv: dir.argv(script),
    cwd: dir.path,
    env: dir.env,
    support,
    signal: controller.signal,
  });
  const lines = proc.stdoutLines.getReader();
  assert.equal((await lines.read()).value, "ready");
  lines.releaseLock();
  controller.abort();
  const exit = await proc.status;
  assert.equal(exit.signal, "SIGTERM");
  assert.equal(exit.cause, "killed");
  assert.match(exit.sentence, /manager stopped it \(SIGTERM\)/);
});

Deno.test("the watchdog kills an ArrayBuffer hog when cgroups are turned off", async () => {
  await using dir = await makeWorkDir();
  // 16 MB every ~10 ms: fast, yet slow enough for a 250 ms poll to see it cross 128 MB.
  const script = await dir.write("ab_hog_slow.ts", SCRIPTS.arrayBufferHog(1024, 10));
  await using proc = await spawnSandboxed({
    plugin: "wd-hog",
    argv: dir.argv(script),
    cwd: dir.path,
    env: dir.env,
    limits: { memoryMb: 128 },
    support,
    cgroups: false,
  });
  assert.equal(proc.enforcement.cgroup, null);
  assert.equal(proc.enforcement.watchdog, "enforce");
  const [exit, stdout] = await Promise.all([proc.status, collect(proc.stdoutLines)]);
  assert.deepEqual(stdout, [], "the hog must not reach 1 GB");
  assert.equal(exit.signal, "SIGKILL");
  assert.equal(exit.cause, "memory-limit", exit.sentence);
  assert.equal(exit.watchdog?.kind, "memory");
  console.log(`watchdog, 128 MB limit: ${exit.watchdog?.message} after ${exit.durationMs} ms`);
});

Deno.test("the watchdog kills a process held above its CPU share for the window", async () => {
  await using dir = await makeWorkDir();
  const script = await dir.write("spin_long.ts", SCRIPTS.cpuSpin(8000));
  await using proc = await spawnSandboxed({
    plugin: "wd-spin",
    argv: dir.argv(script),
    cwd: dir.path,
    env: dir.env,
    limits: { cpu: 0.5 },
    support,
    cgroups: false,
  });
  const exit = await proc.status;
  assert.equal(exit.cause, "cpu-limit", exit.sentence);
  assert.equal(exit.watchdog?.kind, "cpu");
  assert.ok(exit.durationMs < 7000, `killed after ${exit.durationMs} ms, before the loop ended`);
  console.log(`watchdog, cpu 0.5: ${exit.watchdog?.message}; killed after ${exit.durationMs} ms`);
});

Deno.test({
  name: "a plugin under its own uid cannot read a root-only file inside its allowed dir",
  ignore: skipUnless(canSwitchUid, "needs root and setpriv to switch uid"),
  async fn() {
    await using dir = await makeWorkDir();
    const secret = `${dir.path}/secret.txt`;
    await Deno.writeTextFile(secret, "root only");
    await Deno.chmod(secret, 0o600);
    const script = await dir.write(
      "reader.ts",
      `try { console.log("read:" + await Deno.readTextFile(${JSON.stringify(secret)})); }
catch (e) { console.log("denied:" + e.name); }
console.log("uid:" + Deno.uid());`,
    );
    const pool = await createUidPool({ setprivAvailable: support.tools.setpriv !== null });
    const uid = pool.assign("reader");
    assert.ok(uid);
    const run = async (asUid: typeof uid | null) => {
      await using proc = await spawnSandboxed({
        plugin: "reader",
        // The file is inside the granted dir, so a refusal comes from the OS, not from Deno.
        argv: dir.argv(script, ["--allow-sys=uid"]),
        cwd: dir.path,
        env: dir.env,
        uid: asUid,
        support,
      });
      const [exit, stdout] = await Promise.all([proc.status, collect(proc.stdoutLines)]);
      assert.equal(exit.cause, "clean-exit", `${exit.sentence}\n${exit.stderrTail.join("\n")}`);
      return { stdout, enforcement: proc.enforcement };
    };
    const asPlugin = await run(uid);
    assert.deepEqual(asPlugin.stdout, ["denied:PermissionDenied", `uid:${uid.uid}`]);
    assert.equal(asPlugin.enforcement.uid, uid.uid);
    assert.equal(asPlugin.enforcement.nproc, support.tools.prlimit !== null);
    const asManager = await run(null);
    assert.deepEqual(asManager.stdout, ["read:root only", "uid:0"]);
  },
});

Deno.test({
  name: "cgroup creation is skipped cleanly and the process still runs when cgroups are off",
  ignore: skipUnless(hasCgroups, "no cgroups to turn off"),
  async fn() {
    await using dir = await makeWorkDir();
    const script = await dir.write("hi.ts", `console.log("hi");`);
    await using proc = await spawnSandboxed({
      plugin: "hi",
      argv: dir.argv(script),
      cwd: dir.path,
      env: dir.env,
      support,
      cgroups: false,
      watchdog: "sample",
    });
    const [exit, stdout] = await Promise.all([proc.status, collect(proc.stdoutLines)]);
    assert.deepEqual(stdout, ["hi"]);
    assert.equal(exit.cgroup, null);
    assert.equal(exit.cause, "clean-exit");
  },
});

Deno.test("stats() reports RSS, CPU seconds and the cgroup counters of a running plugin", async () => {
  await using dir = await makeWorkDir();
  const script = await dir.write(
    "busy.ts",
    `console.log("ready"); const end = Date.now() + 600; while (Date.now() < end) {}
console.log("idle"); setInterval(() => {}, 1000);`,
  );
  await using proc = await spawnSandboxed({
    plugin: "busy",
    argv: dir.argv(script),
    cwd: dir.path,
    env: dir.env,
    support,
  });
  const lines = proc.stdoutLines.getReader();
  assert.equal((await lines.read()).value, "ready");
  assert.equal((await lines.read()).value, "idle");
  lines.releaseLock();
  const stats = await proc.stats();
  assert.equal(stats.running, true);
  assert.ok((stats.rssBytes ?? 0) > 10 * 1024 * 1024, `rss ${stats.rssBytes}`);
  assert.ok((stats.cpuSeconds ?? 0) > 0.2, `cpu ${stats.cpuSeconds}`);
  assert.ok(stats.cpuShare !== null && stats.cpuShare > 0);
  if (hasCgroups) assert.ok((stats.cgroup?.memoryBytes ?? 0) > 0);
  const exit = await proc.kill(1000);
  assert.equal(exit.cause, "killed");
  assert.equal((await proc.stats()).running, false);
});

Deno.test({
  name: "without cgroups, RLIMIT_NPROC on the plugin's own uid still stops a worker bomb",
  ignore: skipUnless(
    canSwitchUid && support.tools.prlimit !== null,
    "needs root, setpriv and prlimit (RLIMIT_NPROC is per uid and ignored for root)",
  ),
  async fn() {
    await using dir = await makeWorkDir();
    await dir.write("idle_worker.ts", SCRIPTS.idleWorker);
    const script = await dir.write("bomb.ts", SCRIPTS.workerBomb(60));
    const pool = await createUidPool();
    await using proc = await spawnSandboxed({
      plugin: "nproc-bomb",
      argv: dir.argv(script),
      cwd: dir.path,
      env: dir.env,
      limits: { pids: 24 },
      uid: pool.assign("nproc-bomb"),
      support,
      cgroups: false,
    });
    assert.equal(proc.enforcement.nproc, true);
    const [exit, stdout] = await Promise.all([proc.status, collect(proc.stdoutLines)]);
    assert.ok(!stdout.includes("all workers started"), "the bomb must not complete");
    assert.equal(exit.cause, "pids-limit", `${exit.sentence}\n${exit.stderrTail.join("\n")}`);
  },
});

Deno.test("with prlimit and setpriv missing the plugin still runs, with the fallbacks named", async () => {
  await using dir = await makeWorkDir();
  const script = await dir.write("hi.ts", `console.log("hi");`);
  await using proc = await spawnSandboxed({
    plugin: "bare",
    argv: dir.argv(script),
    cwd: dir.path,
    env: dir.env,
    support: { ...support, tools: { ...support.tools, prlimit: null, setpriv: null } },
    uid: { uid: 61998, gid: 61998 },
  });
  const [exit, stdout] = await Promise.all([proc.status, collect(proc.stdoutLines)]);
  assert.deepEqual(stdout, ["hi"]);
  assert.equal(exit.cause, "clean-exit", exit.sentence);
  assert.equal(proc.enforcement.uid, null);
  assert.equal(proc.enforcement.prlimit, false);
  assert.match(proc.enforcement.warnings.join("\n"), /setpriv.*missing/);
  assert.match(proc.enforcement.warnings.join("\n"), /prlimit.*missing/);
});
