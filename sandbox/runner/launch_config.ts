/**
 * What the manager hands a plugin process on stdin: one JSON document, then stdin stays open as
 * the lifeline. Credentials travel only this way (never argv, env or disk: argv and env are
 * visible in /proc to other processes of the same uid, files outlive the launch).
 *
 * Checked without zod: this module is part of every plugin process (see wire_checks.ts).
 */
import {
  arrayAt,
  numberAt,
  objectAt,
  stringAt,
  type Validator,
  validatorOf,
  withDefault,
} from "@quicksilver/core/client";

/**
 * Starts a runner tripwire line on stderr: `<prefix><reportToken> {"permission","value"}`.
 * Deno's permission audit does not record `run` checks, so the runner reports them itself.
 */
export const TRIPWIRE_PREFIX = "quicksilver-tripwire ";

export const RUNNER_MODES = { run: "run", describe: "describe" } as const;

export interface Granted {
  net: string[];
  publish: string[];
  subscribe: string[];
}

export type LogLevel = "debug" | "info" | "warn" | "error";
const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

export interface RunLaunchConfig {
  mode: typeof RUNNER_MODES.run;
  name: string;
  /** IP-literal `host:port` (NOTES-SANDBOX §1: a hostname would need DNS permission). */
  servers: string;
  creds: string;
  dataDir: string;
  config: Record<string, unknown>;
  granted: Granted;
  heartbeatMs: number;
  /** How long setup and teardown may take. */
  hookTimeoutMs: number;
  logLevel: LogLevel;
  /**
   * A secret of this launch: the runner's tripwire lines on stderr carry it, so the manager
   * tells them from lines plugin code wrote. Empty: no tripwire reports.
   */
  reportToken: string;
  /** Who the bot is in chat (`bot.name`, `bot.commandPrefix` in rosey.yaml). */
  bot: BotIdentity;
  /**
   * Values of the bot's environment variables the operator named in the plugin's config (a key
   * `<secret>Env` names the variable; the manager resolves it at launch, see
   * sandbox/manager/plugin_secrets.ts). Travels only here, like the credentials.
   */
  secrets: Record<string, string>;
}

/** The bot's own identity, as every plugin sees it (`ctx.bot`). */
export interface BotIdentity {
  /** Its chat name (`rosey`): messages naming it are addressed to it. */
  name: string;
  /** The command prefix the router answers (`!`). */
  commandPrefix: string;
}

export type LaunchConfig = { mode: typeof RUNNER_MODES.describe } | RunLaunchConfig;

/** What the manager writes: the same, with defaults left out. */
export type LaunchConfigInput =
  | { mode: typeof RUNNER_MODES.describe }
  | (
    & Pick<RunLaunchConfig, "mode" | "name" | "servers" | "creds" | "dataDir">
    & Partial<
      Omit<RunLaunchConfig, "mode" | "name" | "servers" | "creds" | "dataDir" | "granted" | "bot">
    >
    & { granted?: Partial<Granted>; bot?: Partial<BotIdentity> }
  );

const DEFAULTS = {
  heartbeatMs: 2000,
  hookTimeoutMs: 10_000,
  logLevel: "info",
} as const;

type Path = readonly PropertyKey[];

const strings = (value: unknown, path: Path) => arrayAt(value, path, (v, p) => stringAt(v, p));

const ms = (min: number, max: number) => (value: unknown, path: Path) =>
  numberAt(value, path, { int: true, min, max });

export const LaunchConfigSchema: Validator<LaunchConfig> = validatorOf((value, path) => {
  const o = objectAt(value, path);
  if (o.mode === RUNNER_MODES.describe) return { mode: RUNNER_MODES.describe };
  if (o.mode !== RUNNER_MODES.run) {
    return stringAt(undefined, [...path, "mode"], {}) as never; // "expected a string"
  }
  const granted = withDefault(o, "granted", path, {}, objectAt);
  const at = [...path, "granted"];
  const logLevel = withDefault(o, "logLevel", path, DEFAULTS.logLevel, (v, p) =>
    stringAt(v, p, {
      pattern: /^(debug|info|warn|error)$/,
      patternMessage: `must be one of ${LOG_LEVELS.join(", ")}`,
    }) as LogLevel);
  return {
    mode: RUNNER_MODES.run,
    name: stringAt(o.name, [...path, "name"], { min: 1, max: 32 }),
    servers: stringAt(o.servers, [...path, "servers"], { min: 1 }),
    creds: stringAt(o.creds, [...path, "creds"], { min: 1 }),
    dataDir: stringAt(o.dataDir, [...path, "dataDir"], { min: 1 }),
    config: withDefault(o, "config", path, {}, objectAt),
    granted: {
      net: withDefault(granted, "net", at, [], strings),
      publish: withDefault(granted, "publish", at, [], strings),
      subscribe: withDefault(granted, "subscribe", at, [], strings),
    },
    heartbeatMs: withDefault(o, "heartbeatMs", path, DEFAULTS.heartbeatMs, ms(50, 60_000)),
    hookTimeoutMs: withDefault(o, "hookTimeoutMs", path, DEFAULTS.hookTimeoutMs, ms(10, 300_000)),
    logLevel,
    reportToken: withDefault(o, "reportToken", path, "", (v, p) => stringAt(v, p, { max: 64 })),
    bot: botAt(withDefault(o, "bot", path, {}, objectAt), [...path, "bot"]),
    secrets: withDefault(o, "secrets", path, {}, secretsAt),
  };
});

function botAt(o: Record<string, unknown>, path: Path): BotIdentity {
  return {
    name: withDefault(o, "name", path, "", (v, p) => stringAt(v, p, { max: 100 })),
    commandPrefix: withDefault(
      o,
      "commandPrefix",
      path,
      "!",
      (v, p) => stringAt(v, p, { min: 1, max: 10 }),
    ),
  };
}

function secretsAt(value: unknown, path: Path): Record<string, string> {
  const o = objectAt(value, path);
  const out: Record<string, string> = {};
  for (const [key, secret] of Object.entries(o)) {
    out[key] = stringAt(secret, [...path, key], { max: 16_384 });
  }
  return out;
}

/** A plugin's heartbeat (`rosey.plugins.<name>.heartbeat`); the first one means "ready". */
export interface Heartbeat {
  name: string;
  seq: number;
  time: number;
  /** Commands answered and failed since start. */
  handled: number;
  failed: number;
}

export const HeartbeatSchema: Validator<Heartbeat> = validatorOf((value, path) => {
  const o = objectAt(value, path);
  const count = (key: string) => numberAt(o[key], [...path, key], { int: true, min: 0 });
  return {
    name: stringAt(o.name, [...path, "name"]),
    seq: count("seq"),
    time: numberAt(o.time, [...path, "time"]),
    handled: count("handled"),
    failed: count("failed"),
  };
});

/** The manager's graceful stop request on `rosey.plugins.<name>.control`. */
export const ControlSchema: Validator<{ op: "stop" }> = validatorOf((value, path) => {
  const o = objectAt(value, path);
  stringAt(o.op, [...path, "op"], { pattern: /^stop$/, patternMessage: 'must be "stop"' });
  return { op: "stop" };
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
