/** The chat log as the composition root starts it: `services.chatlog`, `svc-chatlog` user. */
import { defineComponent, serviceSwitchSchema } from "@quicksilver/core";
import { ChatLogService } from "./chatlog_service.ts";
import { chatlogRole } from "./role.ts";

export const chatlogComponent = defineComponent({
  name: "chat log",
  kind: "service",
  // Its stream reads block an event loop for milliseconds at a time: not the core's (issue 19).
  offThread: true,
  configPath: ["services", "chatlog"],
  /** Chat and media logs (`logging.dir`/chat), from the durable event stream. */
  section: serviceSwitchSchema(),
  role: chatlogRole,
  enabled: (section) => section.enabled,
  async start(bus, { dirs, logger }) {
    const chatlog = await ChatLogService.start(bus, {
      dir: dirs.logs,
      logger,
    });
    return { close: () => chatlog.close() };
  },
});
