/**
 * What every plugin supervisor shares with the manager: the bus, the authority, the layout,
 * the vetted SDK graph, the uid pool, the limits support and the timings.
 */
import type { EventBus, Logger } from "@quicksilver/core";
import type { PluginUserSigner, Revoker } from "../credentials/mod.ts";
import type { LimitSupport } from "../limits/mod.ts";
import type { OutputLimits, UidPool } from "../process/mod.ts";
import type { ApprovalRecord } from "./approval.ts";
import type { BotIdentity } from "../runner/mod.ts";
import type { RestartPolicy } from "./backoff.ts";
import type { RuntimeLayout } from "./layout.ts";
import type { TrustedModules } from "./module_vetting.ts";
import type { PluginSettings } from "./settings.ts";
import type { ViolationReporter } from "./violations.ts";

export interface SupervisorTimings {
  /** How often the runner sends a heartbeat. Default 2000 ms. */
  heartbeatMs: number;
  /** No heartbeat for this long: the plugin is hung and is restarted. Default 3 × heartbeat + 1 s. */
  heartbeatTimeoutMs: number;
  /** Launch until first heartbeat, at most. Default 20 s. */
  startTimeoutMs: number;
  /** Graceful stop (control message) before SIGTERM, then SIGKILL after as long again. Default 3 s. */
  stopGraceMs: number;
}

export interface SupervisorDeps {
  bus: EventBus;
  /** Signs plugin users: the account key, or the `plugin` scoped signing key. */
  signer: PluginUserSigner;
  /** Absent on a plugin host that holds only the plugin signing key (no operator key). */
  revoker: Revoker | undefined;
  /**
   * The NATS servers plugins dial (every one of the host's `nats.servers`, first one first), as
   * IP literals `host:port`: their `--allow-net` and their connect options.
   */
  servers: readonly string[];
  /** The CA (PEM text) plugins verify every TLS server with; empty: plain TCP. */
  tlsCa: string;
  layout: RuntimeLayout;
  trusted: () => Promise<TrustedModules>;
  uids: UidPool | null;
  limitSupport: LimitSupport | undefined;
  cgroups: boolean;
  denoPath: string;
  configPath: string;
  runnerModule: string;
  reporter: ViolationReporter;
  settingsOf: (name: string) => PluginSettings;
  /** The approval of an installed plugin (`deno task plugins install`); undefined for others. */
  approvalOf: (name: string) => ApprovalRecord | undefined;
  timings: SupervisorTimings;
  restartPolicy: RestartPolicy;
  /** Violations in one launch that trip the kill switch (revoke + kill + quarantine). */
  quarantineAfterViolations: number;
  /** Each launch's stdout+stderr budget. */
  outputLimits: OutputLimits;
  jwtTtlSeconds: number;
  /** The bot's chat identity, handed to every plugin (`ctx.bot`). */
  bot: BotIdentity;
  /** Looks up the bot's environment variables named by `<secret>Env` config keys. */
  env: (variable: string) => string | undefined;
  logger: Logger;
  /** Called on every state change: the manager republishes the table. */
  /** This plugin host's id (`plugins.hostId`), handed to its plugins for their lease value. */
  hostId?: string;
  /** This host's kill switch tripped for `plugin`: tell the other plugin hosts. */
  killSwitched?: (plugin: string, reason: string) => void;
  changed: () => void;
  /** Maps a NATS user key to its plugin, for server-log violations. */
  registerUser: (publicKey: string, plugin: string | null) => void;
}
