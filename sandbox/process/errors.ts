/**
 * Errors of the process-launch layer. Each names the plugin or path involved and what to do.
 *
 * @module
 */

/** The sandboxed process could not be started at all. */
export class SpawnError extends Error {
  override name = "SpawnError";
  readonly plugin: string;

  constructor(plugin: string, message: string, options?: ErrorOptions) {
    super(`plugin ${plugin}: ${message}`, options);
    this.plugin = plugin;
  }
}

/** A plugin's data directory holds symlinks, which Deno would follow out of the sandbox. */
export class SymlinkInDataDirError extends Error {
  override name = "SymlinkInDataDirError";
  readonly dir: string;
  readonly symlinks: readonly string[];

  constructor(dir: string, symlinks: readonly string[], options?: ErrorOptions) {
    const shown = symlinks.slice(0, 5).join(", ") + (symlinks.length > 5 ? ", …" : "");
    super(
      `${dir} contains ${symlinks.length} symlink(s) (${shown}); Deno follows symlinks inside ` +
        `an allowed directory, so the plugin could reach their targets. Remove them ` +
        `(removeSymlinks) or launch with symlinks: "remove"`,
      options,
    );
    this.dir = dir;
    this.symlinks = symlinks;
  }
}

/** A plugin's data directory could not be created or handed to its uid. */
export class DataDirError extends Error {
  override name = "DataDirError";
  readonly dir: string;

  constructor(dir: string, message: string, options?: ErrorOptions) {
    super(`${dir}: ${message}`, options);
    this.dir = dir;
  }
}

/** The uid range is malformed or has no free id left. */
export class UidPoolError extends Error {
  override name = "UidPoolError";

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
