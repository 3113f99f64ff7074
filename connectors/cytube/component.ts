/** The CyTube connector as the composition root starts it: `connectors.cytube`. */
import { defineComponent } from "@quicksilver/core";
import { CYTUBE_CONFIG_FIXES, cytubeChannels, CytubeConnectorSchema } from "./config_schema.ts";
import { cytubeConnectorRole } from "./role.ts";

export const cytubeComponent = defineComponent({
  name: "CyTube connector",
  kind: "connector",
  configPath: ["connectors", "cytube"],
  section: CytubeConnectorSchema,
  fixes: CYTUBE_CONFIG_FIXES,
  role: cytubeConnectorRole,
  enabled: (section) => section.enabled && cytubeChannels(section).length > 0,
  async start(bus, { section, bot, delivery, healthIntervalMs, logger }) {
    // Imported only when configured: socket.io-client and the connector are ~6 MB of memory.
    const { CytubeConnector } = await import("./connector.ts");
    const channels = cytubeChannels(section);
    const started: { close(): Promise<void> }[] = [];
    const closeAll = () => Promise.allSettled(started.map((c) => c.close())).then(() => {});
    try {
      // One client, session and lease per channel; each channel's health under its own name
      // when there are several (the monitor keys reports by component).
      for (const channel of channels) {
        started.push(
          await CytubeConnector.start(bus, {
            server: section.server,
            channel,
            ...(section.channelPassword !== undefined
              ? { channelPassword: section.channelPassword }
              : {}),
            // Without an account the bot joins as a guest under its own name.
            user: section.user ?? { name: bot.name },
            ...(section.chatLimit ? { chatLimit: section.chatLimit } : {}),
            healthIntervalMs,
            delivery,
            healthComponent: channels.length === 1
              ? "connector-cytube"
              : `connector-cytube/${channel}`,
            lease: section.lease.enabled
              ? { renewMs: section.lease.renewMs, expireMs: section.lease.expireMs }
              : false,
            logger,
          }),
        );
      }
    } catch (error) {
      await closeAll();
      throw error;
    }
    const list = channels.join(", ");
    return {
      close: closeAll,
      notice: `Joining CyTube channel${channels.length > 1 ? "s" : ""} ${list} on ` +
        `${section.server}` +
        (section.lease.enabled
          ? ` (each once its lease in rosey_leases is free; until then standing by).`
          : "."),
    };
  },
});
