/** The stats service as the composition root starts it: `services.stats`, `svc-stats` user. */
import { defineComponent, serviceSwitchSchema } from "@quicksilver/core";
import { StatsService } from "./stats_service.ts";
import { statsRole } from "./role.ts";

export const statsComponent = defineComponent({
  name: "stats",
  kind: "service",
  // Its stream reads block an event loop for milliseconds at a time: not the core's (issue 19).
  offThread: true,
  configPath: ["services", "stats"],
  /** Per-user and per-channel stats (`!stats` answers), from the durable event stream. */
  section: serviceSwitchSchema(),
  role: statsRole,
  enabled: (section) => section.enabled,
  async start(bus, { dirs, logger }) {
    const stats = await StatsService.start(bus, {
      // The state is in KV; earlier versions' file there is moved into KV once.
      dir: `${dirs.state}/stats`,
      logger,
    });
    return { close: () => stats.close() };
  },
});
