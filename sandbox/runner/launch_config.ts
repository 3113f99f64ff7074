/**
 * What the manager hands a plugin process on stdin: one JSON document, then stdin stays open as
 * the lifeline. Credentials travel only this way (never argv, env or disk: argv and env are
 * visible in /proc to other processes of the same uid, files outlive the launch).
 *
 * Checked with zod/mini, as the wire schemas are (docs/PERFORMANCE.md: it costs a plugin process
 * less than classic zod).
 */
import * as z from "zod/mini";

/**
 * Starts a runner tripwire line on stderr: `<prefix><reportToken> {"permission","value"}`.
 * Deno's permission audit does not record `run` checks, so the runner reports them itself.
 */
export const TRIPWIRE_PREFIX = "quicksilver-tripwire ";

/**
 * The environment variable the runner asks for (and is refused: plugins have no env access) once
 * its NATS connection is up, before it loads the plugin's code: in the Deno audit log, the line
 * between the runner's dials of the server and any the plugin makes (sandbox/manager
 * `_server_dials.ts`).
 */
export const RUNNER_CONNECTED_MARKER = "QUICKSILVER_RUNNER_CONNECTED";

export const RUNNER_MODES = { run: "run", describe: "describe" } as const;

const strings = () => z._default(z.array(z.string()), []);

/** What the plugin was granted, as the manager derived it from the operator's config. */
const GrantedSchema = z.object({ net: strings(), publish: strings(), subscribe: strings() });
export type Granted = z.infer<typeof GrantedSchema>;

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = typeof LOG_LEVELS[number];

/** A whole number of milliseconds in `min`..`max`. */
const ms = (min: number, max: number, fallback: number) =>
  z._default(z.int().check(z.gte(min), z.lte(max)), fallback);

const nonEmpty = () => z.string().check(z.minLength(1));

/** The bot's own identity, as every plugin sees it (`ctx.bot`). */
const BotIdentitySchema = z.object({
  /** Its chat name (`rosey`): messages naming it are addressed to it. */
  name: z._default(z.string().check(z.maxLength(100)), ""),
  /** The command prefix the router answers (`!`). */
  commandPrefix: z._default(z.string().check(z.minLength(1), z.maxLength(10)), "!"),
});
export type BotIdentity = z.infer<typeof BotIdentitySchema>;

const RunLaunchConfigSchema = z.object({
  mode: z.literal(RUNNER_MODES.run),
  name: z.string().check(z.minLength(1), z.maxLength(32)),
  /**
   * Every NATS server of the plugin host's `nats.servers`, as IP-literal `host:port`s
   * (NOTES-SANDBOX §1: a hostname would need DNS permission), dialled in this order; its
   * `--allow-net` names exactly these.
   */
  servers: z.array(z.string().check(z.regex(/^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/))).check(
    z.minLength(1),
    z.maxLength(32), // MAX_PLUGIN_SERVERS (sandbox/manager/plugin_servers.ts)
  ),
  creds: nonEmpty(),
  /** The CA (PEM text) that verifies a TLS server; empty: plain TCP. */
  tlsCa: z._default(z.string().check(z.maxLength(65_536)), ""),
  dataDir: nonEmpty(),
  /** The plugin's KV bucket for `ctx.storage` (`plugin_<name>`), created by the manager. */
  storageBucket: z.string().check(z.regex(/^[-\w]{1,64}$/)),
  config: z._default(z.record(z.string(), z.unknown()), {}),
  granted: z.prefault(GrantedSchema, {}),
  heartbeatMs: ms(50, 60_000, 2000),
  /** How long setup and teardown may take. */
  hookTimeoutMs: ms(10, 300_000, 10_000),
  logLevel: z._default(
    z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }),
    "info",
  ),
  /**
   * A secret of this launch: the runner's tripwire lines on stderr carry it, so the manager
   * tells them from lines plugin code wrote. Empty: no tripwire reports.
   */
  reportToken: z._default(z.string().check(z.maxLength(64)), ""),
  /**
   * This launch's id: its heartbeats carry it, and it obeys only control messages naming it, so
   * the managers of two plugin hosts running the same plugin never take each other's replica
   * for their own. Empty: an older manager (obeys every control message).
   */
  launchId: z._default(z.string().check(z.maxLength(64)), ""),
  /** The plugin host's id (`plugins.hostId`): its lease value names it, for operators. */
  host: z._default(z.string().check(z.maxLength(200)), ""),
  /** Who the bot is in chat (`bot.name`, `bot.commandPrefix` in rosey.yaml). */
  bot: z.prefault(BotIdentitySchema, {}),
  /**
   * Values of the bot's environment variables the operator named in the plugin's config (a key
   * `<secret>Env` names the variable; the manager resolves it at launch, see
   * sandbox/manager/plugin_secrets.ts). Travels only here, like the credentials.
   */
  secrets: z._default(z.record(z.string(), z.string().check(z.maxLength(16_384))), {}),
});
export type RunLaunchConfig = z.infer<typeof RunLaunchConfigSchema>;

/** The one JSON line on the runner's stdin: serve the plugin, or only print its description. */
export const LaunchConfigSchema = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal(RUNNER_MODES.describe) }),
  RunLaunchConfigSchema,
], { error: `must be "${RUNNER_MODES.run}" or "${RUNNER_MODES.describe}"` });
export type LaunchConfig = z.infer<typeof LaunchConfigSchema>;

/** What the manager writes: the same, with defaults left out. */
export type LaunchConfigInput = z.input<typeof LaunchConfigSchema>;

const count = () => z.int().check(z.nonnegative());

/** A plugin's heartbeat (`rosey.plugins.<name>.heartbeat`); the first one means "ready". */
export const HeartbeatSchema = z.object({
  name: z.string(),
  seq: count(),
  time: z.number(),
  /** Commands answered and failed since start. */
  handled: count(),
  failed: count(),
  /** The launch id the manager gave it (see `launchId`); absent from older runners. */
  launch: z.optional(z.string().check(z.maxLength(64))),
});
export type Heartbeat = z.infer<typeof HeartbeatSchema>;

/** The manager's graceful stop request on `rosey.plugins.<name>.control`. */
export const ControlSchema = z.object({
  op: z.literal("stop"),
  /** The launch to stop: another host's replica of the same plugin ignores it. */
  launch: z.optional(z.string().check(z.maxLength(64))),
});

/**
 * Exit codes the runner chooses, so the manager tells them from crashes:
 * the plugin file is not a valid plugin (do not restart), or its credentials ended (relaunch).
 */
export const RUNNER_EXIT = {
  ok: 0,
  invalidPlugin: 78,
  credentialsEnded: 75,
  setupFailed: 79,
} as const;
