/** The moderator PM shell as the composition root starts it: `services.moderator`. */
import { defineComponent, serviceSwitchSchema } from "@quicksilver/core";
import { ModeratorService } from "./moderator_service.ts";
import { moderatorRole } from "./role.ts";

export const moderatorComponent = defineComponent({
  name: "moderator shell",
  kind: "service",
  configPath: ["services", "moderator"],
  section: serviceSwitchSchema(),
  role: moderatorRole,
  enabled: (section) => section.enabled,
  async start(bus, { bot, delivery, logger }) {
    const moderator = await ModeratorService.start(bus, {
      ignorePrefixes: [bot.commandPrefix],
      delivery,
      logger,
    });
    return { close: () => moderator.close() };
  },
});
