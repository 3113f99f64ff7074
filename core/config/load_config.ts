/**
 * Loading `rosey.yaml`: read, parse YAML, substitute `${ENV}`, validate, and hand back a typed
 * {@linkcode QuicksilverConfig}. Without a file the embedded defaults apply: the shell
 * connector and every plugin in `plugins/`, which is what a fresh clone needs.
 */
import { parseDocument } from "yaml";
import type { z } from "zod";
import { ConfigError } from "./errors.ts";
import { type EnvLookup, processEnv, substituteEnv } from "./env_substitution.ts";
import { type PluginSettings, RoseyFileSchema } from "./config_schema.ts";
import { describeIssue } from "./_issues.ts";

/** The default file name, looked up in the base dir when no path is given. */
export const CONFIG_FILE_NAME = "rosey.yaml";

type FileShape = z.infer<typeof RoseyFileSchema>;

/** The validated configuration, defaults filled in, paths resolved. */
export interface QuicksilverConfig {
  /** The file it was read from; `undefined` when the embedded defaults are used. */
  file: string | undefined;
  bot: FileShape["bot"];
  nats: FileShape["nats"];
  connectors: FileShape["connectors"];
  router: FileShape["router"];
  plugins: {
    /** Absolute path of the plugins folder. */
    dir: string;
    /** Only these run; `undefined` means every plugin in `dir`. */
    enabled: string[] | undefined;
    disabled: string[];
    /** Trusted publisher keys (`plugins.trust`). */
    trust: string[];
    /** Plugin indexes (`plugins.indexes`): URLs, or absolute paths of local files. */
    indexes: string[];
    /** Per-plugin grants, limits and settings, by plugin name (only those configured). */
    settings: Record<string, PluginSettings>;
  };
  logging: FileShape["logging"];
  monitoring: FileShape["monitoring"];
  services: FileShape["services"];
}

export interface LoadConfigOptions {
  /** Where to look for `rosey.yaml` and resolve relative paths when no file is given. Default cwd. */
  baseDir?: string;
  /** Environment lookup for `${NAME}`; default the process environment. */
  env?: EnvLookup;
}

/**
 * Loads the configuration. With `path`, that file must exist; without it, `rosey.yaml` in the
 * base dir is used if present, else the defaults. Throws {@linkcode ConfigError} naming the
 * file, the key and a fix.
 *
 * @example
 * ```ts
 * import { loadConfig } from "./load_config.ts";
 * const config = await loadConfig(undefined, { baseDir: "/nonexistent" });
 * console.assert(config.connectors.shell.enabled && config.file === undefined);
 * ```
 */
export async function loadConfig(
  path?: string,
  options: LoadConfigOptions = {},
): Promise<QuicksilverConfig> {
  const baseDir = options.baseDir ?? Deno.cwd();
  const file = path ?? `${baseDir}/${CONFIG_FILE_NAME}`;
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      if (path === undefined) return parseConfig("", { ...options, baseDir, file: undefined });
      throw new ConfigError(
        path,
        "",
        `file not found; copy rosey.example.yaml to ${path} and edit it, or leave out --config ` +
          `to run with the defaults`,
        { cause: error },
      );
    }
    throw new ConfigError(file, "", `cannot be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseConfig(text, { ...options, baseDir: dirOf(file), file });
}

/** Parses and validates config text (what {@linkcode loadConfig} does after reading). */
export function parseConfig(
  text: string,
  options: LoadConfigOptions & { file: string | undefined },
): QuicksilverConfig {
  const label = options.file === undefined ? "(defaults)" : displayPath(options.file);
  const document = parseDocument(text, { prettyErrors: true });
  const yamlError = document.errors[0];
  if (yamlError) {
    const at = yamlError.linePos?.[0];
    const where = at ? `line ${at.line}, column ${at.col}` : "";
    throw new ConfigError(
      label,
      where,
      `not valid YAML (${
        yamlError.message.split("\n")[0]?.replace(/ at line \d+, column \d+:?$/, "")
      }); check the indentation and quotes ` +
        `there (indent with spaces, quote values that contain ": " or start with "!")`,
    );
  }
  const raw: unknown = document.toJS() ?? {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new ConfigError(
      label,
      "",
      "must be a mapping of sections (bot, nats, connectors, router, plugins, logging, monitoring); " +
        "see rosey.example.yaml",
    );
  }
  const substituted = substituteEnv(raw, options.env ?? processEnv, label);
  const result = RoseyFileSchema.safeParse(substituted, { reportInput: true });
  if (!result.success) {
    const [first, ...rest] = result.error.issues;
    const described = describeIssue(first!);
    const more = rest.length > 0
      ? ` (and ${rest.length} more problem${rest.length > 1 ? "s" : ""})`
      : "";
    throw new ConfigError(label, described.key, described.problem + more);
  }
  const parsed = result.data;
  const { dir, enabled, disabled, trust, indexes, ...perPlugin } = parsed.plugins;
  const baseDir = options.baseDir ?? Deno.cwd();
  return {
    file: options.file,
    bot: parsed.bot,
    nats: parsed.nats,
    connectors: parsed.connectors,
    router: parsed.router,
    plugins: {
      dir: dir.startsWith("/") ? dir : `${baseDir}/${dir}`,
      enabled,
      disabled,
      trust,
      indexes: indexes.map((index) =>
        /^[a-z]+:\/\//.test(index) || index.startsWith("/") ? index : `${baseDir}/${index}`
      ),
      settings: perPlugin as Record<string, PluginSettings>,
    },
    logging: parsed.logging,
    monitoring: parsed.monitoring,
    services: parsed.services,
  };
}

/** Whether the configuration runs `plugin` (a file name without `.ts`). */
export function isPluginEnabled(config: QuicksilverConfig, plugin: string): boolean {
  if (config.plugins.disabled.includes(plugin)) return false;
  if (config.plugins.settings[plugin]?.enabled === false) return false;
  return config.plugins.enabled === undefined || config.plugins.enabled.includes(plugin);
}

function dirOf(file: string): string {
  const slash = file.lastIndexOf("/");
  if (slash < 0) return Deno.cwd();
  return slash === 0 ? "/" : file.slice(0, slash);
}

/** The file as a person would say it: relative to the working dir when it is inside it. */
function displayPath(file: string): string {
  let cwd = "";
  try {
    cwd = Deno.cwd();
  } catch {
    return file;
  }
  return file.startsWith(`${cwd}/`) ? file.slice(cwd.length + 1) : file;
}
