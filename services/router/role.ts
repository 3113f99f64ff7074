/** The router's NATS role: what its user may publish and subscribe. */
import { inboxGrant, type ServiceRole, subjects } from "@quicksilver/core";

/** The identity (NATS user name, client name and inbox token) of the router. */
export const ROUTER_IDENTITY = "svc-router";

/**
 * The router: reads messages, PMs, the plugin table and plugins' own output; sends command
 * requests, chat/pm actions, asks for the plugin list, and publishes its health and metrics.
 */
export function routerRole(): ServiceRole {
  const name = ROUTER_IDENTITY;
  return {
    name,
    permissions: {
      publish: {
        allow: [
          subjects.allCommandExecutes(),
          subjects.anyPlatformAction("chat"),
          subjects.anyPlatformAction("pm"),
          subjects.adminPlugins("list"),
          subjects.monitoringMetrics(),
          subjects.monitoringHealth(),
          // A plugin claiming another's command word is refused and reported by the router.
          subjects.securityViolation(),
        ],
      },
      subscribe: {
        allow: [
          subjects.event("message"),
          subjects.event("pm"),
          subjects.pluginManifests(),
          subjects.allPluginSay(),
          inboxGrant(name),
        ],
      },
    },
  };
}
