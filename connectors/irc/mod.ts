/**
 * The IRC connector, with Twitch chat as a profile: IRC networks (irc-framework underneath)
 * bound to NATS as the platform `irc` (or `twitch`). The protocol layer has no bus in it:
 * line parsing, channel state and normalization ({@linkcode IrcNetworkState}), 512-byte line
 * splitting, pacing, ranks; {@linkcode IrcConnector} binds it to the bus.
 *
 * @module
 */
export * from "./config_schema.ts";
export * from "./irc_line.ts";
export * from "./ranks.ts";
export * from "./split.ts";
export * from "./outgoing.ts";
export * from "./pacing.ts";
export * from "./network_state.ts";
export * from "./actions.ts";
export * from "./irc_network.ts";
export * from "./connector.ts";
export * from "./role.ts";
export * from "./start.ts";
