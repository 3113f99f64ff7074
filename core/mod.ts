/**
 * Quicksilver's core: the event bus, the subject tree, the event model, NATS credentials and
 * logging, the command router and the configuration. Connectors, the sandbox and services
 * import from here; core imports none of them.
 */
export * from "./bus/mod.ts";
export * from "./subjects/mod.ts";
export * from "./events/mod.ts";
export * from "./auth/mod.ts";
export * from "./log/mod.ts";
export * from "./config/mod.ts";
export * from "./monitoring/mod.ts";
export * from "./persist/mod.ts";
