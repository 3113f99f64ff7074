/**
 * What the manager hands a plugin process on stdin: one JSON document, then stdin closes.
 * Credentials travel only this way (never argv, env or disk: argv and env are visible in
 * /proc to other processes of the same uid, files outlive the launch).
 */
import { z } from "zod";

export const RUNNER_MODES = { run: "run", describe: "describe" } as const;

const Granted = z.object({
  net: z.array(z.string()).default([]),
  publish: z.array(z.string()).default([]),
  subscribe: z.array(z.string()).default([]),
});

export const LaunchConfigSchema = z.discriminatedUnion("mode", [
  z.object({
    mode: z.literal(RUNNER_MODES.describe),
  }),
  z.object({
    mode: z.literal(RUNNER_MODES.run),
    name: z.string().min(1).max(32),
    /** IP-literal `host:port` (NOTES-SANDBOX §1: a hostname would need DNS permission). */
    servers: z.string().min(1),
    creds: z.string().min(1),
    dataDir: z.string().min(1),
    config: z.record(z.string(), z.unknown()).default({}),
    granted: Granted.default({ net: [], publish: [], subscribe: [] }),
    heartbeatMs: z.number().int().min(50).max(60_000).default(2000),
    /** A command handler that takes longer is answered with a `timeout` error. */
    commandTimeoutMs: z.number().int().min(10).max(300_000).default(10_000),
    /** How long setup and teardown may take. */
    hookTimeoutMs: z.number().int().min(10).max(300_000).default(10_000),
    logLevel: z.enum(["debug", "info", "warn", "error"]).default("info"),
  }),
]);
export type LaunchConfig = z.infer<typeof LaunchConfigSchema>;
export type RunLaunchConfig = Extract<LaunchConfig, { mode: "run" }>;
export type LaunchConfigInput = z.input<typeof LaunchConfigSchema>;

/** A plugin's heartbeat (`rosey.plugins.<name>.heartbeat`); the first one means "ready". */
export const HeartbeatSchema = z.object({
  name: z.string(),
  seq: z.number().int().nonnegative(),
  time: z.number(),
  /** Commands answered and failed since start. */
  handled: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
});
export type Heartbeat = z.infer<typeof HeartbeatSchema>;

/** The manager's graceful stop request on `rosey.plugins.<name>.control`. */
export const ControlSchema = z.object({ op: z.enum(["stop"]) });

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
