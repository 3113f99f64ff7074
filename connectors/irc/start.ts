/**
 * From `connectors.irc` to running connectors: plain IRC networks on one `irc` connector,
 * Twitch ones on one `twitch` connector, each with its own NATS identity.
 *
 * @module
 */
import type { EventBus, Logger, ServiceRole } from "@quicksilver/core";
import type { IrcConnectorConfig } from "./config_schema.ts";
import { IRC_PLATFORM, IrcConnector, TWITCH_PLATFORM } from "./connector.ts";
import { ircConnectorRole } from "./role.ts";

/** Starts a connector per platform that has networks; joining goes on in the background. */
export async function startIrcConnectors(
  config: IrcConnectorConfig,
  options: {
    connectAs: (role: ServiceRole) => Promise<EventBus>;
    logger?: Logger;
    healthIntervalMs?: number;
  },
): Promise<IrcConnector[]> {
  const started: IrcConnector[] = [];
  for (const platform of [IRC_PLATFORM, TWITCH_PLATFORM] as const) {
    const networks = config.networks.filter((network) =>
      (network.profile === "twitch") === (platform === TWITCH_PLATFORM)
    );
    if (!networks.length) continue;
    const bus = await options.connectAs(ircConnectorRole(platform));
    started.push(
      await IrcConnector.start(bus, {
        platform,
        networks,
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.healthIntervalMs !== undefined
          ? { healthIntervalMs: options.healthIntervalMs }
          : {}),
      }),
    );
    for (const network of networks) {
      console.error(
        `Joining ${network.channels.join(", ")} on ${network.name} ` +
          `(${network.host ?? "irc.chat.twitch.tv"}) as ${network.nick}.`,
      );
    }
  }
  return started;
}
