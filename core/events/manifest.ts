/**
 * What a plugin declares about itself, as the plugin manager publishes it for command
 * dispatch (`rosey.admin.plugins.manifests`) and answers it (`rosey.admin.plugins.list`). The
 * command table and `!help` are built from these, so a plugin never registers itself.
 */
import { z } from "zod";

import { COMMAND_WORD, PLUGIN_NAME } from "./constants.ts";

export const CommandSpecSchema = z.object({
  /** The command word without prefix: `roll`. */
  name: z.string().regex(COMMAND_WORD),
  aliases: z.array(z.string().regex(COMMAND_WORD)).max(10).default([]),
  /** One-line usage: `!roll <dice>`. */
  usage: z.string().max(200).default(""),
  /** One or two sentences for `!help <command>`. */
  help: z.string().max(500).default(""),
  /** Minimum normalized rank (see RANKS) to call it. Default 0 (guests). */
  minRank: z.number().default(0),
  /** Per-user cooldown in ms. Default 0. */
  cooldownMs: z.number().int().nonnegative().default(0),
});
export type CommandSpec = z.infer<typeof CommandSpecSchema>;

export const PluginManifestSchema = z.object({
  name: z.string().regex(PLUGIN_NAME),
  version: z.string().max(50),
  description: z.string().max(500).default(""),
  commands: z.array(CommandSpecSchema).max(100).default([]),
  /** Normalized event types it subscribes to, besides its commands (e.g. `user.join`). */
  events: z.array(z.string().max(64)).max(20).default([]),
});
export type PluginManifest = z.infer<typeof PluginManifestSchema>;

export const PLUGIN_STATES = {
  starting: "starting",
  running: "running",
  stopping: "stopping",
  stopped: "stopped",
  restarting: "restarting",
  quarantined: "quarantined",
  refused: "refused",
} as const;
export type PluginState = typeof PLUGIN_STATES[keyof typeof PLUGIN_STATES];

export const PluginStatusSchema = z.object({
  name: z.string(),
  state: z.enum(Object.values(PLUGIN_STATES) as [PluginState, ...PluginState[]]),
  manifest: PluginManifestSchema.optional(),
  pid: z.number().int().optional(),
  startedAt: z.number().optional(),
  restarts: z.number().int().nonnegative().default(0),
  /** Plain words: why it last stopped, or why it is quarantined/refused. */
  reason: z.string().max(1000).optional(),
  violations: z.number().int().nonnegative().default(0),
  /** Sampled by the manager from the process (cgroup or /proc), for `deno task status`. */
  cpuPercent: z.number().nonnegative().optional(),
  rssBytes: z.number().nonnegative().optional(),
  /** Commands and events the plugin has handled (from its heartbeats). */
  messages: z.number().int().nonnegative().optional(),
});
export type PluginStatus = z.infer<typeof PluginStatusSchema>;

/** The full table, published on every change (readers replace their table with it). */
export const PluginTableSchema = z.object({
  plugins: z.array(PluginStatusSchema),
  /** Increases with every publish, so a stale table is never applied over a newer one. */
  revision: z.number().int().nonnegative(),
});
export type PluginTable = z.infer<typeof PluginTableSchema>;

/** Published on `rosey.security.violation` by whoever detects it (manager, a service, the server). */
export const SecurityViolationSchema = z.object({
  /** The plugin (or service) that did it. */
  plugin: z.string().max(64),
  /** What kind: `nats-publish`, `nats-subscribe`, `deno-permission`, `module-graph`, ... */
  kind: z.string().max(64),
  /** What exactly: the subject, path or host it tried. */
  detail: z.string().max(2000),
  /** What was done about it: `denied`, `killed`, `quarantined`, `refused`. */
  action: z.string().max(64),
  time: z.number(),
});
export type SecurityViolation = z.infer<typeof SecurityViolationSchema>;
