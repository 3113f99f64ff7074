/**
 * The slim face of the core for NATS clients that are not core services (the plugin SDK and
 * runner): the bus, subjects, event model and logger, without the router, config (yaml),
 * credentials (jwt/nkeys) or monitoring server. Every sandboxed plugin loads this graph, so
 * keeping it small is plugin cold start and memory (see docs/PERFORMANCE.md).
 */
export * from "./bus/mod.ts";
export * from "./subjects/mod.ts";
export * from "./events/mod.ts";
export * from "./log/mod.ts";
export * from "./persist/mod.ts";
