import assert from "node:assert/strict";
import { classifyExit, type ExitEvidence } from "../../sandbox/limits/mod.ts";

const cases: [string, ExitEvidence, string][] = [
  ["exit 0 is a clean exit", { code: 0, signal: null }, "clean-exit"],
  [
    "SIGKILL with an OOM kill in the cgroup is the memory limit",
    { code: 137, signal: "SIGKILL", oomKills: 1, memoryMb: 64 },
    "memory-limit",
  ],
  [
    "a watchdog memory verdict is the memory limit",
    {
      code: 137,
      signal: "SIGKILL",
      watchdog: { kind: "memory", rssBytes: 3e8, limitBytes: 2.56e8, message: "rss 300 MB" },
    },
    "memory-limit",
  ],
  [
    "SIGTRAP (133) is V8's heap exhaustion",
    {
      code: 133,
      signal: "SIGTRAP",
      stderrTail: ["# Fatal JavaScript out of memory: Ineffective mark-compacts near heap limit"],
    },
    "heap-exhausted",
  ],
  [
    "the heap message alone is enough",
    { code: 133, signal: null, stderrTail: ["<--- Last few GCs --->", "Reached heap limit"] },
    "heap-exhausted",
  ],
  ["SIGXCPU (152) is the CPU-time backstop", { code: 152, signal: "SIGXCPU" }, "cpu-limit"],
  ["SIGXFSZ (153) is the cap on one file's size", { code: 153, signal: "SIGXFSZ" }, "data-limit"],
  [
    "a watchdog CPU verdict is the CPU limit",
    {
      code: 137,
      signal: "SIGKILL",
      watchdog: { kind: "cpu", share: 0.99, threshold: 0.9, windowMs: 2000, message: "99 %" },
    },
    "cpu-limit",
  ],
  [
    "SIGKILL past the hard CPU rlimit is the CPU limit",
    { code: 137, signal: "SIGKILL", cpuSeconds: 12, cpuSecondsBackstop: 10 },
    "cpu-limit",
  ],
  [
    "refused thread creation is the pids limit",
    {
      code: 1,
      signal: null,
      pidsLimitHits: 3,
      stderrTail: ["Deno could not start: unable to create worker threads."],
    },
    "pids-limit",
  ],
  ["exit 70 is an unstable API", { code: 70, signal: null }, "unstable-api"],
  [
    "NotCapable on stderr with a non-zero exit is a permission denial",
    {
      code: 1,
      signal: null,
      stderrTail: [
        'error: Uncaught (in promise) NotCapable: Requires read access to "/etc/hostname"',
      ],
    },
    "permission-denied",
  ],
  [
    "an uncaught error is a crash",
    { code: 1, signal: null, stderrTail: ["error: Uncaught Error: boom"] },
    "crash",
  ],
  ["another exit code is a crash too", { code: 3, signal: null }, "crash"],
  [
    "SIGKILL without OOM evidence is a kill",
    { code: 137, signal: "SIGKILL", oomKills: 0 },
    "killed",
  ],
  [
    "a signal sent by the manager is a kill",
    { code: 143, signal: "SIGTERM", stoppedByManager: true },
    "killed",
  ],
  [
    "a wrapper error before the plugin ran is a launch failure",
    {
      code: 125,
      signal: null,
      stderrTail: ["quicksilver-enter: 1: cannot create /sys/fs/cgroup/x: Permission denied"],
    },
    "launch-failed",
  ],
  [
    "setpriv failing is a launch failure",
    { code: 127, signal: null, stderrTail: ["setpriv: failed to execute deno: No such file"] },
    "launch-failed",
  ],
];

for (const [name, evidence, cause] of cases) {
  Deno.test(`exit cause: ${name}`, () => {
    const result = classifyExit(evidence);
    assert.equal(result.cause, cause, result.sentence);
    assert.ok(result.sentence.length > 10);
  });
}

Deno.test("exit sentences quote the limit, the denied access and who stopped it", () => {
  assert.match(
    classifyExit({ code: 137, signal: "SIGKILL", oomKills: 2, memoryMb: 64 }).sentence,
    /more than its 64 MB limit \(cgroup oom_kill=2\)/,
  );
  assert.match(
    classifyExit({
      code: 1,
      signal: null,
      stderrTail: ['error: Uncaught NotCapable: Requires net access to "1.2.3.4:80"'],
    }).sentence,
    /1\.2\.3\.4:80/,
  );
  assert.match(
    classifyExit({ code: 143, signal: "SIGTERM", stoppedByManager: true }).sentence,
    /The manager stopped it \(SIGTERM\)/,
  );
  assert.match(
    classifyExit({ code: 137, signal: "SIGKILL" }).sentence,
    /from outside the manager.*not the memory limit/,
  );
});
