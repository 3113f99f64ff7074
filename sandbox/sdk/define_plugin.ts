/**
 * `definePlugin`: the one thing a plugin file does. It checks the definition at once (so a typo
 * fails `deno task plugins check`, not the first chat command) and returns it marked as a
 * plugin, for the runner to serve.
 *
 * @example
 * ```ts
 * import { definePlugin } from "@quicksilver/sdk";
 * export default definePlugin({
 *   name: "hello",
 *   version: "1.0.0",
 *   commands: { hello: { help: "Says hello.", handler: (ctx) => `Hello, ${ctx.user.name}!` } },
 * });
 * ```
 */
import {
  EVENT_TYPES,
  type EventType,
  type PluginManifest,
  PluginManifestSchema,
} from "@quicksilver/core/client";
import * as z from "zod/mini";
import type { CommandHandler, EventHandler, PluginContext } from "./context.ts";
import { PluginDefinitionError } from "./errors.ts";

export interface CommandDefinition {
  /** Other words that call the same command. */
  aliases?: readonly string[];
  /** One line: `!roll <dice>`. */
  usage?: string;
  /** One or two sentences for `!help <command>`. */
  help?: string;
  /** Minimum rank (see `RANKS` in core) to call it. Default 0: everyone. */
  minRank?: number;
  /** Per-user cooldown in milliseconds. Default 0. */
  cooldownMs?: number;
  handler: CommandHandler;
}

/**
 * Extras a plugin asks the operator for. Nothing here is granted by asking: the operator grants
 * it in config (`plugins.<name>.grants`), and the plugin sees what it got in `ctx.granted`.
 */
export interface PluginExtras {
  /**
   * Outbound `host:port` it wants to reach, e.g. `api.open-meteo.com:443`; `"*"` asks for
   * whichever hosts the operator grants (for a plugin whose API base URL is configurable).
   */
  net?: readonly string[];
  /** Extra NATS subjects it wants to publish or subscribe to (never platform/security/admin). */
  publish?: readonly string[];
  subscribe?: readonly string[];
  /** More memory than the default, in MiB. */
  memoryMb?: number;
}

export interface PluginDefinition {
  /** Must equal the file name: `plugins/dice.ts` is `dice`. */
  name: string;
  version: string;
  description?: string;
  commands?: Readonly<Record<string, CommandDefinition>>;
  /** Normalized events it wants, with their handlers (`message`, `user.join`, ...). */
  events?: Partial<Readonly<Record<EventType, EventHandler>>>;
  extras?: PluginExtras;
  /** Runs once after connecting, before commands are served. */
  setup?: (ctx: PluginContext) => void | Promise<void>;
  /** Runs once when the plugin is asked to stop (a few seconds at most). */
  teardown?: (ctx: PluginContext) => void | Promise<void>;
}

const BRAND = Symbol.for("quicksilver.plugin");

/** A checked definition, as the runner receives it. */
export type Plugin = PluginDefinition & { readonly [BRAND]: true };

const HOST_PORT = /^[A-Za-z0-9.-]{1,253}:\d{1,5}$/;
/** In `extras.net`: "the hosts the operator grants", whatever they are. */
export const ANY_GRANTED_HOST = "*";

const subjectList = () =>
  z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(200))).check(z.maxLength(20)));

/** What a plugin may ask for in `extras` (zod/mini, as the wire schemas: docs/PERFORMANCE.md). */
const ExtrasSchema = z.strictObject({
  net: z.optional(
    z.array(z.union([
      z.literal(ANY_GRANTED_HOST),
      z.string().check(z.regex(HOST_PORT, "must be host:port, e.g. api.example.com:443")),
    ], { error: "must be host:port, e.g. api.example.com:443" })).check(z.maxLength(20)),
  ),
  publish: subjectList(),
  subscribe: subjectList(),
  memoryMb: z.optional(z.int().check(z.gte(48), z.lte(4096))),
});
/** What a plugin asks for in `extras`, checked. */
export type ExtrasRequest = z.infer<typeof ExtrasSchema>;

/** `where: commands.0.name: message`, naming the field the first issue is about. */
function describeIssue(where: string, prefix: string, error: z.core.$ZodError): string {
  const issue = error.issues[0];
  if (!issue) return `${where}: ${prefix || "definition"} is invalid`;
  const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
  const field = [prefix, ...issue.path.map(String), ...keys.slice(0, 1)].filter(Boolean).join(".");
  const message = keys.length > 0
    ? `unknown key; ${prefix || "it"} takes only ${Object.keys(ExtrasSchema.shape).join(", ")}`
    : issue.message;
  return `${where}: ${field || "definition"}: ${message}`;
}

/** Checks a definition and marks it as a plugin. Throws {@linkcode PluginDefinitionError}. */
export function definePlugin(definition: PluginDefinition): Plugin {
  describePlugin(definition as Plugin);
  return Object.freeze({ ...definition, [BRAND]: true as const });
}

/** True for what {@linkcode definePlugin} returned. */
export function isPlugin(value: unknown): value is Plugin {
  return typeof value === "object" && value !== null && (value as Plugin)[BRAND] === true;
}

/** What the manager needs to know about a plugin before launching it. */
export interface PluginDescription {
  manifest: PluginManifest;
  extras: ExtrasRequest;
}

const KNOWN_EVENTS = new Set<string>(Object.values(EVENT_TYPES));

/** The manifest and extras of a definition (the runner's `--describe` prints this). */
export function describePlugin(definition: PluginDefinition): PluginDescription {
  const where = `plugin ${JSON.stringify(definition?.name ?? "?")}`;
  if (typeof definition !== "object" || definition === null) {
    throw new PluginDefinitionError("definePlugin() needs an object: { name, version, commands }");
  }
  const commands = Object.entries(definition.commands ?? {}).map(([name, spec]) => {
    if (typeof spec?.handler !== "function") {
      throw new PluginDefinitionError(`${where}: commands.${name}.handler must be a function`);
    }
    return {
      name,
      aliases: [...(spec.aliases ?? [])],
      usage: spec.usage ?? `!${name}`,
      help: spec.help ?? "",
      minRank: spec.minRank ?? 0,
      cooldownMs: spec.cooldownMs ?? 0,
    };
  });
  const events = Object.keys(definition.events ?? {});
  for (const event of events) {
    if (!KNOWN_EVENTS.has(event)) {
      throw new PluginDefinitionError(
        `${where}: events.${event} is not a normalized event; use one of ${
          [...KNOWN_EVENTS].join(", ")
        }`,
      );
    }
    if (typeof definition.events?.[event as EventType] !== "function") {
      throw new PluginDefinitionError(`${where}: events.${event} must be a handler function`);
    }
  }
  const parsed = PluginManifestSchema.safeParse({
    name: definition.name,
    version: definition.version,
    description: definition.description ?? "",
    commands,
    events,
  });
  if (!parsed.success) {
    throw new PluginDefinitionError(
      describeIssue(where, "", parsed.error) +
        (parsed.error.issues[0]?.path[0] === "name"
          ? ` (use lowercase letters, digits, "_" or "-", e.g. "dice")`
          : ""),
    );
  }
  const words = new Set<string>();
  for (const command of parsed.data.commands) {
    for (const word of [command.name, ...command.aliases]) {
      if (words.has(word)) {
        throw new PluginDefinitionError(`${where}: the word "${word}" is used twice`);
      }
      words.add(word);
    }
  }
  const extras = ExtrasSchema.safeParse(definition.extras ?? {});
  if (!extras.success) {
    throw new PluginDefinitionError(describeIssue(where, "extras", extras.error));
  }
  for (const hook of ["setup", "teardown"] as const) {
    if (definition[hook] !== undefined && typeof definition[hook] !== "function") {
      throw new PluginDefinitionError(`${where}: ${hook} must be a function`);
    }
  }
  return { manifest: parsed.data, extras: extras.data };
}
