/**
 * The event model: every shape that crosses the bus, defined once as a zod 4 schema with its type.
 * What a plugin process handles (envelope, payloads, commands, manifest) is written with
 * `zod/mini`, which costs a plugin process less than classic zod (docs/PERFORMANCE.md); channel
 * state and stats, used only by services, with classic zod. Both are zod 4 and compose.
 *
 * @module
 */
export * from "./envelope.ts";
export * from "./payloads.ts";
export * from "./commands.ts";
export * from "./codec.ts";
export * from "./json.ts";
export * from "./constants.ts";
export * from "./errors.ts";
export * from "./manifest.ts";
export * from "./plugin_hosts.ts";
export * from "./channel.ts";
export * from "./stats.ts";
export * from "./command_line.ts";
