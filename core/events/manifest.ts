/**
 * What a plugin declares about itself, as the plugin manager publishes it for command
 * dispatch (`rosey.admin.plugins.manifests`) and answers it (`rosey.admin.plugins.list`). The
 * command table and `!help` are built from these, so a plugin never registers itself.
 */
import { z } from "./_zod.ts";

import { COMMAND_WORD, PLUGIN_NAME } from "./constants.ts";

/** A string of at most `max` characters. */
const str = (max: number) => z.string().check(z.maxLength(max));
/** A count: a non-negative integer. */
const count = () => z.int().check(z.nonnegative());

export const CommandSpecSchema = z.object({
  /** The command word without prefix: `roll`. */
  name: z.string().check(z.regex(COMMAND_WORD)),
  aliases: z._default(z.array(z.string().check(z.regex(COMMAND_WORD))).check(z.maxLength(10)), []),
  /** One-line usage: `!roll <dice>`. */
  usage: z._default(str(200), ""),
  /** One or two sentences for `!help <command>`. */
  help: z._default(str(500), ""),
  /** Minimum normalized rank (see RANKS) to call it. Default 0 (guests). */
  minRank: z._default(z.number(), 0),
  /** Per-user cooldown in ms. Default 0. */
  cooldownMs: z._default(count(), 0),
});
export type CommandSpec = z.infer<typeof CommandSpecSchema>;

export const PluginManifestSchema = z.object({
  name: z.string().check(z.regex(PLUGIN_NAME)),
  version: str(50),
  description: z._default(str(500), ""),
  commands: z._default(z.array(CommandSpecSchema).check(z.maxLength(100)), []),
  /** Normalized event types it subscribes to, besides its commands (e.g. `user.join`). */
  events: z._default(z.array(str(64)).check(z.maxLength(20)), []),
});
export type PluginManifest = z.infer<typeof PluginManifestSchema>;

/**
 * A list of grant items (`host:port`, subject patterns, `npm:name@version`): absent means none.
 * The bounds are far above what a plugin may ask (20 per kind, 200 characters) and an operator
 * would grant: a reader drops a table that does not parse, so the manager's own must.
 */
const grantList = () => z._default(z.array(str(300)).check(z.maxLength(500)), []);

/** One kind of extra per list, as a plugin asks for them and as the operator grants them. */
export const PluginGrantSetSchema = z.object({
  /** Outbound `host:port` (`*` asked: whatever host the operator grants). */
  net: grantList(),
  /** Extra NATS subjects it may publish to. */
  publish: grantList(),
  /** Extra NATS subjects it may listen on. */
  subscribe: grantList(),
  /** npm packages it imports besides the SDK's, exact `npm:name@version`. */
  npm: grantList(),
});
export type PluginGrantSet = z.infer<typeof PluginGrantSetSchema>;

/**
 * The limits a plugin's launch runs under (defaults and `plugins.<name>.limits`, narrowed by an
 * install approval): the figures of sandbox/limits' `ResourceLimits`, in its units.
 */
export const PluginLaunchLimitsSchema = z.object({
  /** Memory cap, MiB (cgroup or watchdog). */
  memoryMb: z.number(),
  /** The JS heap cap given to V8, MiB (below `memoryMb`). */
  heapMb: z.optional(z.number()),
  /** CPU share as a fraction of one core. */
  cpu: z.number(),
  /** Max tasks (threads). */
  pids: z.number(),
  /** RLIMIT_NOFILE. */
  openFiles: z.number(),
  /** Cumulative CPU seconds before SIGXCPU; absent: none. */
  cpuSecondsBackstop: z.optional(z.number()),
  /** Data dir quota, MiB (also the largest file it may write). */
  dataMb: z.number(),
  /** Data dir quota of entries (files and folders). */
  dataFiles: z.number(),
});
export type PluginLaunchLimits = z.infer<typeof PluginLaunchLimitsSchema>;

/**
 * What a plugin asked for, what its last launch was granted, and the limits it ran under, as the
 * manager planned that launch (sandbox/manager/launch_plan.ts). Only extras are listed: every
 * plugin also gets its own data dir, the NATS server, and the subjects of its commands/events.
 */
export const PluginAccessSchema = z.object({
  /** Its `extras` (and npm imports), as declared in its file. */
  asked: z._default(PluginGrantSetSchema, { net: [], publish: [], subscribe: [], npm: [] }),
  /** The memory it asked for in `extras.memoryMb`, MiB; absent: it asked for none. */
  askedMemoryMb: z.optional(z.number()),
  /** What the launch actually got: what it asked for and `rosey.yaml` (or its approval) grants. */
  granted: z._default(PluginGrantSetSchema, { net: [], publish: [], subscribe: [], npm: [] }),
  /** Asked for but not granted, one plain item each (`net api.x:443`, `memoryMb 512 (...)`). */
  notGranted: z._default(z.array(str(400)).check(z.maxLength(500)), []),
  limits: PluginLaunchLimitsSchema,
});
export type PluginAccess = z.infer<typeof PluginAccessSchema>;

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
  state: z.enum(PLUGIN_STATES),
  manifest: z.optional(PluginManifestSchema),
  pid: z.optional(z.int()),
  startedAt: z.optional(z.number()),
  restarts: z._default(count(), 0),
  /** Plain words: why it last stopped, or why it is quarantined/refused. */
  reason: z.optional(str(1000)),
  violations: z._default(count(), 0),
  /** Sampled by the manager from the process (cgroup or /proc), for `deno task status`. */
  cpuPercent: z.optional(z.number().check(z.nonnegative())),
  rssBytes: z.optional(z.number().check(z.nonnegative())),
  /** Commands and events the plugin has handled (from its heartbeats). */
  messages: z.optional(count()),
  /**
   * Asked, granted and limits of its last planned launch; absent before it was first planned
   * (and from managers older than this field).
   */
  access: z.optional(PluginAccessSchema),
  /** The plugin host this status is from (`plugins.hostId`); absent from older managers. */
  host: z.optional(str(200)),
  /** In a table merged from several hosts: the hosts where it is running. */
  hosts: z.optional(z.array(str(200)).check(z.maxLength(64))),
});
export type PluginStatus = z.infer<typeof PluginStatusSchema>;

/** The full table, published on every change (readers replace their table with it). */
export const PluginTableSchema = z.object({
  plugins: z.array(PluginStatusSchema),
  /** Increases with every publish, so a stale table is never applied over a newer one. */
  revision: count(),
  /**
   * The plugin host that published it (`plugins.hostId`, default `<hostname>:<home>`): with
   * several plugin hosts, readers keep one table per host and merge them. Absent: one host.
   */
  host: z.optional(str(200)),
  /** When that host's manager started (epoch ms): a restarted host counts revisions anew. */
  startedAt: z.optional(z.number()),
  /**
   * How often the host republishes its table (ms); a host silent for three of these (plus a
   * second) has died and drops out of the merged table.
   */
  intervalMs: z.optional(z.int().check(z.positive())),
});
export type PluginTable = z.infer<typeof PluginTableSchema>;

/** Published on `rosey.security.violation` by whoever detects it (manager, a service, the server). */
export const SecurityViolationSchema = z.object({
  /** The plugin (or service) that did it. */
  plugin: str(64),
  /** What kind: `nats-publish`, `nats-subscribe`, `deno-permission`, `module-graph`, ... */
  kind: str(64),
  /** What exactly: the subject, path or host it tried. */
  detail: str(2000),
  /** What was done about it: `denied`, `killed`, `quarantined`, `refused`. */
  action: str(64),
  time: z.number(),
});
export type SecurityViolation = z.infer<typeof SecurityViolationSchema>;
