/**
 * The IRC connectors' NATS identities: a connector like any other (`connectorRole`), one per
 * platform, `connector-irc` and `connector-twitch`.
 *
 * @module
 */
import { connectorRole, type ServiceRole } from "@quicksilver/core";
import { IRC_PLATFORM, TWITCH_PLATFORM } from "./platform.ts";

/** `connector-irc`, or `connector-twitch` for the Twitch profile. */
export function ircConnectorRole(
  platform: typeof IRC_PLATFORM | typeof TWITCH_PLATFORM = IRC_PLATFORM,
): ServiceRole {
  return connectorRole(platform);
}
