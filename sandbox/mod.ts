/**
 * The plugin sandbox: the manager that runs plugins, the credentials they get, the runner they
 * run in, and the OS-level limits and launch layer. Plugin authors import `@quicksilver/sdk`,
 * not this.
 *
 * @module
 */
export * from "./manager/mod.ts";
export * from "./credentials/mod.ts";
export {
  type Heartbeat,
  HeartbeatSchema,
  type LaunchConfig,
  LaunchConfigSchema,
  RUNNER_EXIT,
} from "./runner/mod.ts";
export * from "./install/mod.ts";
