import assert from "node:assert/strict";
import {
  describeLimitSupport,
  detectLimitSupport,
  sampleProcess,
  startWatchdog,
} from "../../sandbox/limits/mod.ts";
import { parseMountinfo, parseProcCgroup } from "../../sandbox/limits/detect.ts";
import { support } from "./_helpers.ts";

Deno.test("mountinfo and /proc/self/cgroup of a hybrid host are parsed", () => {
  const mounts = parseMountinfo(
    [
      "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
      "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
      "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
      "50 31 0:40 / /mnt/with\\040space rw - cgroup cgroup rw,pids",
      "22 1 8:1 / / rw - ext4 /dev/sda1 rw",
    ].join("\n"),
  );
  assert.deepEqual(mounts.map((m) => [m.mountpoint, m.fstype, m.superOptions.at(-1)]), [
    ["/sys/fs/cgroup/cpu", "cgroup", "cpu"],
    ["/sys/fs/cgroup/memory", "cgroup", "memory"],
    ["/sys/fs/cgroup/unified", "cgroup2", "rw"],
    ["/mnt/with space", "cgroup", "pids"],
  ]);
  const membership = parseProcCgroup("4:memory:/process_api/abc\n1:cpu,cpuacct:/\n0::/\n");
  assert.equal(membership.get("memory"), "/process_api/abc");
  assert.equal(membership.get("cpu,cpuacct"), "/");
  assert.equal(membership.get(""), "/");
});

Deno.test("detection reports the mechanism and the facts in plain words", () => {
  const text = describeLimitSupport(support);
  console.log(text);
  assert.match(text, /^resource limits: (cgroup-v1|cgroup-v2|watchdog)\n/);
  assert.ok(support.findings.length >= 3);
  if (support.mechanism === "cgroup-v1") {
    assert.match(support.findings[0]!, /^Limits are enforced by cgroup v1/);
  }
  assert.ok(support.findings.some((f) => /uid/.test(f)));
});

Deno.test("turning cgroups off by option selects the watchdog and says so", async () => {
  const off = await detectLimitSupport({ disableCgroups: true });
  assert.equal(off.mechanism, "watchdog");
  assert.equal(off.cgroup, null);
  assert.match(off.findings[0]!, /watchdog reads \/proc every 250 ms/);
  assert.ok(off.findings.includes("cgroups are turned off by configuration."));
});

Deno.test("a host without cgroup mounts falls back to the watchdog", async () => {
  const empty = await Deno.makeTempFile();
  try {
    const none = await detectLimitSupport({ mountinfoPath: empty, cgroupPath: empty });
    assert.equal(none.mechanism, "watchdog");
    assert.ok(none.findings.includes("No cgroup v1 hierarchies are mounted."));
  } finally {
    await Deno.remove(empty);
  }
});

Deno.test("sampleProcess reads RSS and CPU seconds from /proc, and null for a gone pid", async () => {
  const me = await sampleProcess(Deno.pid);
  assert.ok(me);
  assert.ok(me.rssBytes > 1024 * 1024);
  assert.ok(me.cpuSeconds > 0);
  assert.ok(me.threads >= 1);
  assert.equal(await sampleProcess(4194999), null);
});

Deno.test("a sampling-only watchdog never kills and stops on close()", async () => {
  let killed = false;
  const dog = startWatchdog({
    pid: Deno.pid,
    limits: { memoryMb: 1, cpu: 0.01 }, // far below this process: would fire if enforcing
    enforce: false,
    intervalMs: 10,
    kill: () => {
      killed = true;
    },
  });
  const deadline = Date.now() + 2000;
  while (dog.latest === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await dog.close();
  assert.ok(dog.latest !== null);
  assert.equal(killed, false);
  assert.equal(dog.verdict, null);
});
