// Shared building blocks, re-exported from their homes so that files do not import each other
// in a cycle.
export { SourceSchema } from "./envelope.ts";
export { UserSchema } from "./payloads.ts";
