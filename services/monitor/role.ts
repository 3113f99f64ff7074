/** The monitor's NATS role. */
import { inboxGrant, type ServiceRole, subjects } from "@quicksilver/core";

/** The identity (NATS user name, client name and inbox token) of the monitor service. */
export const MONITOR_IDENTITY = "svc-monitor";

/**
 * The monitor service: reads health, metrics and the plugin table; answers status requests.
 * It publishes nothing but its own health and metrics.
 */
export function monitorRole(): ServiceRole {
  const name = MONITOR_IDENTITY;
  return {
    name,
    permissions: {
      publish: { allow: [subjects.monitoringHealth(), subjects.monitoringMetrics()] },
      subscribe: {
        allow: [
          subjects.allMonitoring(),
          subjects.pluginManifests(),
          subjects.adminStatus(),
          inboxGrant(name),
        ],
      },
      responses: { max: 1 },
    },
  };
}
