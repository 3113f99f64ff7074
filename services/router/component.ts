/** The router as the composition root starts it: `router:` section, `svc-router` user. */
import { defineComponent, startHealthReporter } from "@quicksilver/core";
import { CommandRouter } from "./command_router.ts";
import { ROUTER_CONFIG_FIXES, RouterSectionSchema } from "./config_schema.ts";
import { routerRole } from "./role.ts";

export const routerComponent = defineComponent({
  name: "router",
  kind: "service",
  configPath: ["router"],
  section: RouterSectionSchema,
  fixes: ROUTER_CONFIG_FIXES,
  role: routerRole,
  // Core NATS only: on the router's hot path nats.js's socket writes and per-request error
  // objects were ~12 % of the core's CPU (docs/PERFORMANCE.md).
  jetstream: false,
  enabled: () => true,
  async start(bus, { section, bot, healthIntervalMs, logger }) {
    const router = await CommandRouter.start(bus, {
      prefix: bot.commandPrefix,
      botName: bot.name,
      ignoreUsers: section.ignoreUsers,
      timeoutMs: section.timeoutMs,
      limits: section.rateLimits,
      logger,
    });
    const stopReporting = startHealthReporter(bus, {
      component: "router",
      intervalMs: healthIntervalMs,
      metrics: router.metricsRegistry,
      stats: () => ({ commands: router.table.runningCommands().length }),
    });
    return {
      close: async () => {
        stopReporting();
        await router.close();
      },
    };
  },
});
