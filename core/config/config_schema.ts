/**
 * The sections of `rosey.yaml` that belong to no one component: the bot's identity, where NATS
 * is, and logging. Every other section is owned by the service, connector or sandbox part that
 * reads it (its schema lives in its folder) and is assembled by the composition root (`app/`).
 * Strict objects, so a typo (`chanel:`) is an error instead of a silently ignored key. Messages
 * are written for the person editing the file: what is wrong and an example of what is right.
 */
import { z } from "zod";
import { DELIVERY_MODES } from "../bus/delivery.ts";

const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

const show = (value: unknown): string => JSON.stringify(value);

export const BotSectionSchema = z.strictObject({
  /** The bot's name: its own messages are never commands. */
  name: z.string().min(1).max(100).default("rosey"),
  commandPrefix: z.string().min(1).max(5).regex(/^\S+$/, {
    error: (issue) => `${show(issue.input)} has spaces; write a prefix like "!" or "?"`,
  }).default("!"),
});
export type BotSection = z.infer<typeof BotSectionSchema>;

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
  /**
   * `deno task start`: the servers a component connects to (any one will do; clients learn the
   * rest of a cluster from it). Default: `url`. `host:port` or `nats://` / `tls://` URLs.
   */
  servers: z.array(
    z.string().regex(/^((nats|tls):\/\/)?[A-Za-z0-9.-]+:\d{1,5}$/, {
      error: (issue) =>
        `${show(issue.input)} is not a server address; write e.g. "127.0.0.1:4222" or ` +
        `"tls://nats1.example.org:4222"`,
    }),
  ).min(1).optional(),
  /**
   * `deno task start`: TLS to the servers, PEM file paths. `ca` verifies the servers; `cert` and
   * `key` (together) are the client's certificate for servers that verify clients.
   */
  tls: z.strictObject({
    ca: z.string().min(1),
    cert: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
  }).refine((tls) => (tls.cert === undefined) === (tls.key === undefined), {
    error: "cert and key go together; give both (or neither)",
  }).optional(),
  /**
   * `deno task start`: each component's `.creds` file (user JWT + seed), by component name
   * (`chatlog: /etc/rosey/chatlog.creds`). A component without one uses
   * `ROSEY_NATS_CREDS_<NAME>`, else is minted from the local `.rosey/auth` if this machine
   * holds it.
   */
  /**
   * How chat events reach the command dispatcher and actions reach connectors. `live` (default):
   * core NATS, the fastest path, for one machine. `durable`: through JetStream (`ROSEY_EVENTS`
   * with one shared dispatchers' consumer, `ROSEY_ACTIONS` with a consumer per connector
   * channel), so any number of dispatchers can run and one that dies hands its unanswered
   * commands to another
   * (docs/SCALING.md).
   */
  delivery: z.enum(DELIVERY_MODES, {
    error: (issue) =>
      `${show(issue.input)} is not a delivery mode; write "live" (one machine) or "durable" ` +
      `(several command dispatchers, docs/SCALING.md)`,
  }).default("live"),
  credentials: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), z.string().min(1)).default({}),
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

/**
 * The `enabled: true|false` switch of a service that can be turned off; on by default, so a
 * missing section runs it.
 */
export function serviceSwitchSchema() {
  return z.strictObject({
    /** Off: the service does not run (a durable consumer keeps its place for later). */
    enabled: z.boolean().default(true),
  }).prefault({});
}

/** Fixes for base keys whose generic message would not say what to write. */
export const BASE_CONFIG_FIXES: Readonly<Record<string, string>> = {
  "bot.name": 'write the bot\'s chat name, e.g. name: "rosey"',
};
