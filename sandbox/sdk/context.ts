/**
 * What a plugin's code receives. Authors never see NATS, credentials or Deno flags: everything
 * a plugin may do goes through these objects, and the runner maps each call onto the subjects
 * the plugin's NATS user is allowed to use.
 */
import type { Envelope, Source, User } from "@quicksilver/core/client";
import type { Lease } from "./lease.ts";
import type { Storage } from "./storage.ts";
import type { Timers } from "./timers.ts";

/** A structured logger; lines are tagged with the plugin name and collected by the manager. */
export interface PluginLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Extras the operator granted (a subset of what the plugin asked for in `extras`). */
export interface GrantedExtras {
  /** `host:port` the plugin may connect to (fetch, WebSocket). */
  readonly net: readonly string[];
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
}

/** Available in setup, teardown, event handlers and commands. */
export interface PluginContext {
  /** The plugin's name (its file name). */
  readonly name: string;
  /** The operator's settings for this plugin (`plugins.<name>.config`), or `{}`. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly log: PluginLogger;
  /**
   * Persistent JSON key-value storage (the plugin's KV bucket), shared by every replica of the
   * plugin: keep live state here so any replica can continue it.
   */
  readonly storage: Storage;
  /**
   * The active-replica lease, for once-only work (a game's timers, reminders) when the plugin
   * runs on several plugin hosts: see `Lease` and docs/PLUGIN-DEVELOPMENT.md ("Replicas"). With
   * one host the only replica becomes active within a moment of asking.
   */
  readonly lease: Lease;
  /** setTimeout/setInterval that are cancelled when the plugin stops. */
  readonly timers: Timers;
  readonly granted: GrantedExtras;
  /**
   * Who the bot is in chat: its name (`rosey`, from `bot.name`) and the command prefix the
   * router answers (`!`). A plugin that reads chat (`events.message`) uses them to tell lines
   * addressed to the bot, and commands the router already routes, from plain chat.
   */
  readonly bot: { readonly name: string; readonly commandPrefix: string };
  /**
   * Secrets the operator gave this plugin from the bot's environment: a config key
   * `<secret>Env: VARIABLE` (e.g. `apiKeyEnv: OPENAI_API_KEY`) makes `secrets.<secret>`
   * (`secrets.apiKey`) the variable's value, resolved by the manager at launch and handed over
   * on stdin with the credentials. The plugin itself has no env access. Absent when the
   * variable is not set. Never log them.
   */
  readonly secrets: Readonly<Record<string, string>>;
  /** Aborted when the plugin is asked to stop: pass it to long operations (fetch). */
  readonly signal: AbortSignal;
  /** Says something in a channel on the plugin's own initiative (timers, games). */
  say(source: Source, text: string, options?: { to?: string }): void;
  /**
   * Publishes one of the plugin's own events (`rosey.plugins.<name>.<event>`), for other
   * services to consume. `event` is a word like `round-started`.
   */
  publish(event: string, payload: unknown): void;
  /**
   * Listens on an extra subject the operator granted (asked for in `extras.subscribe`, granted
   * in `plugins.<name>.grants.subscribe`); `subject` may be a pattern inside a grant. Throws
   * `NotGrantedError` otherwise. Returns a function that stops listening; every
   * subscription ends when the plugin stops.
   */
  subscribe(subject: string, handler: GrantedMessageHandler): () => void;
}

/** Receives one message from a granted subject: its decoded JSON and its subject. */
export type GrantedMessageHandler = (data: unknown, subject: string) => void | Promise<void>;

/** Available in command handlers. */
export interface CommandContext extends PluginContext {
  /** The command as declared (aliases resolved): `roll`. */
  readonly command: string;
  /** Arguments, shell-style (quotes grouped). */
  readonly args: readonly string[];
  /** Everything after the command word, untouched. */
  readonly rawArgs: string;
  readonly user: User;
  readonly source: Source;
  /** True when the command came by private message (the reply then goes back privately). */
  readonly private: boolean;
  readonly messageId: string;
  /** Adds a line to the reply (sent when the handler returns). */
  reply(text: string): void;
  /**
   * Says a line in the channel the command came from (privately, for a private command). The
   * handler's lines reach the chat in the order the code produced them: a say made before any
   * reply line goes out at once; one made after a reply line (`ctx.reply`) joins the reply,
   * behind it, and goes out when the handler returns. Says to another place go out at once.
   */
  say(text: string): void;
  say(source: Source, text: string, options?: { to?: string }): void;
}

/** What a command handler may return: a line, lines, nothing, or lines sent privately. */
export type CommandReturn =
  | string
  | readonly string[]
  | void
  | undefined
  | { reply: readonly string[]; private?: boolean };

export type CommandHandler = (ctx: CommandContext) => CommandReturn | Promise<CommandReturn>;

/** A normalized event as a plugin receives it. */
export type PluginEvent = Envelope<unknown>;

export type EventHandler = (event: PluginEvent, ctx: PluginContext) => void | Promise<void>;
