/**
 * The web service as the composition root starts it: the `web:` section, the `svc-web` user.
 * A busy or unbindable `web.listen` is one line for the operator (the notice) and the bot runs
 * on without the dashboard.
 */
import { defineComponent } from "@quicksilver/core";
import { WebListenError } from "./errors.ts";
import { WebSectionSchema } from "./web_config.ts";
import { webRole } from "./web_role.ts";

export const webComponent = defineComponent({
  name: "web",
  kind: "service",
  configPath: ["web"],
  section: WebSectionSchema.prefault({}),
  fixes: {
    listen: `write host:port, e.g. "127.0.0.1:8080"`,
  },
  role: webRole,
  enabled: (section) => section.enabled,
  async start(bus, { section, delivery, healthIntervalMs, dirs, logger }) {
    // Loaded only when it runs: hono and the password hashing stay out of a bot without it.
    const { WebService } = await import("./web_service.ts");
    try {
      const web = await WebService.start(bus, {
        config: section,
        stateDir: `${dirs.state}/web`,
        // `deno task dev` writes the bot's log there (the plugin page shows a plugin's lines).
        logFile: `${dirs.logs}/rosey.log`,
        healthIntervalMs,
        delivery,
        logger,
      });
      // Shown this once: only the hash is kept (.rosey/web/accounts.json).
      const login = web.firstRun
        ? `\nDashboard login (shown once): user ${web.firstRun.user}, password ` +
          `${web.firstRun.password}. Add accounts with \`deno task web passwd <name>\`.`
        : "";
      return { close: () => web.close(), notice: `dashboard ${web.url}${login}` };
    } catch (error) {
      if (!(error instanceof WebListenError)) throw error;
      return { close: () => Promise.resolve(), notice: error.message };
    }
  },
});
