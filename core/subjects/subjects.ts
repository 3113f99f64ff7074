/**
 * The `rosey.*` subject tree: the single source of every subject the project uses. No other
 * file spells `rosey.` (a test enforces it), so renaming a branch is a one-file change.
 *
 * Direction is part of the name, so inbound and outbound never share a subject:
 * - `rosey.platform.<p>.raw.<event>`     platform -> bus, as the platform sent it (connector publishes)
 * - `rosey.platform.<p>.action.<action>` bus -> platform, what to do there (connector subscribes)
 * - `rosey.platform.<p>.state.<query>`   request/reply for channel state the connector keeps
 * - `rosey.events.<type>`                normalized events, platform-agnostic (connector publishes)
 * - `rosey.commands.<plugin>.execute`    dispatcher -> plugin request; `.result` plugin -> bus
 * - `rosey.plugins.<plugin>.<event>`     a plugin's own events, incl. `.say` output and `.heartbeat`
 * - `rosey.security.<kind>`              violations and restrictions, published by the core only
 * - `rosey.monitoring.<kind>`            health and metrics
 * - `rosey.admin.<area>.<op>`            operator requests (plugin list/start/stop/...)
 * - `rosey.audit.<service>`              who did what, for moderator actions
 * - `rosey.stats.query.<kind>`           channel and user statistics (request/reply)
 */
import { SubjectError } from "./errors.ts";

export const ROOT = "rosey" as const;

/** A subject token we build from data (platform, plugin, event name): no dots, no wildcards. */
const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;
/** Event and action names may have dotted parts (`user.join`). */
const DOTTED = /^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,3}$/;

/** Throws unless `value` is one safe subject token; data never injects wildcards or levels. */
export function token(value: string, what = "subject token"): string {
  if (!TOKEN.test(value)) {
    throw new SubjectError(
      `${what} ${JSON.stringify(value)} is not a valid subject token; ` +
        `use 1-64 letters, digits, "_" or "-" (no dots, spaces or wildcards)`,
    );
  }
  return value;
}

function dotted(value: string, what: string): string {
  if (!DOTTED.test(value)) {
    throw new SubjectError(
      `${what} ${JSON.stringify(value)} is not valid; use up to four dot-separated tokens ` +
        `of letters, digits, "_" or "-"`,
    );
  }
  return value;
}

/** Normalized event types and their subjects, as `as const` objects with a union type. */
export const EVENT_TYPES = {
  message: "message",
  privateMessage: "pm",
  userJoin: "user.join",
  userLeave: "user.leave",
  userUpdate: "user.update",
  /**
   * A user changed name and stays the same person (a platform's nick change). Sent after the
   * `user.leave` of the old name and the `user.join` of the new one, so presence keeps working
   * unchanged; what follows a person (memory, scores) listens to this. Platforms without renames
   * never send it.
   */
  userRename: "user.rename",
  mediaChange: "media.change",
  playlistAdd: "playlist.add",
  playlistRemove: "playlist.remove",
  playlistMove: "playlist.move",
  playlistReset: "playlist.reset",
  channelJoined: "channel.joined",
  channelLeft: "channel.left",
  /**
   * Everyone in the channel, sent when the connector (re)joins and learns the user list: users
   * already present never produce `user.join`, so presence-based stats start from this.
   */
  channelPresence: "channel.presence",
  /**
   * What the bot itself said (chat, or a PM with `to`), once the platform delivered it: for
   * logs, so a reader sees the answers beside the questions. Never a command.
   */
  botMessage: "bot.message",
  /** How many are connected (viewers, anonymous included): for peak-viewer stats. */
  channelUserCount: "channel.usercount",
} as const;
export type EventType = typeof EVENT_TYPES[keyof typeof EVENT_TYPES];

/** Builders for every subject. Patterns (with `*`/`>`) are named `...Pattern` / `all...`. */
export const subjects = {
  // --- platform raw (in) and actions (out) --------------------------------------------------
  platformRaw: (platform: string, event: string) =>
    `${ROOT}.platform.${token(platform, "platform")}.raw.${dotted(event, "raw event")}`,
  allPlatformRaw: (platform: string) => `${ROOT}.platform.${token(platform, "platform")}.raw.>`,
  platformAction: (platform: string, action: string) =>
    `${ROOT}.platform.${token(platform, "platform")}.action.${token(action, "action")}`,
  allPlatformActions: (platform: string) =>
    `${ROOT}.platform.${token(platform, "platform")}.action.*`,
  /** Every action on every platform: the subjects of the `ROSEY_ACTIONS` stream. */
  everyPlatformAction: () => `${ROOT}.platform.*.action.*`,
  anyPlatformAction: (action: string) => `${ROOT}.platform.*.action.${token(action, "action")}`,
  /**
   * Where a connector answers an action asked in `nats.delivery: durable` (the asker names it in
   * the action's `Rosey-Reply-To` header): `rosey.platform.<p>.outcome.<asker>.<id>`.
   */
  actionOutcome: (platform: string, asker: string, id: string) =>
    `${ROOT}.platform.${token(platform, "platform")}.outcome.${token(asker, "asker")}.${
      token(id, "request id")
    }`,
  /** Every outcome of `platform`'s actions: what its connector may publish. */
  allActionOutcomes: (platform: string) =>
    `${ROOT}.platform.${token(platform, "platform")}.outcome.>`,
  /** Every outcome addressed to `asker`, on any platform: what the asker subscribes to. */
  actionOutcomesOf: (asker: string) => `${ROOT}.platform.*.outcome.${token(asker, "asker")}.>`,
  platformState: (platform: string, query: string) =>
    `${ROOT}.platform.${token(platform, "platform")}.state.${token(query, "state query")}`,
  /** One state query on every platform: what a platform-neutral service may ask. */
  anyPlatformState: (query: string) => `${ROOT}.platform.*.state.${token(query, "state query")}`,
  allPlatformState: (platform: string) => `${ROOT}.platform.${token(platform, "platform")}.state.*`,
  allPlatform: () => `${ROOT}.platform.>`,

  // --- normalized events ----------------------------------------------------------------------
  event: (type: EventType) => `${ROOT}.events.${dotted(type, "event type")}`,
  allEvents: () => `${ROOT}.events.>`,
  /**
   * `message` and `pm`, the chat events that may be commands: the only event types of one token
   * (every other type is dotted, `user.join`), so that the dispatchers' one durable consumer can
   * filter on them with a single subject (nats-server 2.9 has one filter per consumer).
   */
  chatEvents: () => `${ROOT}.events.*`,

  // --- commands -------------------------------------------------------------------------------
  commandExecute: (plugin: string) => `${ROOT}.commands.${token(plugin, "plugin name")}.execute`,
  commandResult: (plugin: string) => `${ROOT}.commands.${token(plugin, "plugin name")}.result`,
  pluginCommands: (plugin: string) => `${ROOT}.commands.${token(plugin, "plugin name")}.>`,
  allCommandResults: () => `${ROOT}.commands.*.result`,
  /** Every plugin's execute subject: what only the command dispatcher may publish (requests) to. */
  allCommandExecutes: () => `${ROOT}.commands.*.execute`,
  allCommands: () => `${ROOT}.commands.>`,

  // --- plugins' own subjects ------------------------------------------------------------------
  plugin: (plugin: string, event: string) =>
    `${ROOT}.plugins.${token(plugin, "plugin name")}.${dotted(event, "plugin event")}`,
  /** Output a plugin sends on its own (a timer firing): the dispatcher forwards it to the platform. */
  pluginSay: (plugin: string) => `${ROOT}.plugins.${token(plugin, "plugin name")}.say`,
  allPluginSay: () => `${ROOT}.plugins.*.say`,
  pluginHeartbeat: (plugin: string) => `${ROOT}.plugins.${token(plugin, "plugin name")}.heartbeat`,
  allPluginHeartbeats: () => `${ROOT}.plugins.*.heartbeat`,
  /** The plugin's control channel: the manager asks it to stop gracefully here. */
  pluginControl: (plugin: string) => `${ROOT}.plugins.${token(plugin, "plugin name")}.control`,
  allPluginControl: () => `${ROOT}.plugins.*.control`,
  pluginAll: (plugin: string) => `${ROOT}.plugins.${token(plugin, "plugin name")}.>`,
  allPlugins: () => `${ROOT}.plugins.>`,

  // --- security, monitoring, admin, audit -----------------------------------------------------
  securityViolation: () => `${ROOT}.security.violation`,
  securityRestricted: () => `${ROOT}.security.plugin.restricted`,
  allSecurity: () => `${ROOT}.security.>`,
  monitoringHealth: () => `${ROOT}.monitoring.health`,
  monitoringMetrics: () => `${ROOT}.monitoring.metrics`,
  allMonitoring: () => `${ROOT}.monitoring.>`,
  adminPlugins: (op: string) => `${ROOT}.admin.plugins.${token(op, "admin operation")}`,
  /** Manifests of running plugins, published by the manager (the dispatcher builds its table from it). */
  pluginManifests: () => `${ROOT}.admin.plugins.manifests`,
  /** The status service answers the status table (components and plugins) here. */
  adminStatus: () => `${ROOT}.admin.status`,
  allAdmin: () => `${ROOT}.admin.>`,
  audit: (service: string) => `${ROOT}.audit.${token(service, "service")}`,
  /** Channel statistics answered by the stats service (`channel`, `user`): request/reply. */
  statsQuery: (kind: string) => `${ROOT}.stats.query.${token(kind, "stats query")}`,
  allStatsQueries: () => `${ROOT}.stats.query.*`,
  /**
   * Where `asker`'s stats answers arrive (`rosey.stats.answer.<asker>`, a reply prefix: each
   * request appends its own token). Stats answers here and not to the asker's inbox: it may not
   * hold NATS `allow_responses` (services/stats/role.ts says why); the asker's role grants `.>`.
   */
  statsAnswers: (asker: string) => `${ROOT}.stats.answer.${token(asker, "asker")}`,
  allStatsAnswers: () => `${ROOT}.stats.answer.>`,
  allAudit: () => `${ROOT}.audit.>`,
  all: () => `${ROOT}.>`,
} as const;

/**
 * The inbox prefix of one identity. A user whose subscribe rights are scoped cannot use the
 * default `_INBOX.>` (NOTES-SANDBOX §3: the request is still delivered but the reply is lost),
 * so every client gets `_INBOX.<identity>` and the matching grant.
 */
export function inboxPrefix(identity: string): string {
  return `_INBOX.${token(identity, "identity")}`;
}

/** Where a stream's subjects live: the names of the JetStream streams the core creates. */
export const STREAMS = {
  events: "ROSEY_EVENTS",
  /** Platform actions in `nats.delivery: durable` (docs/SCALING.md): connectors consume them. */
  actions: "ROSEY_ACTIONS",
  chatLog: "ROSEY_CHATLOG",
  audit: "ROSEY_AUDIT",
  /** The KV bucket `rosey_leases` (connector failover leases, core/bus/kv_lease.ts). */
  leases: "KV_rosey_leases",
} as const;

/**
 * The JetStream KV buckets the core creates (each is the stream `KV_<bucket>`, subjects
 * `$KV.<bucket>.>`). `services`: the services' durable state (chat log cursor, stats), one key
 * per service and instance.
 */
export const KV_BUCKETS = {
  services: "rosey_services",
} as const;
