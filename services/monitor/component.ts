/** The monitor as the composition root starts it: `monitoring:` section, `svc-monitor` user. */
import { defineComponent } from "@quicksilver/core";
import { MonitoringSectionSchema } from "./config_schema.ts";
import { MonitorService } from "./monitor_service.ts";
import { monitorRole } from "./role.ts";

export const monitorComponent = defineComponent({
  name: "monitor",
  kind: "service",
  key: "monitor",
  configPath: ["monitoring"],
  section: MonitoringSectionSchema,
  role: monitorRole,
  enabled: () => true,
  async start(bus, { section, logger }) {
    const monitor = new MonitorService(bus, {
      httpPort: section.metricsPort === 0 ? null : section.metricsPort,
      logger,
    });
    await monitor.start();
    return {
      close: () => monitor.stop(),
      ...(monitor.httpUrl ? { notice: `metrics ${monitor.httpUrl}/metrics` } : {}),
    };
  },
});
