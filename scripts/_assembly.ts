/**
 * What `deno task dev` (everything in one process) and `deno task start` (chosen components,
 * each its own process) share: how a component of app/components.ts is started on its bus from
 * the loaded config, and the console connector's options.
 */
import {
  type Component,
  type EventBus,
  type Logger,
  type RunningComponent,
  type ServiceRole,
  streamAdminRole,
} from "@quicksilver/core";
import { COMPONENTS, type QuicksilverConfig, sectionOf } from "../app/mod.ts";
import { type ShellConnectorOptions, shellConnectorRole } from "../connectors/shell/mod.ts";
import { pluginHostRole } from "@quicksilver/sandbox";

/** A component's name on the command line and in `nats.credentials` (`Component.key`). */
export function componentKey(component: Component): string {
  return component.key ?? component.configPath[component.configPath.length - 1]!;
}

/**
 * Every identity a `.creds` file can be made for (`deno task auth creds <name>`) and that
 * `nats.credentials.<name>` names, by name: each component's role, the console (`shell`) and
 * the stream admin (`streams`), and the plugin host's own user (`plugins`, for a host that mints
 * its plugins' users with the plugin signing key: `deno task auth plugin-host-key`).
 */
export function credentialRoles(): Map<string, () => ServiceRole> {
  const roles = new Map<string, () => ServiceRole>(
    COMPONENTS.map((component) => [componentKey(component), () => component.role()]),
  );
  roles.set("shell", shellConnectorRole);
  roles.set("streams", streamAdminRole);
  roles.set("plugins", pluginHostRole);
  return roles;
}

/** Starts one component on a bus connected as its role, with its section of `config`. */
export function startComponent(
  component: Component,
  bus: EventBus,
  config: QuicksilverConfig,
  dirs: { logs: string; state: string },
  logger: Logger,
): Promise<RunningComponent> {
  return component.start(bus, {
    section: sectionOf(config, component),
    bot: config.bot,
    delivery: config.nats.delivery,
    healthIntervalMs: config.monitoring.healthIntervalMs,
    dirs,
    logger,
  });
}

/** The console connector's options from the config (`connectors.shell`, `bot`, `router`). */
export function shellOptions(
  config: QuicksilverConfig,
  io: { input: ReadableStream<Uint8Array>; output: WritableStream<Uint8Array>; banner: boolean },
  logger: Logger,
): ShellConnectorOptions {
  return {
    ...io,
    user: config.connectors.shell.user,
    rank: config.connectors.shell.rank,
    channel: config.connectors.shell.channel,
    commandPrefix: config.bot.commandPrefix,
    botName: config.bot.name,
    replyTimeoutMs: config.router.timeoutMs + 1000,
    delivery: config.nats.delivery,
    logger,
  };
}
