/**
 * What a service or connector hands the composition root: its `rosey.yaml` section (schema
 * and defaults), its NATS role, and how to start it on a bus connected as that role. The root
 * (`app/`) only lists components; it never reads a component's section itself, so adding a
 * service is its own folder plus one line in `app/components.ts`.
 */
import type { z } from "zod";
import type { EventBus } from "../bus/mod.ts";
import type { ServiceRole } from "../auth/mod.ts";
import type { Logger } from "../log/mod.ts";
import type { BotSection } from "./config_schema.ts";
import type { Delivery } from "../bus/delivery.ts";

/** Where a component's section sits in `rosey.yaml`: `["services", "<name>"]`, `["<section>"]`. */
export type ConfigPath = readonly [string] | readonly [string, string];

/** What every component is given at start beside its bus. */
export interface ComponentContext<Section> {
  /** Its own section, validated, defaults filled in. */
  section: Section;
  /** The bot's name and command prefix (`bot:`), shared by everything that reads chat. */
  bot: BotSection;
  /** `nats.delivery`: core NATS (`live`) or JetStream (`durable`) for commands and actions. */
  delivery: Delivery;
  /** How often to publish health and metrics (`monitoring.healthIntervalMs`), ms. */
  healthIntervalMs: number;
  /** Absolute directories: `logs` (`logging.dir`) and `state` (`.rosey`, the runtime state). */
  dirs: { logs: string; state: string };
  logger: Logger;
}

/** A started component. */
export interface RunningComponent {
  /** Stops it; the root drains its bus afterwards. */
  close(): Promise<void>;
  /** One line for the operator at start (`metrics http://127.0.0.1:9464/metrics`), if any. */
  notice?: string;
}

/** A service or connector as the composition root sees it. */
export interface Component<Section = unknown, Path extends ConfigPath = ConfigPath> {
  /** For logs and the shutdown order, e.g. `chat log`. */
  name: string;
  /**
   * Services start first, connectors last: a connector's events must find their core
   * subscribers (the command handling service) already listening. Stopped in reverse.
   */
  kind: "service" | "connector";
  /**
   * Its name on `deno task start`'s command line and in `nats.credentials`; default the last
   * key of `configPath`. Set when that would be ambiguous (IRC and Twitch share a section).
   */
  key?: string;
  /**
   * `deno task dev` runs it in a Web Worker (its own isolate and event loop on another thread)
   * instead of on the core's event loop. For components whose work would delay commands: the
   * chat log and stats read the event stream in batches that block their loop for milliseconds
   * (docs/PERFORMANCE.md, "The chat log and stats off the core's thread").
   */
  offThread?: boolean;
  configPath: Path;
  /** Its section's schema; every key has a default, so a missing section is valid. */
  section: z.ZodType<Section>;
  /** Fixes appended to errors about its keys, by key path inside its section (`user.name`). */
  fixes?: Readonly<Record<string, string>>;
  /** Its NATS user: name and permissions. */
  role(): ServiceRole;
  /** Whether it runs with this section (a service's `enabled: false`, a connector's channel). */
  enabled(section: Section): boolean;
  start(bus: EventBus, context: ComponentContext<Section>): Promise<RunningComponent>;
}

/**
 * Declares a component; `configPath` keeps its literal type so that the root's config type
 * has the section at that key.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { connectorRole, defineComponent } from "@quicksilver/core";
 * const echo = defineComponent({
 *   name: "echo",
 *   kind: "service",
 *   configPath: ["services", "echo"],
 *   section: z.strictObject({ enabled: z.boolean().default(true) }).prefault({}),
 *   role: () => connectorRole("echo"),
 *   enabled: (section) => section.enabled,
 *   start: () => Promise.resolve({ close: () => Promise.resolve() }),
 * });
 * console.assert(echo.configPath[1] === "echo");
 * ```
 */
export function defineComponent<Section, const Path extends ConfigPath>(
  component: Component<Section, Path>,
): Component<Section, Path> {
  return component;
}
