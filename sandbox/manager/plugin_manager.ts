/**
 * The plugin manager: discovers `plugins/*.ts`, runs each in its own sandboxed process under a
 * supervisor, publishes the `PluginTable` on every change (the router builds its command table
 * from it), serves the admin subjects, and reports every violation it can see.
 *
 * @example
 * ```ts ignore
 * const manager = new PluginManager({ authority, servers: "127.0.0.1:4222",
 *   pluginsDir: "plugins", dataDir: ".rosey/plugins", logger });
 * await manager.start();
 * // ...
 * await manager.stop();
 * ```
 */
import {
  type Authority,
  type BusSubscription,
  type BusTlsFiles,
  errorText,
  EventBus,
  type Logger,
  mintUser,
  PluginHostTables,
  type PluginStatus,
  type PluginTable,
  PluginTableSchema,
  type ScopedSigningKey,
  type SecurityViolation,
  silentLogger,
  subjects,
} from "@quicksilver/core";
import { DEFAULT_PLUGIN_JWT_TTL_SECONDS, Revoker } from "../credentials/mod.ts";
import { detectLimitSupport, type LimitSupport } from "../limits/mod.ts";
import {
  createUidPool,
  DEFAULT_OUTPUT_LIMITS,
  type OutputLimits,
  type UidPool,
} from "../process/mod.ts";
import { serveAdmin } from "./admin_service.ts";
import { type ApprovalRecord, readApproval, settingsWithinApproval } from "./approval.ts";
import { type InstalledFiles, installedFiles } from "./installed_files.ts";
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from "./backoff.ts";
import { discoverPlugins, pluginNameOf } from "./discovery.ts";
import { PluginManagerError } from "./errors.ts";
import { RuntimeLayout } from "./layout.ts";
import { type TrustedModules, trustedModules } from "./module_vetting.ts";
import { parsePluginSettings, type PluginSettings, type PluginSettingsInput } from "./settings.ts";
import { PluginSupervisor } from "./supervisor.ts";
import { uidPreflight } from "./uid_preflight.ts";
import type { SupervisorDeps, SupervisorTimings } from "./supervisor_deps.ts";
import {
  FileFollower,
  parseRefusedConnection,
  parseServerViolation,
  type RefusedConnection,
  ViolationReporter,
} from "./violations.ts";
import { compactTable } from "./_compact_table.ts";
import { pidHoldingSocket, socketInode } from "./_socket_owner.ts";
import { anonymousDialers, type ConnzEntry } from "./_server_dials.ts";
import { REPO_PATHS } from "./repo_paths.ts";
import { pluginServerAddresses } from "./plugin_servers.ts";
import { PLUGIN_MANAGER_IDENTITY, pluginHostRole } from "./roles.ts";
import { type BotIdentity, HeartbeatSchema } from "../runner/mod.ts";
import { z } from "zod";

export interface PluginManagerOptions {
  /**
   * The installation's authority (the account key): plugin users carry their exact rights, and
   * the kill switch revokes them at once. Give this or `pluginSigningKey`.
   */
  authority?: Authority;
  /**
   * The account's `plugin` scoped signing key, on a plugin host without the account key
   * (`deno task auth plugin-host-key`): plugin users get the key's template rights; needs `bus`.
   * Without the operator key there is no revocation: the kill switch ends the process and the
   * plugin's JWT expires after `jwtTtlSeconds`.
   */
  pluginSigningKey?: ScopedSigningKey;
  /**
   * The NATS servers, each an IP literal `host:port` (a list, or comma-separated): the manager
   * connects to any of them, and its plugins may dial exactly these (their `--allow-net` and
   * connect options), first one first, so that a plugin moves to another node by itself when
   * its node dies.
   */
  servers: string | readonly string[];
  /**
   * TLS to those servers: the manager's own connections use it, and plugins get the CA's text in
   * their launch config (they may read no files).
   */
  tls?: BusTlsFiles;
  /** A bus with rights to publish tables/violations and serve admin; minted from `authority` if absent. */
  bus?: EventBus;
  /** Folder of plugin files (`plugins/`); every `*.ts` in it is a plugin. */
  pluginsDir?: string;
  /**
   * Plugins installed with `deno task plugins install` (`.rosey/installed`): each `<name>.ts`
   * runs only with its `<name>.approval.json` and never beyond it. A name also in `pluginsDir`
   * is the checkout's.
   */
  installedDir?: string;
  /** More plugin files outside `pluginsDir` (tests, fixtures). */
  pluginFiles?: readonly string[];
  /** Where plugin data dirs and runtime files live (`.rosey/plugins`). */
  dataDir: string;
  /**
   * This plugin host's name among several (`plugins.hostId`): its table and its plugins'
   * statuses carry it. Default `<hostname>:<dataDir>`, unique per machine and state dir.
   */
  hostId?: string;
  /** Per-plugin settings (`plugins.<name>` in config). */
  plugins?: Readonly<Record<string, PluginSettingsInput>>;
  /** Settings every plugin starts from. */
  defaults?: PluginSettingsInput;
  /** Start plugins on `start()`: all enabled (true, default), none, or the named ones. */
  autoStart?: boolean | readonly string[];
  /** The nats-server log file: its permission-violation lines are reported per plugin. */
  serverLogFile?: string;
  /**
   * The server's monitoring URL (`http://127.0.0.1:8222`): limit violations are logged by
   * connection id, and `/connz` tells whose connection that was (from its JWT).
   */
  monitorUrl?: string;
  /** How often each plugin's CPU and memory are sampled (and the table republished). Default 5 s. */
  statsIntervalMs?: number;
  /** Per-plugin uids when root: "auto" (default), or false to always use the manager's uid. */
  uids?: "auto" | false;
  /** Use cgroups where available (default true); false: watchdog only. */
  cgroups?: boolean;
  timings?: Partial<SupervisorTimings>;
  restartPolicy?: Partial<RestartPolicy>;
  /** Violations in one launch that trip the kill switch. Default 3. */
  quarantineAfterViolations?: number;
  /** Each plugin's stdout+stderr budget (the rest is dropped and counted). */
  outputLimits?: Partial<OutputLimits>;
  jwtTtlSeconds?: number;
  /** The bot's chat identity (`bot.name`, `bot.commandPrefix`), given to every plugin. */
  bot?: Partial<BotIdentity>;
  /**
   * Where `<secret>Env` config keys are looked up (see plugin_secrets.ts). Default: this
   * process's environment.
   */
  env?: (variable: string) => string | undefined;
  logger?: Logger;
}

export class PluginManager {
  readonly #options: PluginManagerOptions;
  readonly #log: Logger;
  readonly #supervisors = new Map<string, PluginSupervisor>();
  readonly #approvals = new Map<string, ApprovalRecord>();
  readonly #userToPlugin = new Map<string, string>();
  /** Users of launches that just ended: their last violations are still being logged. */
  readonly #recentUsers = new Map<string, string>();
  readonly #subscriptions: BusSubscription[] = [];
  #bus: EventBus | undefined;
  #ownBus = false;
  #revoker: Revoker | undefined;
  #reporter: ViolationReporter | undefined;
  #deps: SupervisorDeps | undefined;
  #serverLog: FileFollower | undefined;
  #revision = 0;
  #publishTimer: ReturnType<typeof setTimeout> | undefined;
  #sampleTimer: ReturnType<typeof setInterval> | undefined;
  #trusted: Promise<TrustedModules> | undefined;
  #started = false;
  #unlistenStatus: (() => void) | undefined;
  /** When this manager started (epoch ms): readers tell its tables from an earlier run's. */
  #startedAt = 0;
  readonly #hostId: string;
  /** The tables of the other plugin hosts (for `plugins list`, and kill switches). */
  readonly #otherHosts = new PluginHostTables();

  /** The servers as plugins dial them (IP literals `host:port`, in the operator's order). */
  readonly #servers: string[];

  constructor(options: PluginManagerOptions) {
    try {
      this.#servers = pluginServerAddresses(options.servers);
    } catch (error) {
      throw new PluginManagerError(`PluginManager: ${errorText(error)}`, { cause: error });
    }
    if (!options.authority && !(options.pluginSigningKey && options.bus)) {
      throw new PluginManagerError(
        "PluginManager: give `authority` (the account key), or `pluginSigningKey` and `bus` " +
          "(a plugin host holding only the plugin signing key)",
      );
    }
    this.#options = options;
    this.#hostId = options.hostId ?? defaultHostId(options.dataDir);
    this.#log = (options.logger ?? silentLogger).child({
      component: "plugin-manager",
      host: this.#hostId,
    });
  }

  /** This plugin host's id (`plugins.hostId`, or `<hostname>:<dataDir>`). */
  get hostId(): string {
    return this.#hostId;
  }

  /** Connects, discovers plugins, starts the enabled ones, serves admin. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#startedAt = Date.now();
    const o = this.#options;
    const servers = this.#servers;
    const tlsCa = o.tls?.caPem ?? (o.tls?.ca ? await Deno.readTextFile(o.tls.ca) : "");
    this.#bus = o.bus ?? await this.#connect(servers);
    this.#ownBus = !o.bus;
    this.#reporter = new ViolationReporter(this.#bus, this.#log);
    this.#reporter.onViolation((v) => this.#supervisors.get(v.plugin)?.counted(v));
    const ttl = o.jwtTtlSeconds ?? DEFAULT_PLUGIN_JWT_TTL_SECONDS;
    this.#revoker = o.authority && new Revoker({
      authority: o.authority,
      servers: [...servers],
      ...(o.tls ? { tls: o.tls } : {}),
      logger: this.#log,
      keepSeconds: ttl,
    });
    const layout = new RuntimeLayout(
      o.dataDir.startsWith("/") ? o.dataDir : `${Deno.cwd()}/${o.dataDir}`,
    );
    for (const note of await layout.prepare()) this.#log.info(note);
    let uids: UidPool | null = null;
    if (o.uids !== false) {
      const pool = await createUidPool({ logger: this.#log });
      uids = pool.enabled ? pool : null;
    }
    const nodeModules = `${REPO_PATHS.root}/node_modules`;
    const preflight = await uidPreflight({
      uids,
      layout,
      denoPath: Deno.execPath(),
      shared: {
        checkout: REPO_PATHS.root,
        config: REPO_PATHS.config,
        runner: REPO_PATHS.runner,
        sdk: REPO_PATHS.sdk,
        nodeModules: await Deno.stat(nodeModules).then(() => nodeModules, () => null),
      },
      pluginsDir: o.pluginsDir === undefined
        ? undefined
        : o.pluginsDir.startsWith("/")
        ? o.pluginsDir
        : `${Deno.cwd()}/${o.pluginsDir}`,
      logger: this.#log,
    });
    uids = preflight.uids;
    let limitSupport: LimitSupport | undefined;
    try {
      limitSupport = await detectLimitSupport();
    } catch (error) {
      this.#log.warn("limit detection failed; the process layer will retry", {
        error: errorText(error),
      });
    }
    this.#deps = {
      bus: this.#bus,
      signer: o.authority ?? o.pluginSigningKey!,
      revoker: this.#revoker,
      servers,
      tlsCa,
      layout,
      trusted: () => this.#trustedModules(),
      uids,
      limitSupport,
      cgroups: o.cgroups ?? true,
      denoPath: preflight.denoPath,
      configPath: REPO_PATHS.config,
      runnerModule: REPO_PATHS.runner,
      reporter: this.#reporter,
      settingsOf: (name) => this.settingsOf(name),
      approvalOf: (name) => this.#approvals.get(name),
      timings: timingsWith(o.timings),
      restartPolicy: { ...DEFAULT_RESTART_POLICY, ...o.restartPolicy },
      quarantineAfterViolations: o.quarantineAfterViolations ?? 3,
      outputLimits: { ...DEFAULT_OUTPUT_LIMITS, ...o.outputLimits },
      jwtTtlSeconds: ttl,
      bot: { name: o.bot?.name ?? "", commandPrefix: o.bot?.commandPrefix ?? "!" },
      env: o.env ?? ((variable) => Deno.env.get(variable)),
      logger: this.#log,
      changed: () => this.#schedulePublish(),
      killSwitched: (plugin, reason) => this.#announceKillSwitch(plugin, reason),
      hostId: this.#hostId,
      registerUser: (key, plugin) => {
        if (plugin) this.#userToPlugin.set(key, plugin);
        else {
          const was = this.#userToPlugin.get(key);
          this.#userToPlugin.delete(key);
          if (was) this.#recentUsers.set(key, was);
          if (this.#recentUsers.size > 200) {
            this.#recentUsers.delete(this.#recentUsers.keys().next().value!);
          }
        }
      },
    };
    // Beats published while the manager was cut off were lost, not missing: see the watchdog.
    this.#unlistenStatus = this.#bus.onStatus((event) => {
      if (event.type !== "reconnected") return;
      for (const supervisor of this.#supervisors.values()) supervisor.hearingAgain();
    });
    this.#subscriptions.push(
      this.#bus.subscribe(subjects.allPluginHeartbeats(), (beat: unknown, context) => {
        const name = context.subject.split(".")[2];
        const parsed = HeartbeatSchema.safeParse(beat);
        if (name) {
          this.#supervisors.get(name)?.heartbeat(
            parsed.success ? parsed.data.handled + parsed.data.failed : undefined,
            parsed.success ? parsed.data.launch : undefined,
          );
        }
      }),
    );
    // Other plugin hosts: their tables (for `plugins list`) and their kill switches, which must
    // reach this host's replica of the same plugin too.
    this.#subscriptions.push(
      this.#bus.subscribe(subjects.pluginManifests(), (table) => {
        if ((table.host ?? "") !== this.#hostId) this.#otherHosts.apply(table);
      }, { schema: PluginTableSchema }),
      this.#bus.subscribe(subjects.adminPlugins(KILL_SWITCH_OP), (message) => {
        void this.#remoteKillSwitch(message);
      }, { schema: KillSwitchNoticeSchema }),
    );
    this.#subscriptions.push(...serveAdmin(this.#bus, this));
    if (o.serverLogFile) {
      this.#serverLog = new FileFollower(o.serverLogFile, (line) => void this.#serverLogLine(line));
      await this.#serverLog.start();
    }
    await this.#bus.flush();
    await this.reload({ startNew: false });
    const auto = o.autoStart ?? true;
    const names = [...this.#supervisors.keys()].filter((name) =>
      (auto === true || (Array.isArray(auto) && auto.includes(name))) &&
      this.settingsOf(name).enabled
    );
    this.#log.info("plugin manager started", {
      plugins: [...this.#supervisors.keys()],
      starting: names,
    });
    // Two cores: launch a couple at a time rather than all at once.
    for (let i = 0; i < names.length; i += 2) {
      await Promise.all(names.slice(i, i + 2).map((n) => this.#supervisors.get(n)!.start()));
    }
    this.#schedulePublish(0);
    // CPU and memory of each plugin for the status table, refreshed with the table.
    this.#sampleTimer = setInterval(() => {
      void Promise.all([...this.#supervisors.values()].map((s) => s.sample()))
        .then(() => this.#schedulePublish(0));
    }, o.statsIntervalMs ?? DEFAULT_STATS_INTERVAL_MS);
  }

  /** Stops every plugin gracefully, then the manager's own connections. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#unlistenStatus?.();
    clearInterval(this.#sampleTimer);
    await Promise.all([...this.#supervisors.values()].map((s) => s.close()));
    await this.#serverLog?.stop();
    clearTimeout(this.#publishTimer);
    this.#publishTable();
    await Promise.allSettled(this.#subscriptions.map((s) => s.drain()));
    await this.#revoker?.close();
    if (this.#ownBus) await this.#bus?.close();
    else await this.#bus?.flush().catch(() => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** The settings of one plugin (defaults merged with `plugins.<name>`). */
  settingsOf(name: string): PluginSettings {
    const o = this.#options;
    const own = o.plugins?.[name] ?? {};
    const base = o.defaults ?? {};
    const settings = parsePluginSettings(name, { ...base, ...own });
    const approval = this.#approvals.get(name);
    return approval ? settingsWithinApproval(settings, approval) : settings;
  }

  /** This host's plugins, each status marked with this host. */
  list(): PluginStatus[] {
    return [...this.#supervisors.values()].map((s) => ({ ...s.status(), host: this.#hostId }));
  }

  /** Every plugin host's plugins (this one's and the others' last tables), sorted by name. */
  listEveryHost(): PluginStatus[] {
    this.#otherHosts.expire();
    return [...this.list(), ...this.#otherHosts.statuses()].sort((a, b) =>
      a.name.localeCompare(b.name) || (a.host ?? "").localeCompare(b.host ?? "")
    );
  }

  table(): PluginTable {
    return {
      plugins: this.list(),
      revision: this.#revision,
      host: this.#hostId,
      startedAt: this.#startedAt,
      intervalMs: this.#options.statsIntervalMs ?? DEFAULT_STATS_INTERVAL_MS,
    };
  }

  /** Listens to every violation the manager reports. */
  onViolation(listener: (violation: SecurityViolation) => void): () => void {
    if (!this.#reporter) throw new PluginManagerError("start() the manager first");
    return this.#reporter.onViolation(listener);
  }

  /** The supervisor of one plugin, for figures and tests. */
  supervisor(name: string): PluginSupervisor {
    const supervisor = this.#supervisors.get(name);
    if (!supervisor) {
      throw new PluginManagerError(
        `no plugin named "${name}"; known: ${[...this.#supervisors.keys()].join(", ") || "none"}`,
      );
    }
    return supervisor;
  }

  async startPlugin(name: string): Promise<PluginStatus> {
    const s = this.supervisor(name);
    await s.start();
    return s.status();
  }

  async stopPlugin(name: string): Promise<PluginStatus> {
    const s = this.supervisor(name);
    await s.stop();
    return s.status();
  }

  async restartPlugin(name: string): Promise<PluginStatus> {
    const s = this.supervisor(name);
    await s.restart();
    return s.status();
  }

  /** Revokes the plugin's NATS user, kills it and quarantines it. */
  async killSwitch(name: string, reason: string): Promise<PluginStatus> {
    const s = this.supervisor(name);
    await s.killSwitch(reason);
    return s.status();
  }

  /**
   * Re-reads the plugins dir: new files get supervisors (and start unless `startNew` is false),
   * removed files are stopped and forgotten, running plugins are restarted to pick up changes.
   */
  async reload(options: { startNew?: boolean } = {}): Promise<string> {
    const o = this.#options;
    const deps = this.#deps;
    if (!deps) throw new PluginManagerError("start() the manager first");
    const files = new Map<string, string>();
    if (o.pluginsDir) {
      const dir = o.pluginsDir.startsWith("/") ? o.pluginsDir : `${Deno.cwd()}/${o.pluginsDir}`;
      const { found, skipped } = await discoverPlugins(dir);
      for (const note of skipped) this.#log.warn(note);
      for (const p of found) files.set(p.name, p.file);
    }
    if (o.installedDir) {
      const { found, skipped } = await discoverPlugins(o.installedDir);
      for (const note of skipped) this.#log.warn(note);
      for (const p of found) {
        if (files.has(p.name)) {
          this.#log.warn(
            `installed plugin ${p.name} is not run: the plugins folder has a ${p.name}.ts ` +
              `(remove one of them: \`deno task plugins remove ${p.name}\`)`,
          );
          continue;
        }
        const approval = await readApproval(o.installedDir, p.name).catch((error) => {
          this.#log.warn(errorText(error));
          return null;
        });
        if (!approval) {
          this.#log.warn(
            `installed plugin ${p.name} has no approval record; not run. Install it again ` +
              `with \`deno task plugins install\``,
          );
          continue;
        }
        this.#approvals.set(p.name, approval);
        files.set(p.name, p.file);
      }
    }
    for (const file of o.pluginFiles ?? []) {
      const name = pluginNameOf(file);
      if (!name) throw new PluginManagerError(`${file}: a plugin file must be named like dice.ts`);
      files.set(name, file.startsWith("/") ? file : `${Deno.cwd()}/${file}`);
    }
    const added: string[] = [];
    const removed: string[] = [];
    const restarted: string[] = [];
    for (const [name, supervisor] of this.#supervisors) {
      if (!files.has(name)) {
        await supervisor.close();
        this.#supervisors.delete(name);
        this.#approvals.delete(name);
        removed.push(name);
      }
    }
    for (const [name, file] of files) {
      const existing = this.#supervisors.get(name);
      if (!existing) {
        this.#supervisors.set(name, new PluginSupervisor(name, file, deps));
        added.push(name);
        if (options.startNew !== false && this.settingsOf(name).enabled) {
          await this.#supervisors.get(name)!.start();
        }
      } else if (existing.state === "running" && options.startNew !== false) {
        await existing.restart();
        restarted.push(name);
      }
    }
    this.#schedulePublish(0);
    return `added: ${added.join(", ") || "none"}; removed: ${removed.join(", ") || "none"}; ` +
      `restarted: ${restarted.join(", ") || "none"}`;
  }

  /**
   * Starts a plugin `deno task plugins install` just put in the installed dir. Resolves with its
   * status once running; if its first start fails it is forgotten again (the caller removes its
   * files) and this throws with the reason.
   */
  async installPlugin(name: string): Promise<PluginStatus> {
    const files = this.#installed();
    if (this.#supervisors.has(name)) {
      throw new PluginManagerError(
        `${name} is already a plugin; use \`deno task plugins update ${name}\``,
      );
    }
    const approval = await files.approval(name);
    this.#approvals.set(name, approval);
    const supervisor = new PluginSupervisor(name, files.fileOf(name), this.#deps!);
    this.#supervisors.set(name, supervisor);
    await supervisor.start();
    if (supervisor.state !== "running") {
      const why = supervisor.status().reason ?? supervisor.state;
      await supervisor.close();
      this.#supervisors.delete(name);
      this.#approvals.delete(name);
      this.#schedulePublish(0);
      throw new PluginManagerError(`${name} failed its first start: ${why}`);
    }
    this.#schedulePublish(0);
    return supervisor.status();
  }

  /**
   * Replaces an installed plugin with its staged new version: the old one serves until the
   * switch; if the new one is not running after its first start, the old file and approval are
   * put back and started again, and this throws with the reason.
   */
  async updatePlugin(name: string): Promise<PluginStatus> {
    const files = this.#installed();
    const supervisor = this.supervisor(name);
    const old = this.#approvals.get(name);
    if (!old) throw new PluginManagerError(`${name} is not an installed plugin`);
    const staged = await files.stagedApproval(name);
    const wasWanted = supervisor.state !== "stopped";
    await supervisor.stop("updating");
    await files.promoteStaged(name);
    this.#approvals.set(name, staged);
    await supervisor.start();
    if (supervisor.state === "running") {
      await files.dropPrevious(name);
      this.#log.info("plugin updated", { plugin: name, from: old.version, to: staged.version });
      return supervisor.status();
    }
    const why = supervisor.status().reason ?? supervisor.state;
    await supervisor.stop("rolling back");
    await files.restorePrevious(name);
    this.#approvals.set(name, old);
    if (wasWanted) await supervisor.start();
    throw new PluginManagerError(
      `${name} ${staged.version} failed its first start (${why}); rolled back to ` +
        `${old.version}, which is ${supervisor.state}`,
    );
  }

  /** Stops and forgets an installed plugin (the caller deletes its files and data). */
  async removePlugin(name: string): Promise<PluginStatus> {
    if (!this.#approvals.has(name)) {
      throw new PluginManagerError(
        `${name} is not an installed plugin (a plugin of the plugins folder goes when its file does)`,
      );
    }
    const supervisor = this.supervisor(name);
    await supervisor.close();
    this.#supervisors.delete(name);
    this.#approvals.delete(name);
    this.#schedulePublish(0);
    return supervisor.status();
  }

  #installed(): InstalledFiles {
    if (!this.#deps || !this.#options.installedDir) {
      throw new PluginManagerError("this manager has no installed-plugins folder");
    }
    return installedFiles(this.#options.installedDir);
  }

  #trustedModules(): Promise<TrustedModules> {
    this.#trusted ??= trustedModules(REPO_PATHS.sdk, {
      denoPath: Deno.execPath(),
      configPath: REPO_PATHS.config,
    });
    this.#trusted.catch(() => (this.#trusted = undefined));
    return this.#trusted;
  }

  async #connect(servers: string[]): Promise<EventBus> {
    // Constructor: without the authority the caller passes `bus`.
    const user = await mintUser(this.#options.authority!, pluginHostRole());
    return await EventBus.connect({
      servers,
      name: PLUGIN_MANAGER_IDENTITY,
      creds: user.creds,
      ...(this.#options.tls ? { tls: this.#options.tls } : {}),
      logger: this.#log,
    });
  }

  /** Tells the other plugin hosts that this host's kill switch tripped for `plugin`. */
  #announceKillSwitch(plugin: string, reason: string) {
    try {
      this.#bus?.publish(subjects.adminPlugins(KILL_SWITCH_OP), {
        plugin,
        reason,
        host: this.#hostId,
      });
    } catch (error) {
      this.#log.warn("kill switch not announced to other plugin hosts", {
        plugin,
        error: errorText(error),
      });
    }
  }

  /** Another host's kill switch: revoke, kill and quarantine this host's replica too. */
  async #remoteKillSwitch(notice: KillSwitchNotice) {
    if (notice.host === this.#hostId) return;
    const supervisor = this.#supervisors.get(notice.plugin);
    if (!supervisor || supervisor.state === "quarantined") return;
    await supervisor.killSwitch(`on plugin host ${notice.host}: ${notice.reason}`, {
      announce: false,
    });
  }

  async #serverLogLine(line: string) {
    const refused = parseRefusedConnection(line);
    if (refused) return await this.#refusedConnection(refused);
    const found = parseServerViolation(line);
    if (!found) return;
    const user = found.user ??
      (found.cid !== undefined ? await this.#userOfConnection(found.cid) : undefined);
    const plugin = user ? this.#userToPlugin.get(user) ?? this.#recentUsers.get(user) : undefined;
    if (!plugin) return; // not a plugin user (a service's own problem is the service's log)
    // Through the supervisor: one report per denial per launch (a loop of the same publish
    // is one denial, not one kill-switch count each).
    const supervisor = this.#supervisors.get(plugin);
    if (supervisor) supervisor.reportDenied(found.kind, found.detail);
    else {this.#reporter?.report({
        plugin,
        kind: found.kind,
        detail: found.detail,
        action: "denied",
      });}
  }

  /**
   * A connection nats-server refused (no or bad credentials): plugins never need one of their
   * own (the runner's is the only one). Whose it was comes from the plugins' audit logs and the
   * server's `/connz`, read once the refusal is known (`_server_dials.ts`: no waiting, no time
   * window), or from /proc while the socket is still open.
   */
  async #refusedConnection(refused: RefusedConnection) {
    // A connection that showed the JWT of one of our plugins' users is that plugin's runner's (a
    // reconnect with ended credentials), not an anonymous one: its dial is explained. A JWT of
    // no user of ours (made up) does not excuse anything.
    const presented = await this.#userOfConnection(refused.cid);
    const presenter = presented &&
      (this.#userToPlugin.get(presented) ?? this.#recentUsers.get(presented));
    if (presenter) return this.#supervisors.get(presenter)?.serverDials?.settle();
    const supervisors = [...this.#supervisors.values()];
    const owners = await anonymousDialers(
      supervisors.map((s) => ({
        name: s.name,
        userKey: s.userKey,
        dials: s.serverDials,
        pollAudit: () => s.pollAudit(),
      })),
      () => this.#openConnections(),
    );
    const byName = new Set(owners.map((owner) => owner.name));
    const inode = byName.size === 0 ? await socketInode(refused.port) : null;
    if (inode) {
      const running = supervisors.filter((s) => s.status().pid !== undefined);
      const pid = await pidHoldingSocket(inode, running.map((s) => s.status().pid!));
      const holder = running.find((s) => s.status().pid === pid);
      if (holder) byName.add(holder.name);
    }
    if (!this.#started) return;
    if (byName.size === 0) {
      this.#log.warn("nats-server refused a connection of no known plugin", { ...refused });
      return;
    }
    for (const name of byName) {
      const owner = this.#supervisors.get(name)!;
      owner.serverDials?.settle();
      owner.reportDenied(
        "nats-anonymous",
        `a connection of its own to the NATS server (${refused.reason}); plugins use the runner's`,
      );
    }
  }

  /** The server's open connections with their users (`/connz?auth=true`), if it can be asked. */
  async #openConnections(): Promise<ConnzEntry[] | undefined> {
    if (!this.#options.monitorUrl) return undefined;
    try {
      const response = await fetch(`${this.#options.monitorUrl}/connz?auth=true&limit=100000`, {
        signal: AbortSignal.timeout(5000),
      });
      return ((await response.json()) as { connections?: ConnzEntry[] }).connections ?? [];
    } catch (error) {
      this.#log.debug("connz lookup failed", { error: errorText(error) });
      return undefined;
    }
  }

  /** The user key of a (possibly closed) connection, from the monitoring endpoint's JWT. */
  async #userOfConnection(cid: number): Promise<string | undefined> {
    if (!this.#options.monitorUrl) return undefined;
    // nats-server 2.9 answers `cid` with `state=all` by nothing for open connections: ask
    // open first, then closed (a payload violation closes the connection).
    for (const state of ["open", "closed"]) {
      try {
        const response = await fetch(
          `${this.#options.monitorUrl}/connz?cid=${cid}&state=${state}&auth=true`,
          { signal: AbortSignal.timeout(2000) },
        );
        const body = await response.json() as { connections?: { jwt?: string }[] };
        const token = body.connections?.[0]?.jwt;
        if (!token) continue;
        const claims = JSON.parse(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/")));
        if (typeof claims.sub === "string") return claims.sub;
      } catch (error) {
        this.#log.debug("connz lookup failed", { cid, error: errorText(error) });
      }
    }
    return undefined;
  }

  #schedulePublish(delayMs = 20) {
    if (!this.#started) return;
    clearTimeout(this.#publishTimer);
    this.#publishTimer = setTimeout(() => this.#publishTable(), delayMs);
  }

  #publishTable() {
    this.#revision++;
    try {
      this.#bus?.publish(subjects.pluginManifests(), compactTable(this.table()));
    } catch (error) {
      this.#log.warn("plugin table not published", { error: errorText(error) });
    }
  }
}

/** How often the table is republished with fresh figures (and as this host's sign of life). */
const DEFAULT_STATS_INTERVAL_MS = 5000;

/** Not an admin request: managers announce a tripped kill switch to each other on it. */
const KILL_SWITCH_OP = "killswitch";

const KillSwitchNoticeSchema = z.object({
  plugin: z.string().max(64),
  reason: z.string().max(2000),
  host: z.string().max(200),
});
type KillSwitchNotice = z.infer<typeof KillSwitchNoticeSchema>;

/** `<hostname>:<dataDir>`: two plugin hosts on one machine differ by their state dirs. */
export function defaultHostId(dataDir: string): string {
  let hostname = "localhost";
  try {
    hostname = Deno.hostname();
  } catch {
    // no sys permission: the state dir still tells hosts on one machine apart
  }
  const dir = dataDir.startsWith("/") ? dataDir : `${Deno.cwd()}/${dataDir}`;
  return `${hostname}:${dir.replace(/\/+$/, "").replace(/\/\.rosey\/plugins$/, "")}`.slice(0, 200);
}

function timingsWith(partial: Partial<SupervisorTimings> = {}): SupervisorTimings {
  const heartbeatMs = partial.heartbeatMs ?? 2000;
  return {
    heartbeatMs,
    heartbeatTimeoutMs: partial.heartbeatTimeoutMs ?? heartbeatMs * 3 + 1000,
    startTimeoutMs: partial.startTimeoutMs ?? 20_000,
    stopGraceMs: partial.stopGraceMs ?? 3000,
  };
}
