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
  enabled: () => true,
  async start(bus, { section, bot, delivery, healthIntervalMs, dirs, logger }) {
    const router = await CommandRouter.start(bus, {
      prefix: bot.commandPrefix,
      botName: bot.name,
      ignoreUsers: section.ignoreUsers,
      timeoutMs: section.timeoutMs,
      delivery,
      limits: section.rateLimits,
      replies: section.replies,
      commandOwners: {
        configured: section.commandOwners,
        file: `${dirs.state}/command-owners.json`,
      },
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
