/**
 * One plugin's life: vet, describe, plan, mint, launch, watch (heartbeats and process), restart
 * with backoff, quarantine a crash loop, stop gracefully (control message, SIGTERM, SIGKILL),
 * and the kill switch (revoke the NATS user and kill the process).
 */
import {
  errorText,
  type Logger,
  type PluginManifest,
  type PluginState,
  type PluginStatus,
  type SecurityViolation,
  subjects,
} from "@quicksilver/core";
import type { ExitInfo, SandboxedProcess } from "../process/mod.ts";
import { RUNNER_EXIT } from "../runner/mod.ts";
import { RestartPacer } from "./backoff.ts";
import { PluginRefusedError } from "./errors.ts";
import {
  type LaunchCache,
  type LaunchFigures,
  type PreparedLaunch,
  preparePluginLaunch,
} from "./prepare_launch.ts";
import type { SupervisorDeps } from "./supervisor_deps.ts";
import { auditViolation, FileFollower } from "./violations.ts";

/** Colour codes (built without a control character in a regex literal, for the linter). */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/** Exit causes that are the sandbox doing its job: reported as security violations. */
const LIMIT_CAUSES = new Set([
  "memory-limit",
  "heap-exhausted",
  "cpu-limit",
  "pids-limit",
  "permission-denied",
]);
const MAX_REPORTS_PER_LAUNCH = 25;

export class PluginSupervisor {
  readonly name: string;
  readonly file: string;
  readonly #deps: SupervisorDeps;
  readonly #log: Logger;
  readonly #pacer: RestartPacer;
  #state: PluginState = "stopped";
  #reason: string | undefined;
  #manifest: PluginManifest | undefined;
  #restarts = 0;
  #violations = 0;
  #launchViolations = 0;
  #launchReports = 0;
  #proc: SandboxedProcess | null = null;
  #launch: PreparedLaunch | null = null;
  #startedAt = 0;
  #lastBeat = 0;
  #ready: (() => void) | null = null;
  #wanted = false;
  #stopping: { then: PluginState; reason: string } | null = null;
  #hung: string | null = null;
  #restartTimer: ReturnType<typeof setTimeout> | undefined;
  #watchTimer: ReturnType<typeof setInterval> | undefined;
  #audit: FileFollower | null = null;
  #queue: Promise<void> = Promise.resolve();
  readonly #cache: LaunchCache = {};
  /** Timings of the last launch (for `plugins list` and the bench). */
  lastFigures: LaunchFigures | null = null;
  /** Sampled by {@linkcode sample}, for `deno task status`. */
  #usage: { rssBytes?: number; cpuPercent?: number; messages?: number } = {};

  constructor(name: string, file: string, deps: SupervisorDeps) {
    this.name = name;
    this.file = file;
    this.#deps = deps;
    this.#log = deps.logger.child({ plugin: name });
    this.#pacer = new RestartPacer(deps.restartPolicy);
  }

  get state(): PluginState {
    return this.#state;
  }

  status(): PluginStatus {
    return {
      name: this.name,
      state: this.#state,
      ...(this.#manifest ? { manifest: this.#manifest } : {}),
      ...(this.#proc ? { pid: this.#proc.pid, startedAt: this.#startedAt } : {}),
      restarts: this.#restarts,
      ...(this.#reason ? { reason: this.#reason.slice(0, 1000) } : {}),
      violations: this.#violations,
      ...(this.#proc ? this.#usage : {}),
    };
  }

  /** Samples the process's memory and CPU share (cgroup or /proc) for the status table. */
  async sample(): Promise<void> {
    const proc = this.#proc;
    if (!proc) return;
    const stats = await proc.stats().catch(() => null);
    if (!stats || proc !== this.#proc) return;
    if (stats.rssBytes !== null) this.#usage.rssBytes = stats.rssBytes;
    if (stats.cpuShare !== null) this.#usage.cpuPercent = Math.round(stats.cpuShare * 1000) / 10;
  }

  /** Starts it (also out of quarantine or refusal: the operator asked). Resolves when running or failed. */
  start(): Promise<void> {
    return this.#serial(async () => {
      this.#wanted = true;
      this.#pacer.reset();
      clearTimeout(this.#restartTimer);
      if (this.#proc) return;
      await this.#launchNow();
    });
  }

  /** Stops it gracefully; it stays stopped until started again. */
  stop(reason = "stopped by the operator"): Promise<void> {
    return this.#serial(async () => {
      this.#wanted = false;
      clearTimeout(this.#restartTimer);
      if (this.#proc) await this.#stopProcess("stopped", reason);
      else if (this.#state === "restarting" || this.#state === "starting") {
        this.#set("stopped", reason);
      }
    });
  }

  async restart(): Promise<void> {
    await this.stop("restarting on request");
    await this.start();
    this.#restarts++;
    this.#deps.changed();
  }

  /**
   * A heartbeat arrived from this plugin's subject (only its own NATS user can publish there).
   * `messages` is what the plugin says it handled: shown, never trusted for decisions.
   */
  heartbeat(messages?: number): void {
    if (messages !== undefined) this.#usage.messages = messages;
    this.#lastBeat = Date.now();
    this.#ready?.();
  }

  /** A violation was reported for this plugin (by anyone); trips the kill switch past the limit. */
  counted(violation: SecurityViolation): void {
    this.#violations++;
    this.#deps.changed();
    if (violation.action !== "denied" || !this.#proc) return;
    this.#launchViolations++;
    if (this.#launchViolations >= this.#deps.quarantineAfterViolations) {
      void this.killSwitch(
        `${this.#launchViolations} security violation(s); last: ${violation.kind} ${violation.detail}`,
      );
    }
  }

  /** Revokes its NATS user at once, kills the process, and quarantines it with the reason. */
  killSwitch(reason: string): Promise<void> {
    return this.#serial(async () => {
      this.#wanted = false;
      clearTimeout(this.#restartTimer);
      const key = this.#launch?.userKey;
      if (key) {
        await this.#deps.revoker.revoke(key).catch((error) =>
          this.#log.error("revocation failed", { error: errorText(error) })
        );
      }
      const proc = this.#proc;
      if (proc) {
        this.#stopping = { then: "quarantined", reason: `kill switch: ${reason}` };
        await proc.kill(0);
        await this.#exitHandled;
      } else this.#set("quarantined", `kill switch: ${reason}`);
      this.#deps.reporter.report({
        plugin: this.name,
        kind: "kill-switch",
        detail: reason,
        action: "quarantined",
      });
    });
  }

  /** Stops for good (manager shutdown). */
  async close(): Promise<void> {
    await this.stop("the manager is shutting down");
    clearInterval(this.#watchTimer);
  }

  #exitHandled: Promise<void> = Promise.resolve();

  #serial(task: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(task, task);
    this.#queue = next.catch((error) =>
      this.#log.error("supervisor task failed", { error: errorText(error) })
    );
    return next;
  }

  #set(state: PluginState, reason?: string) {
    this.#state = state;
    this.#reason = reason;
    // Routine steps: "plugin ready" or "plugin stopped" (or the failure) follows in one line.
    const routine = state === "starting" || state === "running" || state === "stopping";
    (routine ? this.#log.debug : this.#log.info)(`plugin ${state}`, reason ? { reason } : {});
    this.#deps.changed();
  }

  async #launchNow(): Promise<void> {
    this.#set("starting");
    let launch: PreparedLaunch;
    try {
      launch = await preparePluginLaunch(this.name, this.file, this.#deps, this.#cache);
    } catch (error) {
      if (error instanceof PluginRefusedError) {
        this.#wanted = false;
        if (error.kind === "module-graph" || error.kind === "symlink") {
          this.#deps.reporter.report({
            plugin: this.name,
            kind: error.kind,
            detail: error.message,
            action: "refused",
          });
        }
        this.#set("refused", error.message);
        return;
      }
      this.#log.error("launch failed", { error: errorText(error) });
      this.#crashed(`it could not be launched: ${errorText(error)}`, 0);
      return;
    }
    this.#launch = launch;
    this.#manifest = launch.description.manifest;
    this.#proc = launch.proc;
    this.#startedAt = Date.now();
    this.#lastBeat = 0;
    this.#launchViolations = 0;
    this.#launchReports = 0;
    this.#hung = null;
    this.#deps.registerUser(launch.userKey, this.name);
    this.#followAudit(launch);
    void this.#pumpStderr(launch.proc);
    let exitSeen = false;
    this.#exitHandled = launch.proc.status.then((exit) => {
      exitSeen = true;
      return this.#exited(launch, exit);
    });
    const ready = new Promise<void>((resolve) => (this.#ready = resolve));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      ready.then(() => "ready" as const),
      launch.proc.status.then(() => "exited" as const),
      new Promise<"timeout">((
        r,
      ) => (timer = setTimeout(() => r("timeout"), this.#deps.timings.startTimeoutMs))),
    ]);
    clearTimeout(timer);
    this.#ready = null;
    if (outcome === "ready" && !exitSeen) {
      launch.figures.readyMs = Date.now() - launch.figures.spawnedAt;
      this.lastFigures = launch.figures;
      this.#set("running");
      this.#log.info("plugin ready", {
        pid: launch.proc.pid,
        commands: launch.description.manifest.commands.map((c) => c.name),
        ...launch.figures,
      });
      this.#watchHeartbeats();
    } else if (outcome === "timeout") {
      this.#hung = `it did not report ready within ${this.#deps.timings.startTimeoutMs} ms`;
      await launch.proc.kill(500);
      await this.#exitHandled;
    } else {
      await this.#exitHandled;
    }
  }

  #watchHeartbeats() {
    clearInterval(this.#watchTimer);
    const { heartbeatTimeoutMs, heartbeatMs } = this.#deps.timings;
    this.#watchTimer = setInterval(() => {
      const proc = this.#proc;
      if (!proc || this.#state !== "running" || this.#stopping || this.#hung) return;
      const silentFor = Date.now() - this.#lastBeat;
      if (silentFor <= heartbeatTimeoutMs) return;
      this.#hung =
        `it stopped answering (no heartbeat for ${silentFor} ms: a busy loop or a blocked event loop)`;
      this.#deps.reporter.report({
        plugin: this.name,
        kind: "unresponsive",
        detail: this.#hung,
        action: "killed",
      });
      void proc.kill(500);
    }, Math.max(50, Math.floor(heartbeatMs / 2)));
  }

  async #exited(launch: PreparedLaunch, exit: ExitInfo): Promise<void> {
    clearInterval(this.#watchTimer);
    await this.#audit?.stop();
    this.#audit = null;
    this.#deps.registerUser(launch.userKey, null);
    this.#proc = null;
    const ranFor = Date.now() - this.#startedAt;
    if (this.#stopping) {
      const { then, reason } = this.#stopping;
      this.#stopping = null;
      this.#set(then, reason);
      return;
    }
    if (exit.code === RUNNER_EXIT.invalidPlugin && exit.signal === null) {
      this.#wanted = false;
      this.#set("refused", `it is not a valid plugin: ${lastError(exit)}`);
      return;
    }
    if (LIMIT_CAUSES.has(exit.cause)) {
      this.#deps.reporter.report({
        plugin: this.name,
        kind: exit.cause,
        detail: exit.sentence,
        action: "killed",
      });
    }
    const reason = this.#hung ??
      (exit.code === RUNNER_EXIT.setupFailed
        ? `its setup failed: ${lastError(exit)}`
        : exit.sentence);
    if (!this.#wanted) {
      this.#set("stopped", reason);
      return;
    }
    this.#crashed(reason, ranFor);
  }

  #crashed(reason: string, ranFor: number) {
    const delay = this.#pacer.crashed(ranFor);
    if (delay === null) {
      this.#wanted = false;
      const window = Math.round(this.#deps.restartPolicy.crashLoopWindowMs / 1000);
      this.#set(
        "quarantined",
        `crash loop: it failed ${this.#pacer.recentCrashes} times within ${window} s; last: ${reason} ` +
          `Fix it, then \`deno task plugins start ${this.name}\`.`,
      );
      return;
    }
    this.#set("restarting", `${reason} Restarting in ${delay} ms.`);
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => {
      void this.#serial(async () => {
        if (!this.#wanted || this.#proc) return;
        this.#restarts++;
        await this.#launchNow();
      });
    }, delay);
  }

  async #stopProcess(then: PluginState, reason: string): Promise<void> {
    const proc = this.#proc;
    if (!proc) return;
    this.#stopping = { then, reason };
    this.#set("stopping", reason);
    try {
      this.#deps.bus.publish(subjects.pluginControl(this.name), { op: "stop" });
    } catch {
      // bus closed: go straight to signals
    }
    const grace = this.#deps.timings.stopGraceMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ended = await Promise.race([
      proc.status.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), grace))),
    ]);
    clearTimeout(timer);
    if (!ended) await proc.kill(grace);
    await this.#exitHandled;
  }

  #reportOnce(kind: string, detail: string) {
    if (++this.#launchReports > MAX_REPORTS_PER_LAUNCH) return;
    this.#deps.reporter.report({ plugin: this.name, kind, detail, action: "denied" });
  }

  #followAudit(launch: PreparedLaunch) {
    const grants = { dataDir: launch.paths.dataDir, net: launch.allowedNet };
    this.#audit = new FileFollower(launch.paths.auditFile, (line) => {
      let entry: { permission?: unknown; value?: unknown };
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      const found = auditViolation({
        permission: String(entry.permission ?? "?"),
        value: entry.value == null ? null : String(entry.value),
      }, grants);
      if (found) this.#reportOnce(found.kind, found.detail);
    }, { intervalMs: 150 });
    void this.#audit.start({ fromStart: true });
  }

  async #pumpStderr(proc: SandboxedProcess) {
    const log = this.#log.child({ pid: proc.pid });
    for await (const line of proc.stderrLines) {
      let parsed: Record<string, unknown> | undefined;
      try {
        parsed = line.startsWith("{") ? JSON.parse(line) : undefined;
      } catch {
        parsed = undefined;
      }
      if (parsed?.msg === "permission denied" && typeof parsed.permission === "string") {
        this.#reportOnce(
          `deno-${parsed.permission}`,
          `${parsed.permission} ${String(parsed.value ?? "")}`.trim(),
        );
      } else if (/NotCapable: Requires run access/.test(line)) {
        this.#reportOnce("deno-run", line.replace(ANSI, "").trim());
      }
      if (parsed && typeof parsed.msg === "string") {
        const { msg, level, time: _t, plugin: _p, ...fields } = parsed;
        const write = level === "error"
          ? log.error
          : level === "warn"
          ? log.warn
          : level === "debug"
          ? log.debug
          : log.info;
        write(`${msg}`, fields);
      } else if (line.trim()) {
        log.warn(line.replace(ANSI, "").slice(0, 2000), { stream: "stderr" });
      }
    }
  }
}

function lastError(exit: ExitInfo): string {
  for (const line of [...exit.stderrTail].reverse()) {
    try {
      const parsed = JSON.parse(line);
      if (parsed?.level === "error") {
        return `${parsed.msg}${parsed.error ? `: ${parsed.error}` : ""}`;
      }
    } catch {
      if (/error/i.test(line)) return line.slice(0, 300);
    }
  }
  return exit.sentence;
}
