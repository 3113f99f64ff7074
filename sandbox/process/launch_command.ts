/**
 * Builds the command line that launches a plugin inside its limits, as a pure function so the
 * composition (and every fallback) can be read and tested without starting anything:
 *
 * ```
 * sh -c '<join cgroups>; exec "$@"' quicksilver-enter <cgroup.procs…> --   (cgroups)
 *   prlimit --nofile=N:N [--nproc=P:P] --fsize=F:F [--cpu=S:S+5] --         (rlimits)
 *   setpriv [--reuid=U --regid=U --clear-groups --no-new-privs] --pdeathsig KILL --
 *                                                                           (own uid, lifetime)
 *   env -i K=V… --                                                          (explicit env)
 *   <argv given by the caller, argv[0] resolved to an absolute path>
 * ```
 *
 * Each stage `exec`s the next, so the pid we get is the plugin's pid from the first instruction.
 *
 * `--pdeathsig KILL` makes the plugin's end the kernel's job: when the manager's process dies (even
 * by SIGKILL) the kernel SIGKILLs the plugin, whatever its code does (a replaced `Deno.exit`,
 * ignored signals, a busy loop that starves the runner's stdin lifeline). Checked on util-linux
 * 2.38.1 with strace: setpriv calls `prctl(PR_SET_PDEATHSIG)` *after* `setresuid`, so the
 * credential change (which clears the death signal) cannot undo it, and `exec` of a non-setuid
 * binary (env, deno) keeps it. The kernel sends it when the *thread* that forked the child exits;
 * Deno spawns from its main thread, which lives as long as the process: a plugin of an idle
 * manager survived 35 s (tests/sandbox/lifetime_test.ts proves the same).
 * The process joins its cgroup in `sh` *before* exec'ing anything, so no plugin code ever runs
 * outside the limits (moving a running process in would race with its first allocations).
 *
 * @module
 */
import type { LimitTools, ResourceLimits } from "../limits/mod.ts";
import type { UidAssignment } from "./uid_pool.ts";

/** The name `sh` reports its errors under; exit_cause recognises it as a launch failure. */
export const ENTER_SCRIPT_NAME = "quicksilver-enter";

/**
 * Writes its own pid into every cgroup.procs file given before `--`, then execs the rest.
 * `exit 125` mirrors env(1)'s "the wrapper itself failed" code.
 */
export const ENTER_SCRIPT =
  'while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do echo "$$" > "$1" || exit 125; shift; done; ' +
  'shift; exec "$@"';

export interface LaunchPlan {
  /** The caller's command; argv[0] should already be absolute (see spawnSandboxed). */
  argv: readonly string[];
  env: Readonly<Record<string, string>>;
  limits: ResourceLimits;
  tools: LimitTools;
  /** cgroup.procs files to join; empty for none. */
  procsFiles: readonly string[];
  uid: UidAssignment | null;
}

export interface LaunchCommand {
  /** Executable and arguments for Deno.Command. */
  command: string;
  args: string[];
  /** Environment for Deno.Command (with clearEnv); empty when `env -i` carries it. */
  env: Record<string, string>;
  /** What was applied, and the fallbacks taken, in plain words. */
  applied: {
    cgroup: boolean;
    prlimit: boolean;
    nproc: boolean;
    uid: number | null;
    /** The kernel SIGKILLs the plugin when the manager's process dies (setpriv --pdeathsig). */
    pdeathsig: boolean;
  };
  warnings: string[];
}

/** Composes the wrapper chain for `plan`; see the module doc. */
export function buildLaunchCommand(plan: LaunchPlan): LaunchCommand {
  const { tools, limits } = plan;
  const warnings: string[] = [];
  const argv: string[] = [];
  const applied = {
    cgroup: false,
    prlimit: false,
    nproc: false,
    uid: null as number | null,
    pdeathsig: false,
  };

  if (plan.procsFiles.length > 0) {
    if (tools.sh) {
      argv.push(tools.sh, "-c", ENTER_SCRIPT, ENTER_SCRIPT_NAME, ...plan.procsFiles, "--");
      applied.cgroup = true;
    } else {
      warnings.push("sh is missing, so the plugin cannot join its cgroup; limits are not enforced");
    }
  }

  const uid = plan.uid && tools.setpriv ? plan.uid : null;
  if (plan.uid && !tools.setpriv) {
    warnings.push(
      "plugins share the manager's uid because setpriv (util-linux) is missing; install it",
    );
  }

  if (tools.prlimit) {
    argv.push(tools.prlimit, `--nofile=${limits.openFiles}:${limits.openFiles}`);
    applied.prlimit = true;
    // RLIMIT_NPROC counts every thread of the *uid* and root ignores it, so it only means
    // something with a uid of the plugin's own.
    if (uid) {
      argv.push(`--nproc=${limits.pids}:${limits.pids}`);
      applied.nproc = true;
    }
    // RLIMIT_FSIZE: no single file may outgrow the data dir's quota (the runner ignores
    // SIGXFSZ, so the write fails with EFBIG, "File too large", instead of killing it).
    argv.push(`--fsize=${limits.dataMb * 1048576}:${limits.dataMb * 1048576}`);
    if (limits.cpuSecondsBackstop !== undefined) {
      // Soft limit → SIGXCPU (exit 152, classified cpu-limit); the hard limit 5 s later is
      // SIGKILL, in case the process catches SIGXCPU.
      const soft = limits.cpuSecondsBackstop;
      argv.push(`--cpu=${soft}:${soft + 5}`);
    }
    argv.push("--");
  } else {
    warnings.push(
      "prlimit (util-linux) is missing: open files" +
        (uid ? " and tasks per uid" : "") +
        (limits.cpuSecondsBackstop !== undefined ? " and the CPU-time backstop" : "") +
        " are not capped; install util-linux",
    );
  }

  if (tools.setpriv) {
    argv.push(tools.setpriv);
    if (uid) {
      argv.push(
        `--reuid=${uid.uid}`,
        `--regid=${uid.gid}`,
        "--clear-groups",
        // No setuid binary or file capability can give the plugin privileges back.
        "--no-new-privs",
      );
      applied.uid = uid.uid;
    }
    argv.push("--pdeathsig", "KILL", "--");
    applied.pdeathsig = true;
  } else {
    warnings.push(
      "setpriv (util-linux) is missing, so a plugin is not killed by the kernel when the " +
        "manager dies; only its stdin lifeline and the next launch's leftover check end it; " +
        "install util-linux",
    );
  }

  for (const key of Object.keys(plan.env)) {
    if (key === "" || key.includes("=") || key.includes("\0")) {
      throw new TypeError(`env key ${JSON.stringify(key)} is not a valid variable name`);
    }
  }
  let env: Record<string, string> = {};
  if (tools.env) {
    const pairs = Object.entries(plan.env).map(([k, v]) => `${k}=${v}`);
    argv.push(tools.env, "-i", "--", ...pairs);
    if ((plan.argv[0] ?? "").includes("=")) {
      throw new TypeError(
        `argv[0] ${plan.argv[0]} contains "=", which env(1) would take as a variable`,
      );
    }
  } else {
    // Deno.Command's clearEnv gives the same result without env(1).
    env = { ...plan.env };
  }
  argv.push(...plan.argv);
  const [command, ...args] = argv;
  if (command === undefined) throw new TypeError("argv must name a program to run");
  return { command, args, env, applied, warnings };
}
