/**
 * The CyTube connector. The protocol layer has no bus in it: server discovery, frame schemas,
 * HTML decoding, message splitting, flood-safe pacing, channel state and the client
 * ({@linkcode CytubeClient}). {@linkcode CytubeConnector} binds that client to NATS: raw and
 * normalized events out (normalized ones through JetStream), actions and state queries in.
 *
 * @example
 * ```ts ignore
 * import { CytubeClient } from "./mod.ts";
 * const client = new CytubeClient({
 *   baseUrl: "https://cytu.be",
 *   channel: "my_channel",
 *   user: { name: "rosey", password: "secret" },
 * });
 * client.on("chat", (message) => console.log(message.username, message.text));
 * await client.connect();
 * ```
 *
 * @module
 */

export * from "./errors.ts";
export * from "./socket_config.ts";
export * from "./protocol.ts";
export * from "./html.ts";
export * from "./split.ts";
export * from "./pacing_queue.ts";
export * from "./flood_policy.ts";
export * from "./channel_state.ts";
export * from "./client_events.ts";
export * from "./client.ts";
export * from "./kick_reasons.ts";
export type { ActionOutcome, OutcomeMatcher } from "./_outcomes.ts";
export { backoffDelay, type BackoffOptions, DEFAULT_BACKOFF } from "./_backoff.ts";
export * from "./normalize.ts";
export * from "./chat_cursor.ts";
export * from "./actions.ts";
export * from "./state_service.ts";
export * from "./connector.ts";
export * from "./role.ts";
export * from "./config_schema.ts";
