/**
 * `rosey.yaml`, assembled: the base sections (`bot`, `nats`, `logging`), the sandbox's
 * `plugins`, the console's `connectors.shell`, and each component's own section at its
 * `configPath`. Nothing here knows what is inside a component's section.
 */
import { z } from "zod";
import {
  BASE_CONFIG_FIXES,
  BotSectionSchema,
  type Component,
  loadConfigFile,
  type LoadConfigOptions,
  LoggingSectionSchema,
  NatsSectionSchema,
  parseConfigText,
} from "@quicksilver/core";
import { type PluginSettings, PluginsSectionSchema } from "@quicksilver/sandbox";
import { SHELL_CONFIG_FIXES, ShellConnectorSchema } from "../connectors/shell/mod.ts";
import * as registered from "./components.ts";

/** Every registered component, services first (see `Component.kind`). */
export const COMPONENTS: readonly Component[] = Object.values(registered)
  .sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "service" ? -1 : 1)) as Component[];

type Registered = (typeof registered)[keyof typeof registered];
type Nest<P, S> = P extends readonly [infer A extends string] ? { [K in A]: S }
  : P extends readonly [infer A extends string, infer B extends string]
    ? { [K in A]: { [L in B]: S } }
  : never;
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends
  (x: infer I) => void ? I : never;
/** `{router: RouterSection} & {services: {chatlog: ...}} & ...`, from the registered list. */
type ComponentSections = UnionToIntersection<NestedSection<Registered>>;
/** Distributes over the union of registered components (a naked type parameter). */
type NestedSection<C> = C extends Component<infer S, infer P> ? Nest<P, S> : never;

/** A section owned outside the component list: the console the dev task runs itself. */
const SHELL = {
  configPath: ["connectors", "shell"],
  section: ShellConnectorSchema,
  fixes: SHELL_CONFIG_FIXES,
} as const;

const OWNED: readonly Pick<Component, "configPath" | "section" | "fixes">[] = [
  SHELL,
  ...COMPONENTS,
];

function assemble(): z.ZodType {
  const top: Record<string, z.ZodType> = {
    bot: BotSectionSchema.default(BotSectionSchema.parse({})),
    nats: NatsSectionSchema.default(NatsSectionSchema.parse({})),
    logging: LoggingSectionSchema.default(LoggingSectionSchema.parse({})),
    plugins: PluginsSectionSchema,
  };
  const groups: Record<string, Record<string, z.ZodType>> = {};
  for (const { configPath, section } of OWNED) {
    const [first, second] = configPath;
    if (second === undefined) top[first] = section;
    else (groups[first] ??= {})[second] = section;
  }
  for (const [name, members] of Object.entries(groups)) {
    top[name] = z.strictObject(members).prefault({});
  }
  return z.strictObject(top);
}

/** The schema of the whole file. */
export const RoseyFileSchema = assemble();

const FIXES: Record<string, string> = { ...BASE_CONFIG_FIXES };
for (const { configPath, fixes } of OWNED) {
  for (const [key, fix] of Object.entries(fixes ?? {})) {
    FIXES[`${configPath.join(".")}.${key}`] = fix;
  }
}

const SPEC = {
  schema: RoseyFileSchema,
  fixes: FIXES,
  sections: Object.keys((RoseyFileSchema as z.ZodObject)._zod.def.shape),
};

/** The validated configuration, defaults filled in, paths resolved. */
export type QuicksilverConfig = {
  /** The file it was read from; `undefined` when the embedded defaults are used. */
  file: string | undefined;
  bot: z.infer<typeof BotSectionSchema>;
  nats: z.infer<typeof NatsSectionSchema>;
  logging: z.infer<typeof LoggingSectionSchema>;
  connectors: { shell: z.infer<typeof ShellConnectorSchema> };
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
    /** This plugin host's name among several (`plugins.hostId`); default `<hostname>:<home>`. */
    hostId: string | undefined;
    /** Per-plugin grants, limits and settings, by plugin name (only those configured). */
    settings: Record<string, Omit<PluginSettings, "resourceLimits">>;
  };
} & ComponentSections;

/**
 * Loads `rosey.yaml`. With `path`, that file must exist; without it, `rosey.yaml` in the base
 * dir is used if present, else the defaults: the shell connector and every plugin in
 * `plugins/`, which is what a fresh clone needs. Throws `ConfigError` naming the file, the key
 * and a fix.
 *
 * @example
 * ```ts
 * import { loadConfig } from "./config.ts";
 * const config = await loadConfig(undefined, { baseDir: "/nonexistent" });
 * console.assert(config.connectors.shell.enabled && config.file === undefined);
 * ```
 */
export async function loadConfig(
  path?: string,
  options: LoadConfigOptions = {},
): Promise<QuicksilverConfig> {
  return resolve(await loadConfigFile(SPEC, path, options));
}

/** Parses and validates config text (what {@linkcode loadConfig} does after reading). */
export function parseConfig(
  text: string,
  options: LoadConfigOptions & { file: string | undefined },
): QuicksilverConfig {
  return resolve(parseConfigText(SPEC, text, options));
}

/** A component's own section of a loaded configuration. */
export function sectionOf<S>(config: QuicksilverConfig, component: Component<S>): S {
  let value: unknown = config;
  for (const key of component.configPath) value = (value as Record<string, unknown>)[key];
  return value as S;
}

/** Whether the configuration runs `plugin` (a file name without `.ts`). */
export function isPluginEnabled(config: QuicksilverConfig, plugin: string): boolean {
  if (config.plugins.disabled.includes(plugin)) return false;
  if (config.plugins.settings[plugin]?.enabled === false) return false;
  return config.plugins.enabled === undefined || config.plugins.enabled.includes(plugin);
}

function resolve(
  loaded: { file: string | undefined; baseDir: string; value: unknown },
): QuicksilverConfig {
  const parsed = loaded.value as Record<string, unknown> & {
    plugins: z.infer<typeof PluginsSectionSchema>;
  };
  const { dir, enabled, disabled, trust, indexes, hostId, ...perPlugin } = parsed.plugins;
  return {
    ...parsed,
    file: loaded.file,
    plugins: {
      dir: dir.startsWith("/") ? dir : `${loaded.baseDir}/${dir}`,
      enabled,
      disabled,
      hostId,
      trust,
      indexes: indexes.map((index) =>
        /^[a-z]+:\/\//.test(index) || index.startsWith("/") ? index : `${loaded.baseDir}/${index}`
      ),
      settings: perPlugin as QuicksilverConfig["plugins"]["settings"],
    },
  } as QuicksilverConfig;
}
