/**
 * The web service's NATS identity, `svc-web`, with only what the dashboard and API need: ask
 * the monitor for the status table, ask the manager to list/start/stop/restart plugins, ask
 * the stats service and the connectors' snapshots, send chat lines (`say`), and read the
 * monitoring subjects, the plugin table, violations and chat for the live pages. It cannot
 * publish events, execute commands, touch JetStream or act on a channel beyond `chat`.
 */
import { inboxGrant, type ServiceRole, subjects } from "@quicksilver/core";

/** The web service's NATS user, client and inbox name. */
export const WEB_IDENTITY = "svc-web";

/** The admin operations the dashboard may ask of the plugin manager (no `reload`). */
export const WEB_PLUGIN_OPS = ["list", "start", "stop", "restart"] as const;
export type WebPluginOp = typeof WEB_PLUGIN_OPS[number];

/** The channel events the live channel page shows (and the channels are learnt from). */
export const WEB_LIVE_EVENTS = [
  "channel.joined",
  "message",
  "bot.message",
  "user.join",
  "user.leave",
  "media.change",
] as const;

export function webRole(): ServiceRole {
  return {
    name: WEB_IDENTITY,
    permissions: {
      publish: {
        allow: [
          subjects.adminStatus(),
          ...WEB_PLUGIN_OPS.map((op) => subjects.adminPlugins(op)),
          subjects.statsQuery("channel"),
          subjects.statsQuery("user"),
          subjects.anyPlatformState("snapshot"),
          subjects.anyPlatformAction("chat"),
          subjects.monitoringHealth(),
        ],
      },
      subscribe: {
        allow: [
          subjects.allMonitoring(),
          `${subjects.statsAnswers(WEB_IDENTITY)}.>`,
          subjects.pluginManifests(),
          subjects.securityViolation(),
          ...WEB_LIVE_EVENTS.map((type) => subjects.event(type)),
          // `nats.delivery: durable`: where connectors answer its `say` (requestAction).
          subjects.actionOutcomesOf(WEB_IDENTITY),
          inboxGrant(WEB_IDENTITY),
        ],
      },
    },
  };
}
