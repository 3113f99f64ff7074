/** Errors of the plugin manager. Each names the plugin and says what to do. */

/** The plugin will not be launched: its module graph, data dir or definition is not acceptable. */
export class PluginRefusedError extends Error {
  override name = "PluginRefusedError";
  readonly plugin: string;
  /** Short machine word for the violation report: `module-graph`, `symlink`, `definition`, ... */
  readonly kind: string;
  constructor(plugin: string, kind: string, message: string, options?: { cause?: unknown }) {
    super(`plugin ${plugin}: ${message}`, options);
    this.plugin = plugin;
    this.kind = kind;
  }
}

/** The manager was asked for something it cannot do (unknown plugin, bad settings). */
export class PluginManagerError extends Error {
  override name = "PluginManagerError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
