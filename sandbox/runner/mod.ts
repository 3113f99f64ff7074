/**
 * The plugin runner: the code that runs inside a plugin's sandboxed process, between the
 * manager (stdin, heartbeats, control) and the plugin (its definition).
 *
 * @module
 */
export { runPlugin } from "./run_plugin.ts";
export { PluginHost } from "./plugin_host.ts";
export {
  type BotIdentity,
  ControlSchema,
  type Heartbeat,
  HeartbeatSchema,
  type LaunchConfig,
  type LaunchConfigInput,
  LaunchConfigSchema,
  type RunLaunchConfig,
  RUNNER_CONNECTED_MARKER,
  RUNNER_EXIT,
  RUNNER_MODES,
  TRIPWIRE_PREFIX,
} from "./launch_config.ts";
