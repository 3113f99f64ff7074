/**
 * Starts one plugin process inside its limits and gives the manager a handle to talk to it,
 * watch it, stop it, and learn why it ended. The caller decides the Deno flags; this layer
 * decides only the OS side: cgroup, rlimits, uid, environment.
 *
 * @module
 */
import type { Logger } from "../../core/log/mod.ts";
import { silentLogger } from "../../core/log/mod.ts";
import {
  type CgroupGroup,
  type CgroupStats,
  classifyExit,
  createCgroup,
  detectLimitSupport,
  type ExitCause,
  findExecutable,
  type LimitSupport,
  newLaunchId,
  parseResourceLimits,
  type ResourceLimits,
  type ResourceLimitsInput,
  sampleProcess,
  startWatchdog,
  type Watchdog,
  type WatchdogVerdict,
} from "../limits/mod.ts";
import { buildLaunchCommand } from "./launch_command.ts";
import { LineChannel, pumpLines, stripAnsi } from "./_line_stream.ts";
import type { OutputBudget } from "./output_budget.ts";
import { SpawnError } from "./errors.ts";
import type { UidAssignment } from "./uid_pool.ts";

export interface SpawnSandboxedOptions {
  /** Plugin name: in logs, the cgroup name and exit sentences. */
  plugin: string;
  /** The full command, e.g. `[Deno.execPath(), "run", "--no-prompt", …, "plugin.ts"]`. */
  argv: readonly string[];
  /** Working directory (usually the plugin's data dir). */
  cwd: string;
  /** The plugin's whole environment; nothing else is inherited. Deno needs DENO_DIR (or HOME). */
  env?: Readonly<Record<string, string>>;
  /** Limits; validated here, defaults filled in. */
  limits?: ResourceLimitsInput;
  /** From `detectLimitSupport()` (done once by the manager); detected here if omitted. */
  support?: LimitSupport;
  /** false: skip cgroups even where usable, and enforce with the watchdog. Default true. */
  cgroups?: boolean;
  /** Watchdog mode. Default "enforce" without a cgroup, "off" with one. */
  watchdog?: "enforce" | "sample" | "off";
  /** Run under this uid/gid (from the UidPool); null or absent: the manager's uid. */
  uid?: UidAssignment | null;
  /** Aborting stops the process (SIGTERM, then SIGKILL after `killGraceMs`). */
  signal?: AbortSignal;
  /** Grace period used by `signal` and `asyncDispose`. Default 3000 ms. */
  killGraceMs?: number;
  launchId?: string;
  /** Unread stdout/stderr lines kept per stream before dropping. Default 1000. */
  maxQueuedLines?: number;
  /**
   * Caps what is decoded and passed on from stdout and stderr together (see OutputBudget);
   * the rest is drained and counted. Default: no cap.
   */
  outputBudget?: OutputBudget;
  /**
   * Lines on stderr starting with this pass whatever the output budget: the runner's signed
   * reports (`<tripwire prefix><report token> `), so a plugin cannot hide an attempt it made
   * in a flood of its own output. Default: none.
   */
  keptLinePrefix?: string;
  logger?: Logger;
}

/** How the process ended, with the cause in plain words. */
export interface ExitInfo {
  plugin: string;
  launchId: string;
  pid: number;
  code: number;
  signal: Deno.Signal | null;
  cause: ExitCause;
  sentence: string;
  durationMs: number;
  /** Last counters of its cgroup (null without one). */
  cgroup: CgroupStats | null;
  watchdog: WatchdogVerdict | null;
  /** Last stderr lines (colour codes removed), the evidence for the cause. */
  stderrTail: string[];
}

/** Live readings of a running plugin. */
export interface ProcessStats {
  pid: number;
  running: boolean;
  /** From /proc; null once it has exited. */
  rssBytes: number | null;
  cpuSeconds: number | null;
  /** Cores used since the previous `stats()` call (or since start). */
  cpuShare: number | null;
  cgroup: CgroupStats | null;
}

/** What was actually enforced for this launch. */
export interface Enforcement {
  cgroup: 1 | 2 | null;
  cgroupName: string | null;
  /** The launch's cgroup directories (empty without one): everything in them is this plugin. */
  cgroupDirs: readonly string[];
  watchdog: "enforce" | "sample" | "off";
  prlimit: boolean;
  nproc: boolean;
  uid: number | null;
  /** The kernel kills the plugin when the manager's process dies (see launch_command.ts). */
  pdeathsig: boolean;
  warnings: string[];
}

/** A running sandboxed plugin. `await using` stops it (SIGTERM, then SIGKILL). */
export interface SandboxedProcess extends AsyncDisposable {
  readonly plugin: string;
  readonly launchId: string;
  readonly pid: number;
  readonly limits: ResourceLimits;
  readonly enforcement: Enforcement;
  /** Resolves once, when the process has ended and its cgroup is removed. Never rejects. */
  readonly status: Promise<ExitInfo>;
  /** Its stdin (credentials go here). Closed for you after exit. */
  readonly stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly stdoutLines: ReadableStream<string>;
  readonly stderrLines: ReadableStream<string>;
  /** Lines dropped because nobody read them fast enough. */
  readonly droppedLines: { stdout: number; stderr: number };
  /** Sends a signal (counts as the manager stopping it if it dies of it). */
  signal(sig: Deno.Signal): void;
  /** SIGTERM, then SIGKILL (whole cgroup) after `graceMs` (default 3000). */
  kill(graceMs?: number): Promise<ExitInfo>;
  stats(): Promise<ProcessStats>;
}

let defaultSupport: Promise<LimitSupport> | null = null;

/**
 * Launches `argv` sandboxed. See `launch_command.ts` for the wrapper chain.
 *
 * @example
 * ```ts ignore
 * await using proc = await spawnSandboxed({
 *   plugin: "dice",
 *   argv: [Deno.execPath(), "run", "--no-prompt", `--allow-read=${data}`, "plugins/dice/plugin.ts"],
 *   cwd: data,
 *   env: { DENO_DIR: "/var/lib/quicksilver/deno", NO_COLOR: "1" },
 *   limits: { memoryMb: 128 },
 *   uid: pool.assign("dice"),
 * });
 * await proc.stdin.write(creds);
 * const exit = await proc.status; // { cause: "memory-limit", sentence: "…" }
 * ```
 */
export async function spawnSandboxed(options: SpawnSandboxedOptions): Promise<SandboxedProcess> {
  const limits = parseResourceLimits(options.limits ?? {}, `plugins.${options.plugin}.limits`);
  const support = options.support ?? await (defaultSupport ??= detectLimitSupport());
  const launchId = options.launchId ?? newLaunchId();
  const log = (options.logger ?? silentLogger).child({ plugin: options.plugin, launchId });
  const warnings: string[] = [];
  const env = options.env ?? {};

  const [program, ...rest] = options.argv;
  if (program === undefined) throw new SpawnError(options.plugin, "argv is empty");
  const resolved = await findExecutable(program, searchPath());
  if (resolved === null) {
    throw new SpawnError(options.plugin, `cannot find executable ${program}; give its full path`);
  }
  if (/(^|\/)deno$/.test(resolved) && env.DENO_DIR === undefined && env.HOME === undefined) {
    warnings.push(
      'env has neither DENO_DIR nor HOME, so deno will fail with "Could not resolve global ' +
        'Deno cache directory"; pass DENO_DIR',
    );
  }

  let group: CgroupGroup | null = null;
  if (options.cgroups !== false && support.cgroup !== null) {
    try {
      group = await createCgroup(support, limits, { plugin: options.plugin, launchId });
    } catch (err) {
      warnings.push(`could not create its cgroup (${String(err)}); falling back to the watchdog`);
    }
  }

  let uid = options.uid ?? null;
  if (uid !== null && !support.isRoot) {
    warnings.push(
      `plugins share the manager's uid because the manager is not root (uid ${support.uid}); ` +
        `ignoring the assigned uid ${uid.uid}`,
    );
    uid = null;
  }

  const command = buildLaunchCommand({
    argv: [resolved, ...rest],
    env,
    limits,
    tools: support.tools,
    procsFiles: group?.procsFiles ?? [],
    uid,
  });
  warnings.push(...command.warnings);
  const watchdogMode = options.watchdog ?? (command.applied.cgroup ? "off" : "enforce");

  let child: Deno.ChildProcess;
  const startedAt = performance.now();
  try {
    child = new Deno.Command(command.command, {
      args: command.args,
      cwd: options.cwd,
      clearEnv: true,
      env: command.env,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (err) {
    await group?.remove().catch(() => {});
    throw new SpawnError(options.plugin, `cannot start ${command.command}: ${String(err)}`, {
      cause: err,
    });
  }

  const enforcement: Enforcement = {
    cgroup: command.applied.cgroup && group ? group.version : null,
    cgroupName: command.applied.cgroup && group ? group.name : null,
    cgroupDirs: command.applied.cgroup && group ? group.dirs : [],
    watchdog: watchdogMode,
    prlimit: command.applied.prlimit,
    nproc: command.applied.nproc,
    uid: command.applied.uid,
    pdeathsig: command.applied.pdeathsig,
    warnings,
  };
  for (const w of warnings) log.warn(w);
  // debug: the supervisor's "plugin ready" line says it for an operator (a describe run, too,
  // is a process of its own, and would read as a start and a stop of the plugin).
  log.debug("plugin process started", {
    pid: child.pid,
    cgroup: enforcement.cgroupName,
    watchdog: watchdogMode,
    uid: enforcement.uid,
  });

  let exited = false;
  let stoppedByManager = false;
  const killChild = (sig: Deno.Signal) => {
    if (exited) return;
    try {
      child.kill(sig);
    } catch {
      // it exited between the check and the kill
    }
  };

  const watchdog: Watchdog | null = watchdogMode === "off" ? null : startWatchdog({
    pid: child.pid,
    limits,
    enforce: watchdogMode === "enforce",
    kill: () => killChild("SIGKILL"),
    logger: log,
  });

  const queue = options.maxQueuedLines === undefined
    ? {}
    : { maxQueuedLines: options.maxQueuedLines };
  const stdout = new LineChannel(queue);
  const stderr = new LineChannel(queue);
  const tail: string[] = [];
  const budget = options.outputBudget;
  const pumpOptions = budget ? { accept: (bytes: number) => budget.takeBytes(bytes) } : {};
  const kept = options.keptLinePrefix;
  const keep = (line: string) => budget?.takeLine(line.length) ?? true;
  const pumps = Promise.all([
    pumpLines(child.stdout, (line) => {
      if (keep(line)) stdout.push(line);
    }, pumpOptions).finally(() => stdout.close()),
    pumpLines(child.stderr, (line) => {
      tail.push(stripAnsi(line));
      if (tail.length > 50) tail.shift();
      if ((kept && line.startsWith(kept)) || keep(line)) stderr.push(line);
    }, kept ? { ...pumpOptions, keepPrefix: kept } : pumpOptions).finally(() => stderr.close()),
  ]);
  const stdin = child.stdin.getWriter();

  const status = (async (): Promise<ExitInfo> => {
    const st = await child.status;
    exited = true;
    const durationMs = Math.round(performance.now() - startedAt);
    // stderr holds the evidence (heap OOM, NotCapable); give it a moment to drain.
    await withDeadline(pumps, 1000);
    await watchdog?.close();
    let cgroupStats: CgroupStats | null = null;
    if (group) {
      cgroupStats = await group.stats().catch(() => null);
      try {
        await group.remove();
      } catch (err) {
        log.warn("could not remove the plugin's cgroup", { error: err });
      }
    }
    await stdin.close().catch(() => {}); // already closed by the caller, or a broken pipe
    const signal = (st.signal ?? null) as Deno.Signal | null;
    const verdict = watchdog?.verdict ?? null;
    const { cause, sentence } = classifyExit({
      code: st.code,
      signal,
      oomKills: cgroupStats?.oomKills ?? 0,
      pidsLimitHits: cgroupStats?.pidsLimitHits ?? 0,
      watchdog: verdict,
      stderrTail: tail,
      stoppedByManager,
      cpuSeconds: cgroupStats?.cpuSeconds ?? watchdog?.latest?.cpuSeconds ?? null,
      cpuSecondsBackstop: limits.cpuSecondsBackstop,
      memoryMb: limits.memoryMb,
      cpu: limits.cpu,
      pids: limits.pids,
    });
    const info: ExitInfo = {
      plugin: options.plugin,
      launchId,
      pid: child.pid,
      code: st.code,
      signal,
      cause,
      sentence,
      durationMs,
      cgroup: cgroupStats,
      watchdog: verdict,
      stderrTail: [...tail],
    };
    // An expected end is debug: the supervisor logs the plugin's stop, and a describe run's
    // clean exit at start-up read like a crash ("process ended … code 0").
    (cause === "clean-exit" || (cause === "killed" && stoppedByManager) ? log.debug : log.warn)(
      `plugin process ended: ${sentence}`,
      { pid: child.pid, code: st.code, signal, cause, durationMs },
    );
    return info;
  })();

  const killGraceMs = options.killGraceMs ?? 3000;
  const kill = async (graceMs = killGraceMs): Promise<ExitInfo> => {
    if (exited) return await status;
    stoppedByManager = true;
    killChild("SIGTERM");
    const ended = await withDeadline(status, graceMs);
    if (!ended) {
      killChild("SIGKILL");
      // Anything else in its group (there should be nothing: plugins get no --allow-run).
      for (const pid of await group?.procs().catch(() => []) ?? []) {
        if (pid !== child.pid) {
          try {
            Deno.kill(pid, "SIGKILL");
          } catch { /* gone */ }
        }
      }
    }
    return await status;
  };

  const onAbort = () => void kill();
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });
  const detach = () => options.signal?.removeEventListener("abort", onAbort);
  status.then(detach, detach);

  let lastCpu: { at: number; cpuSeconds: number } | null = null;
  return {
    plugin: options.plugin,
    launchId,
    pid: child.pid,
    limits,
    enforcement,
    status,
    stdin,
    stdoutLines: stdout.readable,
    stderrLines: stderr.readable,
    get droppedLines() {
      return { stdout: stdout.dropped, stderr: stderr.dropped };
    },
    signal(sig: Deno.Signal) {
      stoppedByManager = true;
      killChild(sig);
    },
    kill,
    async stats(): Promise<ProcessStats> {
      const sample = exited ? null : await sampleProcess(child.pid);
      const cgroup = group ? await group.stats().catch(() => null) : null;
      const cpuSeconds = cgroup?.cpuSeconds ?? sample?.cpuSeconds ?? null;
      const now = performance.now();
      const since = lastCpu ?? { at: startedAt, cpuSeconds: 0 };
      const cpuShare = cpuSeconds === null || now <= since.at
        ? null
        : (cpuSeconds - since.cpuSeconds) / ((now - since.at) / 1000);
      if (cpuSeconds !== null) lastCpu = { at: now, cpuSeconds };
      return {
        pid: child.pid,
        running: !exited,
        rssBytes: sample?.rssBytes ?? null,
        cpuSeconds,
        cpuShare,
        cgroup,
      };
    },
    async [Symbol.asyncDispose]() {
      await kill();
    },
  };
}

function searchPath(): string[] {
  try {
    return (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":").filter((d) => d.startsWith("/"));
  } catch {
    return ["/usr/local/bin", "/usr/bin", "/bin"];
  }
}

/** Resolves true if `promise` settles within `ms`, false otherwise; leaves no timer behind. */
async function withDeadline(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
