/**
 * The plugin manager inside `deno task dev`: the config's plugin section mapped onto
 * `PluginManager` options, and the one operation dev needs from it besides start/stop:
 * reloading a plugin whose file changed.
 */
import type { Authority, BusTlsFiles, EventBus, Logger, ScopedSigningKey } from "@quicksilver/core";
import type { QuicksilverConfig } from "../app/mod.ts";
import { PluginManager, type PluginSettingsInput } from "@quicksilver/sandbox";

/** What dev needs from the plugin manager. */
export interface PluginHost {
  readonly manager: PluginManager;
  /** Restarts one plugin (its file changed), or re-reads the folder for a new file. */
  reload(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface PluginHostOptions {
  config: QuicksilverConfig;
  /** The NATS servers (IP literals `host:port`): the host's connection and its plugins' dials. */
  servers: string | readonly string[];
  /** TLS to those servers (`deno task start` with `nats.tls`). */
  tls?: BusTlsFiles;
  /** The account key; or, on a host without it, `pluginSigningKey` and `bus`. */
  authority?: Authority;
  /** The `plugin` scoped signing key (`deno task auth plugin-host-key`). */
  pluginSigningKey?: ScopedSigningKey;
  /** The plugin host's own connection (`nats.credentials.plugins`), with `pluginSigningKey`. */
  bus?: EventBus;
  /** The state dir (`.rosey`): plugin data goes in `plugins/` under it. */
  stateDir: string;
  /** nats-server's log: its permission-violation lines are reported per plugin. */
  serverLogFile?: string;
  /** nats-server's monitoring URL: maps a violation's connection id to the plugin's user. */
  monitorUrl?: string;
  logger: Logger;
}

/** Starts the manager; resolves once the plugins started at boot are running (or gave up). */
export async function startPluginHost(options: PluginHostOptions): Promise<PluginHost> {
  const { config } = options;
  const plugins: Record<string, PluginSettingsInput> = {};
  for (const [name, settings] of Object.entries(config.plugins.settings)) plugins[name] = settings;
  for (const name of config.plugins.disabled) plugins[name] = { ...plugins[name], enabled: false };
  const manager = new PluginManager({
    ...(options.authority ? { authority: options.authority } : {}),
    ...(options.pluginSigningKey ? { pluginSigningKey: options.pluginSigningKey } : {}),
    ...(options.bus ? { bus: options.bus } : {}),
    servers: options.servers,
    ...(options.tls ? { tls: options.tls } : {}),
    pluginsDir: config.plugins.dir,
    dataDir: `${options.stateDir}/plugins`,
    ...(config.plugins.hostId ? { hostId: config.plugins.hostId } : {}),
    // `deno task plugins install` puts plugins here (sandbox/manager/installed_files.ts).
    installedDir: `${options.stateDir}/installed`,
    plugins,
    autoStart: config.plugins.enabled ?? true,
    bot: { name: config.bot.name, commandPrefix: config.bot.commandPrefix },
    outputLimits: {
      linesPerSecond: config.logging.pluginLinesPerSecond,
      burstLines: config.logging.pluginLinesPerSecond * 10,
      bytesPerSecond: config.logging.pluginBytesPerSecond,
      burstBytes: config.logging.pluginBytesPerSecond * 4,
    },
    ...(options.serverLogFile ? { serverLogFile: options.serverLogFile } : {}),
    ...(options.monitorUrl ? { monitorUrl: options.monitorUrl } : {}),
    logger: options.logger,
  });
  await manager.start();
  return {
    manager,
    reload: async (name) => {
      const known = manager.list().some((status) => status.name === name);
      if (known) {
        const exists = await Deno.stat(`${config.plugins.dir}/${name}.ts`).then(
          () => true,
          () => false,
        );
        if (exists) {
          await manager.restartPlugin(name);
          return;
        }
      }
      // A new or deleted file: re-read the folder without restarting the others.
      await manager.reload({ startNew: true });
    },
    stop: () => manager.stop(),
  };
}
