/** The CyTube connector as the composition root starts it: `connectors.cytube`. */
import { defineComponent } from "@quicksilver/core";
import { CYTUBE_CONFIG_FIXES, CytubeConnectorSchema } from "./config_schema.ts";
import { cytubeConnectorRole } from "./role.ts";

export const cytubeComponent = defineComponent({
  name: "CyTube connector",
  kind: "connector",
  configPath: ["connectors", "cytube"],
  section: CytubeConnectorSchema,
  fixes: CYTUBE_CONFIG_FIXES,
  role: cytubeConnectorRole,
  enabled: (section) => section.enabled && section.channel !== undefined,
  async start(bus, { section, bot, delivery, healthIntervalMs, logger }) {
    // Imported only when configured: socket.io-client and the connector are ~6 MB of memory.
    const { CytubeConnector } = await import("./connector.ts");
    const cytube = await CytubeConnector.start(bus, {
      server: section.server,
      channel: section.channel!,
      ...(section.channelPassword !== undefined
        ? { channelPassword: section.channelPassword }
        : {}),
      // Without an account the bot joins as a guest under its own name.
      user: section.user ?? { name: bot.name },
      ...(section.chatLimit ? { chatLimit: section.chatLimit } : {}),
      healthIntervalMs,
      delivery,
      logger,
    });
    return {
      close: () => cytube.close(),
      notice: `Joining CyTube channel ${section.channel} on ${section.server}.`,
    };
  },
});
