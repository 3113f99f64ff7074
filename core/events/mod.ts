export * from "./envelope.ts";
export * from "./payloads.ts";
export * from "./commands.ts";
export * from "./codec.ts";
export * from "./errors.ts";
export * from "./manifest.ts";
export * from "./channel.ts";
export * from "./stats.ts";
