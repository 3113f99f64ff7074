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
// The event model without zod (~9 MB per process): types, constants, JSON and the wire checks.
export type * from "./events/mod.ts";
export * from "./events/json.ts";
export * from "./events/errors.ts";
export * from "./events/constants.ts";
export * from "./events/wire_checks.ts";
export * from "./log/mod.ts";
export * from "./persist/mod.ts";
