/**
 * The shape of `rosey.yaml`: one zod schema per section, defaults for everything, strict
 * objects so a typo (`chanel:`) is an error instead of a silently ignored key. Messages are
 * written for the person editing the file: what is wrong and an example of what is right.
 */
import { z } from "zod";
import { PLUGIN_NAME } from "../events/mod.ts";
import { subjects } from "../subjects/mod.ts";
import { IrcConnectorSchema } from "../../connectors/irc/config_schema.ts";

/** `api.open-meteo.com`, `localhost`, an IPv4 literal, each optionally with `:port`. */
const HOST =
  /^(localhost|(\d{1,3}\.){3}\d{1,3}|([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62})(:\d{1,5})?$/i;
/** A NATS subject pattern: dot-separated tokens, `*` tokens, `>` last. */
const SUBJECT_PATTERN = /^([A-Za-z0-9_$-]+|\*)(\.([A-Za-z0-9_$-]+|\*))*(\.>)?$/;
const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

const show = (value: unknown) => JSON.stringify(value);

/** A token bucket. The upper bounds are generous so that a benchmark can lift the limits. */
const rate = z.strictObject({
  burst: z.number().int().min(1).max(1_000_000),
  perSecond: z.number().positive().max(1_000_000),
});

export const BotSectionSchema = z.strictObject({
  /** The bot's name: its own messages are never commands. */
  name: z.string().min(1).max(100).default("rosey"),
  commandPrefix: z.string().min(1).max(5).regex(/^\S+$/, {
    error: (issue) => `${show(issue.input)} has spaces; write a prefix like "!" or "?"`,
  }).default("!"),
});

export const NatsSectionSchema = z.strictObject({
  /** Where clients connect. `deno task dev` starts its own server listening here. */
  url: z.string().regex(HOST_PORT, {
    error: (issue) => `${show(issue.input)} is not host:port; write e.g. "127.0.0.1:4222"`,
  }).default("127.0.0.1:4222"),
  /** The monitoring endpoint (varz, connz, healthz). */
  monitoring: z.url({
    error: (issue) => `${show(issue.input)} is not a URL; write e.g. "http://127.0.0.1:8222"`,
  }).default("http://127.0.0.1:8222"),
  /** Start (and stop) nats-server with the bot. False: connect to one already running. */
  managed: z.boolean().default(true),
});

export const ShellConnectorSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Who you are in the local chat. */
  user: z.string().min(1).max(100).default("you"),
  /** Your rank there; 3 (admin) so every command can be tried locally. */
  rank: z.number().min(-1).max(1000).default(3),
  channel: z.string().min(1).max(200).default("local"),
});

export const CytubeConnectorSchema = z.strictObject({
  enabled: z.boolean().default(false),
  server: z.url({
    error: (issue) => `${show(issue.input)} is not a URL; write e.g. "https://cytu.be"`,
  }).default("https://cytu.be"),
  /** The channel name as in the URL: `mychannel` for https://cytu.be/r/mychannel. */
  channel: z.string().regex(/^[A-Za-z0-9_-]{1,30}$/, {
    error: (issue) =>
      `${show(issue.input)} is not a channel name; write the part after /r/ in the ` +
      `channel URL, e.g. "mychannel"`,
  }).optional(),
  channelPassword: z.string().min(1).optional(),
  /** Log in as this account; without it the bot joins as a guest. */
  user: z.strictObject({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,20}$/, {
      error: (issue) =>
        `${show(issue.input)} is not a CyTube user name; use 1-20 letters, digits, "_" or "-"`,
    }),
    password: z.string().min(1).optional(),
  }).optional(),
});

export const ConnectorsSectionSchema = z.strictObject({
  shell: ShellConnectorSchema.default(ShellConnectorSchema.parse({})),
  cytube: CytubeConnectorSchema.default(CytubeConnectorSchema.parse({})),
  /** IRC networks and Twitch chat (schema owned by connectors/irc/config_schema.ts). */
  irc: IrcConnectorSchema.default(IrcConnectorSchema.parse({})),
}).superRefine((value, ctx) => {
  if (value.cytube.enabled && value.cytube.channel === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["cytube", "channel"],
      message: `missing; CyTube is enabled, so name the channel to join, e.g. channel: "mychannel"`,
    });
  }
});

export const RouterSectionSchema = z.strictObject({
  /** How long a plugin has to answer a command before the user gets an apology. */
  timeoutMs: z.number().int().min(100).max(120_000).default(5000),
  /** Other bots whose messages are never commands. */
  ignoreUsers: z.array(z.string().min(1)).default([]),
  rateLimits: z.strictObject({
    perUser: rate.default({ burst: 5, perSecond: 0.5 }),
    perPlugin: rate.default({ burst: 20, perSecond: 5 }),
    say: rate.default({ burst: 5, perSecond: 1 }),
    noticeWindowMs: z.number().int().min(0).default(10_000),
  }).default({
    perUser: { burst: 5, perSecond: 0.5 },
    perPlugin: { burst: 20, perSecond: 5 },
    say: { burst: 5, perSecond: 1 },
    noticeWindowMs: 10_000,
  }),
  /**
   * Who owns a command word two plugins declare: word (no prefix) -> plugin name. Without an
   * entry, the plugin that held the word first keeps it (remembered in the state dir) and a
   * newcomer's claim is refused and reported.
   */
  commandOwners: z.record(
    z.string(),
    z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, {
      error: (issue) =>
        `${show(issue.input)} is not a plugin name; write the plugin's file name without .ts, ` +
        `e.g. roll: dice`,
    }),
  ).superRefine((owners, context) => {
    for (const word of Object.keys(owners)) {
      if (/^[a-z0-9][a-z0-9_-]{0,31}$/.test(word)) continue;
      context.addIssue({
        code: "custom",
        path: [word],
        message: `${show(word)} is not a command word; write it lower-case without the prefix, ` +
          `e.g. roll: dice`,
      });
    }
  }).default({}),
  /**
   * How much of one reply reaches the chat: `maxLines` chat lines (a long line counts once per
   * `lineChars` characters); the rest is cut with a "(n more lines cut)" note.
   */
  replies: z.strictObject({
    maxLines: z.number().int().min(1).max(100).default(8),
    lineChars: z.number().int().min(20).max(10_000).default(320),
  }).default({ maxLines: 8, lineChars: 320 }),
});

/**
 * What a plugin may use besides its defaults. Field names match the sandbox's
 * `PluginGrantsSchema` (`sandbox/manager/settings.ts`): `net` as `host:port` (a bare host is
 * taken as port 443, the usual HTTPS API), extra publish/subscribe subjects, npm packages.
 */
export const PluginGrantsSchema = z.strictObject({
  net: z.array(
    z.string().regex(HOST, {
      error: (issue) =>
        `${show(issue.input)} is not a host name; write e.g. "api.open-meteo.com" ` +
        `(port 443) or "api.open-meteo.com:443"`,
    }).transform((host) => (/:\d+$/.test(host) ? host : `${host}:443`)),
  ).default([]),
  publish: z.array(
    z.string().regex(SUBJECT_PATTERN, {
      error: (issue) =>
        `${show(issue.input)} is not a NATS subject; write dot-separated words, e.g. ` +
        `"${subjects.plugin("quotes", "added")}"`,
    }),
  ).default([]),
  subscribe: z.array(
    z.string().regex(SUBJECT_PATTERN, {
      error: (issue) =>
        `${show(issue.input)} is not a NATS subject; write dot-separated words, e.g. ` +
        `"${subjects.event("user.join")}"`,
    }),
  ).default([]),
  /** npm packages the plugin may import, exact: `npm:name@version` (present in deno.lock). */
  npm: z.array(
    z.string().regex(/^npm:[@A-Za-z0-9/._-]+@[0-9][A-Za-z0-9.+-]*$/, {
      error: (issue) =>
        `${show(issue.input)} is not an exact npm package; write e.g. "npm:ms@2.1.3"`,
    }),
  ).default([]),
});
export type PluginGrants = z.infer<typeof PluginGrantsSchema>;

/**
 * Resource limits in the sandbox's own names (`sandbox/limits/resource_limits.ts`); core does
 * not import the sandbox, so only the shape is checked here and the manager checks the bounds.
 */
export const PluginLimitsSchema = z.strictObject({
  memoryMb: z.number().int().positive().optional(),
  cpu: z.number().positive().optional(),
  pids: z.number().int().positive().optional(),
  openFiles: z.number().int().positive().optional(),
  cpuSecondsBackstop: z.number().int().positive().optional(),
  /** Data dir quota: MiB (also the cap on one file) and entries. Default 64 MiB, 10,000. */
  dataMb: z.number().int().positive().optional(),
  dataFiles: z.number().int().positive().optional(),
});
export type PluginLimits = z.infer<typeof PluginLimitsSchema>;

export const PluginSettingsSchema = z.strictObject({
  /** False keeps this plugin from running (same as listing it in `plugins.disabled`). */
  enabled: z.boolean().default(true),
  grants: PluginGrantsSchema.prefault({}),
  limits: PluginLimitsSchema.default({}),
  /** NATS limits enforced by the server for this plugin's user. */
  nats: z.strictObject({
    maxSubscriptions: z.number().int().min(5).max(10_000).optional(),
    maxPayload: z.number().int().min(1024).max(1024 * 1024).optional(),
  }).default({}),
  /** Free-form settings handed to the plugin (`ctx.config`). */
  config: z.record(z.string(), z.unknown()).default({}),
});
export type PluginSettings = z.infer<typeof PluginSettingsSchema>;

const pluginName = z.string().regex(PLUGIN_NAME, {
  error: (issue) =>
    `${show(issue.input)} is not a plugin name; plugin names are file names like "dice" ` +
    `(lower-case letters, digits, "_" or "-")`,
});

/**
 * `plugins:` holds the folder, the enabled/disabled lists, and one key per plugin with its
 * settings (`plugins.weather.grants.net`), which is why it is an object with a catch-all.
 */
export const PluginsSectionSchema = z.object({
  dir: z.string().min(1).default("plugins"),
  /** Only these run; leave it out to run every plugin in `dir`. */
  enabled: z.array(pluginName).optional(),
  disabled: z.array(pluginName).default([]),
}).catchall(PluginSettingsSchema).superRefine((value, ctx) => {
  for (const key of Object.keys(value)) {
    if (key === "dir" || key === "enabled" || key === "disabled") continue;
    if (!PLUGIN_NAME.test(key)) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: `${show(key)} is neither a setting (dir, enabled, disabled) nor a plugin name; ` +
          `plugin names are file names like "dice"`,
      });
    }
  }
});

export const LoggingSectionSchema = z.strictObject({
  level: z.enum(["debug", "info", "warn", "error"], {
    error: (issue) => `${show(issue.input)} is not a level; write debug, info, warn or error`,
  }).default("info"),
  format: z.enum(["pretty", "json"], {
    error: (issue) => `${show(issue.input)} is not a format; write pretty or json`,
  }).optional(),
  /** Where `deno task dev` writes its log file. */
  dir: z.string().min(1).default(".rosey/logs"),
  /** `rosey.log` is rotated when it would pass this size (MB): `rosey.log.1`, `.2`, ... */
  maxFileMb: z.number().min(0.01).max(10_000).default(20),
  /** Rotated files kept beside `rosey.log` (the oldest is deleted). */
  keepFiles: z.number().int().min(0).max(100).default(5),
  /**
   * What one plugin's stdout and stderr may put in the log, on average (bursts up to 10x);
   * the rest is dropped and counted, and the flood is reported once on rosey.security.violation.
   */
  pluginLinesPerSecond: z.number().min(1).max(100_000).default(50),
  pluginBytesPerSecond: z.number().int().min(1024).max(100_000_000).default(64 * 1024),
});

export const MonitoringSectionSchema = z.strictObject({
  /** Loopback port of the Prometheus endpoint (`/metrics`, `/status`); 0 turns it off. */
  metricsPort: z.number().int().min(0).max(65535).default(9464),
  /** How often each component reports health and metrics on the bus. */
  healthIntervalMs: z.number().int().min(250).max(300_000).default(5000),
});

const serviceSwitch = () =>
  z.strictObject({
    /** Off: the service does not run (its durable consumer keeps its place for later). */
    enabled: z.boolean().default(true),
  }).prefault({});

/** The core services beside the router; each can be turned off (e.g. no chat logs kept). */
export const ServicesSectionSchema = z.strictObject({
  /** Chat and media logs (`logging.dir`/chat), from the durable event stream. */
  chatlog: serviceSwitch(),
  /** Per-user and per-channel stats (`!stats` answers), from the durable event stream. */
  stats: serviceSwitch(),
  /** The moderators' PM command shell. */
  moderator: serviceSwitch(),
});

export const RoseyFileSchema = z.strictObject({
  bot: BotSectionSchema.default(BotSectionSchema.parse({})),
  nats: NatsSectionSchema.default(NatsSectionSchema.parse({})),
  connectors: ConnectorsSectionSchema.default(ConnectorsSectionSchema.parse({})),
  router: RouterSectionSchema.default(RouterSectionSchema.parse({})),
  plugins: PluginsSectionSchema.prefault({}),
  logging: LoggingSectionSchema.default(LoggingSectionSchema.parse({})),
  monitoring: MonitoringSectionSchema.default(MonitoringSectionSchema.parse({})),
  services: ServicesSectionSchema.prefault({}),
});
