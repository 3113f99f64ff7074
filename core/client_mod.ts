/**
 * The slim face of the core for NATS clients that are not core services (the plugin SDK and
 * runner): the bus, subjects, event model and logger, without config (yaml),
 * credentials (jwt/nkeys) or metrics endpoint. Every sandboxed plugin loads this graph, so
 * keeping it small is plugin cold start and memory (see docs/PERFORMANCE.md).
 */
// The bus on nats.js (transport-node); JetStream is loaded only on a bus's first durable use,
// which a plugin never makes.
export * from "./bus/event_bus.ts";
export * from "./bus/errors.ts";
export * from "./bus/counters.ts";
export type * from "./bus/connection.ts";
export * from "./subjects/mod.ts";
// The event model: the wire schemas a plugin handles are written with zod/mini, which costs a
// plugin process less than classic zod (docs/PERFORMANCE.md); the core uses the same schemas.
// Channel state and stats (classic zod, never used by a plugin) come as types only.
export type * from "./events/mod.ts";
export * from "./events/envelope.ts";
export * from "./events/payloads.ts";
export * from "./events/commands.ts";
export * from "./events/manifest.ts";
export * from "./events/codec.ts";
export * from "./events/json.ts";
export * from "./events/errors.ts";
export * from "./events/constants.ts";
export * from "./log/mod.ts";
export * from "./persist/mod.ts";
