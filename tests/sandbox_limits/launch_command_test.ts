import assert from "node:assert/strict";
import { DEFAULT_RESOURCE_LIMITS, type LimitTools } from "../../sandbox/limits/mod.ts";
import { buildLaunchCommand, ENTER_SCRIPT } from "../../sandbox/process/mod.ts";

const ALL_TOOLS: LimitTools = {
  sh: "/bin/sh",
  prlimit: "/usr/bin/prlimit",
  setpriv: "/usr/bin/setpriv",
  env: "/usr/bin/env",
};
const ARGV = ["/usr/bin/deno", "run", "--no-prompt", "plugin.ts"];

Deno.test("the launch chain is: join cgroup, rlimits, own uid and death signal, explicit env, then the argv", () => {
  const cmd = buildLaunchCommand({
    argv: ARGV,
    env: { DENO_DIR: "/var/lib/qs/deno" },
    limits: { ...DEFAULT_RESOURCE_LIMITS, pids: 48, cpuSecondsBackstop: 600 },
    tools: ALL_TOOLS,
    procsFiles: ["/cg/memory/x/cgroup.procs", "/cg/cpu/x/cgroup.procs"],
    uid: { uid: 61001, gid: 61001 },
  });
  assert.deepEqual([cmd.command, ...cmd.args], [
    "/bin/sh",
    "-c",
    ENTER_SCRIPT,
    "quicksilver-enter",
    "/cg/memory/x/cgroup.procs",
    "/cg/cpu/x/cgroup.procs",
    "--",
    "/usr/bin/prlimit",
    "--nofile=256:256",
    "--nproc=48:48",
    "--fsize=67108864:67108864",
    "--cpu=600:605",
    "--",
    "/usr/bin/setpriv",
    "--reuid=61001",
    "--regid=61001",
    "--clear-groups",
    "--no-new-privs",
    "--pdeathsig",
    "KILL",
    "--",
    "/usr/bin/env",
    "-i",
    "--",
    "DENO_DIR=/var/lib/qs/deno",
    ...ARGV,
  ]);
  assert.deepEqual(cmd.env, {});
  assert.deepEqual(cmd.applied, {
    cgroup: true,
    prlimit: true,
    nproc: true,
    uid: 61001,
    pdeathsig: true,
  });
  assert.deepEqual(cmd.warnings, []);
});

Deno.test("without a dedicated uid setpriv only sets the death signal, and there is no RLIMIT_NPROC (root ignores it)", () => {
  const cmd = buildLaunchCommand({
    argv: ARGV,
    env: {},
    limits: DEFAULT_RESOURCE_LIMITS,
    tools: ALL_TOOLS,
    procsFiles: [],
    uid: null,
  });
  assert.deepEqual([cmd.command, ...cmd.args], [
    "/usr/bin/prlimit",
    "--nofile=256:256",
    "--fsize=67108864:67108864",
    "--",
    "/usr/bin/setpriv",
    "--pdeathsig",
    "KILL",
    "--",
    "/usr/bin/env",
    "-i",
    "--",
    ...ARGV,
  ]);
  assert.equal(cmd.applied.pdeathsig, true);
});

Deno.test("missing prlimit, setpriv and env fall back with warnings instead of failing", () => {
  const cmd = buildLaunchCommand({
    argv: ARGV,
    env: { NO_COLOR: "1" },
    limits: DEFAULT_RESOURCE_LIMITS,
    tools: { sh: "/bin/sh", prlimit: null, setpriv: null, env: null },
    procsFiles: ["/cg/pids/x/cgroup.procs"],
    uid: { uid: 61001, gid: 61001 },
  });
  assert.deepEqual(cmd.args.slice(-ARGV.length + 1), ARGV.slice(1));
  assert.equal(cmd.args.includes("/usr/bin/setpriv"), false);
  assert.deepEqual(cmd.env, { NO_COLOR: "1" }, "Deno.Command's clearEnv carries the env");
  assert.equal(cmd.applied.uid, null);
  assert.equal(cmd.applied.pdeathsig, false);
  assert.equal(cmd.warnings.length, 3);
  assert.match(cmd.warnings.join("\n"), /setpriv.*missing/);
  assert.match(cmd.warnings.join("\n"), /not killed by the kernel when the manager dies/);
  assert.match(cmd.warnings.join("\n"), /prlimit.*missing/);
});

Deno.test("env keys that env(1) would misread are refused", () => {
  assert.throws(
    () =>
      buildLaunchCommand({
        argv: ARGV,
        env: { "A=B": "x" },
        limits: DEFAULT_RESOURCE_LIMITS,
        tools: ALL_TOOLS,
        procsFiles: [],
        uid: null,
      }),
    /not a valid variable name/,
  );
});
