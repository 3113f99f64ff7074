/**
 * One plugin's life: vet, describe, plan, mint, launch, watch (heartbeats and process), restart
 * with backoff, quarantine a crash loop, stop gracefully (control message, SIGTERM, SIGKILL),
 * and the kill switch (revoke the NATS user and kill the process).
 */
import {
  errorText,
  type Logger,
  type PluginAccess,
  type PluginManifest,
  type PluginState,
  type PluginStatus,
  sanitizeChatText,
  type SecurityViolation,
  subjects,
} from "@quicksilver/core";
import type { ExitInfo, SandboxedProcess } from "../process/mod.ts";
import { newLaunchId } from "../limits/mod.ts";
import { RUNNER_CONNECTED_MARKER, RUNNER_EXIT, TRIPWIRE_PREFIX } from "../runner/mod.ts";
import { ServerDials } from "./_server_dials.ts";
import { RestartPacer } from "./backoff.ts";
import { PluginRefusedError } from "./errors.ts";
import { accessOf } from "./launch_plan.ts";
import {
  type LaunchCache,
  type LaunchFigures,
  type PreparedLaunch,
  preparePluginLaunch,
} from "./prepare_launch.ts";
import type { SupervisorDeps } from "./supervisor_deps.ts";
import { auditViolation, FileFollower } from "./violations.ts";

/**
 * C0/C1 controls and bidi overrides in a plugin's output line: removed before it is logged, so
 * a plugin cannot rewrite the operator's terminal through the pretty log (built without a
 * control character in a regex literal, for the linter).
 */
const UNSAFE = new RegExp(
  `${
    String.fromCharCode(27)
  }\\[[0-9;?]*[A-Za-z]|[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]`,
  "g",
);
/** How often dropped plugin output is summed up in the log while it floods. */
const DROP_SUMMARY_MS = 5000;

/**
 * Exit causes that are the sandbox doing its job: reported as security violations. Not
 * "permission-denied": that cause is read from the plugin's own stderr (a NotCapable line it
 * may print itself); the denial it names was reported from the audit log already.
 */
const LIMIT_CAUSES = new Set([
  "memory-limit",
  "heap-exhausted",
  "cpu-limit",
  "pids-limit",
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
  /** Asked, granted and limits of the last planned launch (kept after it stops). */
  #access: PluginAccess | undefined;
  #restarts = 0;
  #violations = 0;
  #launchViolations = 0;
  #launchReports = 0;
  /** `kind detail` of this launch's reports: one denial is reported once per launch. */
  #launchReported = new Set<string>();
  /** Missing grants already reported (for the manager's lifetime: configuration, not attacks). */
  readonly #needsGrantReported = new Set<string>();
  #outputTimer: ReturnType<typeof setInterval> | undefined;
  /** This launch's dials of the NATS servers, from its audit log. */
  #serverDials: ServerDials | undefined;
  #proc: SandboxedProcess | null = null;
  #launch: PreparedLaunch | null = null;
  #startedAt = 0;
  #lastBeat = 0;
  /** When the manager's own connection last came back (ms): it heard no beats before that. */
  #hearingSince = 0;
  /** The id of the current (or coming) launch: heartbeats and stop requests carry it. */
  #launchId = "";
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
      ...(this.#access ? { access: this.#access } : {}),
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
    await this.#checkOpenFiles(proc);
    if (stats.rssBytes !== null) this.#usage.rssBytes = stats.rssBytes;
    if (stats.cpuShare !== null) this.#usage.cpuPercent = Math.round(stats.cpuShare * 1000) / 10;
  }

  /**
   * The open-files limit is an rlimit: the kernel refuses the open with EMFILE inside the
   * plugin, where only the plugin sees it. Its descriptor table is the manager's evidence
   * (/proc/<pid>/fd, readable by root or the same uid): at the limit, it is reported once per
   * launch. A plugin that opens and closes between two samples is not seen.
   */
  async #checkOpenFiles(proc: SandboxedProcess) {
    if (this.#launchReported.has(OPEN_FILES)) return;
    const limit = proc.limits.openFiles;
    let open = 0;
    try {
      for await (const _ of Deno.readDir(`/proc/${proc.pid}/fd`)) open++;
    } catch {
      return; // ended, or /proc is not ours to read
    }
    if (proc !== this.#proc || open < limit - OPEN_FILES_MARGIN) return;
    this.#launchReported.add(OPEN_FILES);
    this.#deps.reporter.report({
      plugin: this.name,
      kind: OPEN_FILES,
      detail: `${open} open files: at its limit of ${limit} (further opens fail with EMFILE); ` +
        `raise plugins.${this.name}.limits.openFiles if it needs more`,
      action: "contained",
    });
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
  heartbeat(messages?: number, launch?: string): void {
    // Another plugin host's replica of the same plugin beats on the same subject; only the
    // runner is handed its launch id (plugin code is not), so a beat without it is not ours.
    if (launch !== this.#launchId) return;
    if (messages !== undefined) this.#usage.messages = messages;
    // The launch's connection was up before its first heartbeat: one started later is a reconnect.
    if (this.#lastBeat === 0) this.#serverDials?.runnerReady(Date.now());
    this.#lastBeat = Date.now();
    this.#ready?.();
  }

  /** The manager's connection is back (maybe on another node): silence counts from now. */
  hearingAgain(): void {
    this.#hearingSince = Date.now();
  }

  /** A violation was reported for this plugin (by anyone); trips the kill switch past the limit. */
  counted(violation: SecurityViolation): void {
    // A missing grant is the operator's configuration, not the plugin's doing: it counts
    // toward nothing (else any chat user could switch a plugin off by using it).
    if (violation.kind === NEEDS_GRANT) return;
    this.#violations++;
    this.#deps.changed();
    if (violation.action !== "denied" || !this.#proc) return;
    this.#launchViolations++;
    // Exactly at the threshold: the denials after it (a burst arrives together, before the
    // queued kill switch has ended the process) must not each revoke, kill and report again.
    if (this.#launchViolations === this.#deps.quarantineAfterViolations) {
      void this.killSwitch(
        `${this.#launchViolations} security violation(s); last: ${violation.kind} ${violation.detail}`,
      );
    }
  }

  /**
   * Revokes its NATS user at once, kills the process, and quarantines it with the reason. Unless
   * `announce` is false (it came from another host), the other plugin hosts are told, so their
   * replicas of this plugin go too.
   */
  killSwitch(reason: string, options: { announce?: boolean } = {}): Promise<void> {
    return this.#serial(async () => {
      this.#wanted = false;
      clearTimeout(this.#restartTimer);
      const key = this.#launch?.userKey;
      if (key && this.#deps.revoker) {
        await this.#deps.revoker.revoke(key).catch((error) =>
          this.#log.error("revocation failed", { error: errorText(error) })
        );
      } else if (key) {
        // A plugin host with only the plugin signing key cannot sign account JWTs: the process
        // ends below and its user's JWT expires (jwtTtlSeconds).
        this.#log.warn("no revocation on this host (plugin signing key only); the JWT expires", {
          user: key,
        });
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
      if (options.announce !== false) this.#deps.killSwitched?.(this.name, reason);
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
    // A reason can carry text the plugin chose (the error its setup threw, its last error
    // line), and `deno task plugins list`, `!plugins` and the moderator shell print it: one
    // line, with nothing a terminal or a bidi renderer would obey.
    this.#reason = reason === undefined
      ? undefined
      : sanitizeChatText(reason).replaceAll("\n", " ");
    // Routine steps: "plugin ready" or "plugin stopped" (or the failure) follows in one line.
    const routine = state === "starting" || state === "running" || state === "stopping";
    (routine ? this.#log.debug : this.#log.info)(`plugin ${state}`, reason ? { reason } : {});
    this.#deps.changed();
  }

  async #launchNow(): Promise<void> {
    this.#set("starting");
    let launch: PreparedLaunch;
    try {
      // Known before the process runs, so its first heartbeat is recognised as this launch's.
      this.#launchId = newLaunchId();
      launch = await preparePluginLaunch(this.name, this.file, this.#deps, this.#cache, {
        launchId: this.#launchId,
      });
    } catch (error) {
      if (error instanceof PluginRefusedError) {
        this.#wanted = false;
        if (["module-graph", "symlink", "tampered", "beyond-approval"].includes(error.kind)) {
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
    this.#access = accessOf(launch.plan, launch.description, launch.askedNpm);
    this.#proc = launch.proc;
    this.#startedAt = Date.now();
    this.#lastBeat = 0;
    this.#launchViolations = 0;
    this.#launchReports = 0;
    this.#launchReported = new Set();
    this.#serverDials = new ServerDials();
    this.#hung = null;
    this.#deps.registerUser(launch.userKey, this.name);
    this.#followAudit(launch);
    this.#watchOutput(launch);
    void this.#pumpOutput(launch, launch.proc.stderrLines, "stderr");
    void this.#pumpOutput(launch, launch.proc.stdoutLines, "stdout");
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
      // While the manager's own connection is down it hears no beats: that is no sign of a hung
      // plugin (its node died; the plugin reconnects to another by itself). Silence counts again
      // from the manager's reconnect.
      if (this.#deps.bus.status !== "connected") return;
      const silentFor = Date.now() - Math.max(this.#lastBeat, this.#hearingSince);
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
    clearInterval(this.#outputTimer);
    this.#checkOutput(launch);
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
      this.#deps.bus.publish(subjects.pluginControl(this.name), {
        op: "stop",
        launch: proc.launchId,
      });
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

  /** A denial seen by the manager (e.g. in the server's log): reported once per launch. */
  reportDenied(kind: string, detail: string): void {
    this.#reportOnce(kind, detail);
  }

  /** The last launch's dials of the NATS server, from its audit log (see `_server_dials.ts`). */
  get serverDials(): ServerDials | undefined {
    return this.#serverDials;
  }

  /** The last launch's NATS user (its public key), if launched. */
  get userKey(): string | undefined {
    return this.#launch?.userKey;
  }

  /** Reads the last launch's audit log to its current end. */
  async pollAudit(): Promise<void> {
    await this.#audit?.poll();
  }

  /** Reports one denial once per launch (and at most MAX_REPORTS_PER_LAUNCH different ones). */
  #reportOnce(kind: string, detail: string) {
    const key = `${kind} ${detail}`;
    if (this.#launchReported.has(key)) return;
    this.#launchReported.add(key);
    if (++this.#launchReports > MAX_REPORTS_PER_LAUNCH) return;
    this.#deps.reporter.report({ plugin: this.name, kind, detail, action: "denied" });
  }

  #reportOnceAs(kind: string, detail: string, action: string) {
    if (this.#launchReported.has(kind)) return;
    this.#launchReported.add(kind);
    this.#deps.reporter.report({ plugin: this.name, kind, detail, action });
  }

  /** A declared need the operator has not granted: said once, counted toward nothing. */
  /** Reports a refused need once per declaration it falls under (`declared`, see AuditFinding). */
  #reportNeedsGrant(declared: string, detail: string, grantKey: string) {
    if (this.#needsGrantReported.has(declared)) return;
    this.#needsGrantReported.add(declared);
    this.#deps.reporter.report({
      plugin: this.name,
      kind: NEEDS_GRANT,
      detail: `${detail} was refused: it needs a grant; set it in rosey.yaml: ${grantKey}`,
      action: "needs-grant",
    });
  }

  #followAudit(launch: PreparedLaunch) {
    const grants = {
      dataDir: launch.paths.dataDir,
      net: launch.allowedNet,
      operatorNet: launch.plan.granted.net,
      declaredNet: launch.description.extras.net ?? [],
    };
    const dials = this.#serverDials!;
    this.#audit = new FileFollower(launch.paths.auditFile, (line) => {
      let entry: { permission?: unknown; value?: unknown; datetime?: unknown };
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      const at = Date.parse(String(entry.datetime));
      if (entry.permission === "env" && entry.value === RUNNER_CONNECTED_MARKER) {
        // The runner's own mark (see _server_dials.ts), not a denial to report.
        return dials.runnerConnected(at);
      }
      if (entry.permission === "net" && this.#deps.servers.includes(String(entry.value))) {
        dials.dial(at);
      }
      const found = auditViolation(
        {
          permission: String(entry.permission ?? "?"),
          value: entry.value == null ? null : String(entry.value),
        },
        grants,
        this.name,
      );
      if (!found) return;
      if ("grantKey" in found) {
        this.#reportNeedsGrant(found.declared, found.detail, found.grantKey);
      } else this.#reportOnce(found.kind, found.detail);
    }, { intervalMs: 150 });
    void this.#audit.start({ fromStart: true });
  }

  /** Reports a flood once per launch, and sums up what was dropped every few seconds. */
  #watchOutput(launch: PreparedLaunch) {
    clearInterval(this.#outputTimer);
    let flooded = false;
    let summed = { bytes: 0, lines: 0 };
    const check = () => {
      const budget = launch.output;
      if (!budget.flooding) return;
      const { limits } = budget;
      if (!flooded) {
        flooded = true;
        this.#deps.reporter.report({
          plugin: this.name,
          kind: "output-flood",
          detail: `it writes more to stdout/stderr than ${limits.linesPerSecond} lines/s or ` +
            `${limits.bytesPerSecond} bytes/s: the rest is dropped and counted`,
          action: "contained",
        });
      }
      if (budget.droppedBytes !== summed.bytes) {
        this.#log.warn("plugin output dropped", {
          droppedLines: budget.droppedLines,
          droppedBytes: budget.droppedBytes,
          droppedChunks: budget.droppedChunks,
          sinceLast: budget.droppedBytes - summed.bytes,
        });
        summed = { bytes: budget.droppedBytes, lines: budget.droppedLines };
      }
    };
    this.#checkOutput = () => check();
    check();
    this.#outputTimer = setInterval(check, DROP_SUMMARY_MS);
  }

  #checkOutput: (launch: PreparedLaunch) => void = () => {};

  /**
   * A plugin's output lines, logged as data: the manager's entry has its own message, level,
   * component and plugin, and the plugin's line is the `line` field (a JSON line parsed, as
   * `line`, never merged into the entry). Only the runner's tripwire lines, signed with the
   * launch's report token, are read as anything more.
   */
  async #pumpOutput(
    launch: PreparedLaunch,
    lines: ReadableStream<string>,
    stream: "stdout" | "stderr",
  ) {
    const log = this.#log.child({ pid: launch.proc.pid });
    const tripwire = `${TRIPWIRE_PREFIX}${launch.reportToken} `;
    let floodNoticed = false;
    for await (const raw of lines) {
      if (!floodNoticed && launch.output.flooding) {
        floodNoticed = true;
        this.#checkOutput(launch);
      }
      if (!raw.trim()) continue;
      if (stream === "stderr" && launch.reportToken && raw.startsWith(tripwire)) {
        try {
          const { kind, detail } = JSON.parse(raw.slice(tripwire.length));
          const action = RUNNER_REPORTS[String(kind)];
          const text = String(detail).replace(UNSAFE, "").slice(0, 300);
          if (action === "denied") this.#reportOnce(String(kind), text);
          else if (action) this.#reportOnceAs(String(kind), text, action);
        } catch {
          // the runner wrote it: a malformed one is a bug, not worth a report
        }
        continue;
      }
      const line = raw.replace(UNSAFE, "").slice(0, 2000);
      let parsed: unknown;
      if (line.startsWith("{")) {
        try {
          parsed = JSON.parse(line);
        } catch {
          parsed = undefined;
        }
      }
      const claimed = parsed && typeof parsed === "object"
        ? (parsed as Record<string, unknown>).level
        : undefined;
      // The level is the manager's: debug when the plugin says debug, info for its other
      // structured lines, warn for raw text (uncaught errors and Deno's own messages).
      const write = claimed === "debug" ? log.debug : parsed !== undefined ? log.info : log.warn;
      write("plugin output", { stream, line: parsed ?? line });
    }
  }
}

/**
 * What the runner may report (through its signed tripwire line) and what is done about it:
 * a subprocess or signal attempt, or a Worker asking for its own permissions, is a denial; an
 * answer over the payload limit, or a storage write past the bucket's quota (the server refused
 * it, the plugin got `StorageQuotaError`), was refused: a fault, reported once per launch, not
 * counted toward the kill switch.
 */
const RUNNER_REPORTS: Record<string, string> = {
  "deno-run": "denied",
  "worker-permissions": "denied",
  "reply-too-large": "refused",
  "storage-quota": "refused",
};

/** The open-files limit, and how close to it counts as reaching it (Deno's own descriptors vary). */
const OPEN_FILES = "open-files-limit";
const OPEN_FILES_MARGIN = 4;

/** The kind of a refused need the plugin declared (configuration, not a violation). */
const NEEDS_GRANT = "needs-grant";

function lastError(exit: ExitInfo): string {
  for (const line of [...exit.stderrTail].reverse()) {
    if (line.startsWith(TRIPWIRE_PREFIX)) continue; // carries the launch's secret
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
