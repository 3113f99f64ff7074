/** The router's NATS role: what its user may publish and subscribe. */
import {
  durableConsumerRights,
  inboxGrant,
  type ServiceRole,
  STREAMS,
  subjects,
} from "@quicksilver/core";

/** The identity (NATS user name, client name and inbox token) of the router. */
export const ROUTER_IDENTITY = "svc-router";

/** The durable consumer every router shares in `nats.delivery: durable` (on `ROSEY_EVENTS`). */
export const ROUTER_CONSUMER = "router";

/**
 * The router: reads messages, PMs, the plugin table and plugins' own output; sends command
 * requests, chat/pm actions, asks for the plugin list, and publishes its health and metrics.
 * For `nats.delivery: durable`: reads the one shared consumer `router` of `ROSEY_EVENTS` (its
 * replies are JetStream publishes: plain publishes on the action subjects, acked to its inbox).
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
          ...durableConsumerRights(STREAMS.events, ROUTER_CONSUMER),
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
