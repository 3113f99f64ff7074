export * from "./event_bus.ts";
export * from "./durable_streams.ts";
export type { StreamReaderSpec } from "./stream_reader.ts";
export * from "./errors.ts";
export * from "./counters.ts";
export * from "./core_streams.ts";
export type * from "./connection.ts";
export * from "./event_outbox.ts";
export * from "./service_state.ts";
