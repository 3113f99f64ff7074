/**
 * The IRC connector as the composition root starts it: `connectors.irc`. Plain IRC networks run
 * on one `irc` connector and Twitch networks (`profile: twitch`) on one `twitch` connector, each
 * its own component with its own NATS user, both reading the same section.
 *
 * @module
 */
import { defineComponent } from "@quicksilver/core";
import { type IrcConnectorConfig, IrcConnectorSchema } from "./config_schema.ts";
import { IRC_PLATFORM, TWITCH_PLATFORM } from "./platform.ts";
import { ircConnectorRole } from "./role.ts";

type Platform = typeof IRC_PLATFORM | typeof TWITCH_PLATFORM;

function networksOf(section: IrcConnectorConfig, platform: Platform) {
  return section.networks.filter((network) =>
    (network.profile === "twitch") === (platform === TWITCH_PLATFORM)
  );
}

function ircPlatformComponent(platform: Platform, name: string) {
  return defineComponent({
    name,
    key: platform === TWITCH_PLATFORM ? "twitch" : "irc",
    kind: "connector",
    configPath: ["connectors", "irc"],
    section: IrcConnectorSchema,
    role: () => ircConnectorRole(platform),
    enabled: (section) => section.enabled && networksOf(section, platform).length > 0,
    async start(bus, { section, delivery, healthIntervalMs, logger }) {
      // Imported only when configured: irc-framework loads with the connector.
      const { IrcConnector } = await import("./connector.ts");
      const networks = networksOf(section, platform);
      const connector = await IrcConnector.start(bus, {
        platform,
        networks,
        logger,
        healthIntervalMs,
        delivery,
      });
      return {
        close: () => connector.close(),
        notice: networks.map((network) =>
          `Joining ${network.channels.join(", ")} on ${network.name} ` +
          `(${network.host ?? "irc.chat.twitch.tv"}) as ${network.nick}.`
        ).join("\n"),
      };
    },
  });
}

/** Plain IRC networks (`platform: irc`). */
export const ircComponent = ircPlatformComponent(IRC_PLATFORM, "IRC connector");
/** Twitch chat networks (`profile: twitch`, `platform: twitch`). */
export const twitchComponent = ircPlatformComponent(TWITCH_PLATFORM, "Twitch connector");
