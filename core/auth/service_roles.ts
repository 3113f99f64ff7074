/**
 * Least-privilege NATS permissions for each core service identity. Every service connects as
 * its own user, with exactly what its job needs, so a bug (or a compromise) in one service
 * cannot impersonate another: a connector cannot execute commands, the router cannot publish
 * normalized events, nobody but the manager can publish the plugin table.
 *
 * Each identity's inbox is `_INBOX.<identity>` (see `inboxPrefix`), and each role grants only
 * its own inbox, so one service cannot read another's replies.
 */
import { CORE_STREAMS, JETSTREAM_API } from "../bus/core_streams.ts";
import { inboxPrefix, STREAMS, subjects } from "../subjects/mod.ts";
import type { SubjectPermissions } from "./user_credentials.ts";

/** The identity (NATS user name, client name and inbox token) of each core service. */
export const SERVICE_IDENTITIES = {
  router: "svc-router",
  pluginManager: "svc-plugin-manager",
  /** The manager's second user, in the system account, that only sends revocations. */
  pluginManagerSystem: "svc-plugin-manager-sys",
  monitor: "svc-monitor",
  /** Creates and updates the core JetStream streams at boot (`ensureCoreStreams`). */
  streamAdmin: "svc-stream-admin",
  /** The moderator PM shell (`services/moderator`). */
  moderator: "svc-moderator",
  /** Chat and media log files (`services/chatlog`). */
  chatlog: "svc-chatlog",
  /** Channel statistics (`services/stats`). */
  stats: "svc-stats",
} as const;

/** The identity of the connector for `platform`: `connector-shell`, `connector-cytube`. */
export function connectorIdentity(platform: string): string {
  return `connector-${platform}`;
}

/** A service identity with the permissions to mint it with. */
export interface ServiceRole {
  name: string;
  permissions: SubjectPermissions;
  /** Mint this user in the system account (revocation client only). */
  systemAccount?: boolean;
}

function inbox(identity: string): string {
  return `${inboxPrefix(identity)}.>`;
}

/**
 * The router: reads messages, PMs, the plugin table and plugins' own output; sends command
 * requests, chat/pm actions, asks for the plugin list, and publishes its health and metrics.
 */
export function routerRole(): ServiceRole {
  const name = SERVICE_IDENTITIES.router;
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
          inbox(name),
        ],
      },
    },
  };
}

/**
 * A platform connector: publishes what happens on its platform (raw and normalized), carries
 * out actions addressed to its platform only, and answers state queries about it.
 *
 * Normalized events go into the `ROSEY_EVENTS` stream: a JetStream publish is an ordinary
 * publish on `rosey.events.*` with a reply to the connector's own inbox, so the only JetStream
 * API right it needs is reading that stream's info (to check the stream exists before relying
 * on acknowledgements).
 */
export function connectorRole(platform: string): ServiceRole {
  const name = connectorIdentity(platform);
  return {
    name,
    permissions: {
      publish: {
        allow: [
          subjects.allPlatformRaw(platform),
          subjects.allEvents(),
          JETSTREAM_API.streamInfo(STREAMS.events),
          subjects.monitoringHealth(),
          subjects.monitoringMetrics(),
        ],
      },
      subscribe: {
        allow: [
          subjects.allPlatformActions(platform),
          subjects.allPlatformState(platform),
          inbox(name),
        ],
      },
      // Replies to state queries go to the asker's inbox, which no general grant covers.
      responses: { max: 1 },
    },
  };
}

/** The shell connector: a connector like any other. */
export function shellConnectorRole(): ServiceRole {
  return connectorRole("shell");
}

/**
 * The plugin manager: answers admin requests, publishes the plugin table, security violations
 * and monitoring, asks plugins to stop on their control subject, and reads their heartbeats.
 * Revocation goes through a separate system-account user ({@linkcode pluginManagerSystemRole}).
 */
export function pluginManagerRole(): ServiceRole {
  const name = SERVICE_IDENTITIES.pluginManager;
  return {
    name,
    permissions: {
      publish: {
        allow: [
          subjects.pluginManifests(),
          subjects.allSecurity(),
          subjects.allMonitoring(),
          subjects.allPluginControl(),
          subjects.audit("plugin-manager"),
        ],
      },
      subscribe: {
        allow: [subjects.allAdmin(), subjects.allPluginHeartbeats(), inbox(name)],
        // It publishes the table; reading it back would only echo its own writes.
        deny: [subjects.pluginManifests()],
      },
      responses: { max: 1 },
    },
  };
}

/** The manager's system-account user: sends account claim updates (revocations), nothing else. */
export function pluginManagerSystemRole(): ServiceRole {
  const name = SERVICE_IDENTITIES.pluginManagerSystem;
  return {
    name,
    systemAccount: true,
    permissions: {
      publish: { allow: ["$SYS.REQ.ACCOUNT.*.CLAIMS.UPDATE"] },
      subscribe: { allow: [inbox(name)] },
    },
  };
}

/**
 * The monitor service: reads health, metrics and the plugin table; answers status requests.
 * It publishes nothing but its own health and metrics.
 */
export function monitorRole(): ServiceRole {
  const name = SERVICE_IDENTITIES.monitor;
  return {
    name,
    permissions: {
      publish: { allow: [subjects.monitoringHealth(), subjects.monitoringMetrics()] },
      subscribe: {
        allow: [
          subjects.allMonitoring(),
          subjects.pluginManifests(),
          subjects.adminStatus(),
          inbox(name),
        ],
      },
      responses: { max: 1 },
    },
  };
}

/**
 * Creates the core streams at boot and nothing else: account info (which `jetstreamManager`
 * asks first) and info/create/update of the streams in `CORE_STREAMS`. No delete, purge or
 * consumer rights, and no `rosey.>` subject at all.
 */
export function streamAdminRole(): ServiceRole {
  const name = SERVICE_IDENTITIES.streamAdmin;
  return {
    name,
    permissions: {
      publish: {
        allow: [
          JETSTREAM_API.info(),
          ...CORE_STREAMS.flatMap((stream) => [
            JETSTREAM_API.streamInfo(stream.name),
            JETSTREAM_API.streamCreate(stream.name),
            JETSTREAM_API.streamUpdate(stream.name),
          ]),
        ],
      },
      subscribe: { allow: [inbox(name)] },
    },
  };
}

/**
 * The JetStream rights to read one durable consumer of one stream, and nothing more: look it
 * up, create it (the server's create subjects, with and without a filter), pull from it and
 * acknowledge. No stream management, no other consumer, no delete.
 */
export function durableConsumerRights(stream: string, durable: string): string[] {
  return [
    "$JS.API.INFO",
    `$JS.API.CONSUMER.INFO.${stream}.${durable}`,
    `$JS.API.CONSUMER.CREATE.${stream}.${durable}`,
    `$JS.API.CONSUMER.CREATE.${stream}.${durable}.>`,
    `$JS.API.CONSUMER.DURABLE.CREATE.${stream}.${durable}`,
    `$JS.API.CONSUMER.MSG.NEXT.${stream}.${durable}`,
    `$JS.ACK.${stream}.${durable}.>`,
  ];
}

/** The durable consumer names of the services that read `ROSEY_EVENTS`. */
export const EVENT_CONSUMERS = { chatlog: "chatlog", stats: "stats" } as const;

/** The PM actions and channel actions the moderator shell carries out, on any platform. */
const MODERATOR_ACTIONS = [
  "chat",
  "pm",
  "queue",
  "delete",
  "move",
  "jump",
  "pause",
  "kick",
  "afk",
  "clearChat",
] as const;

/**
 * The moderator PM shell: reads PMs (core NATS, never replayed), asks connectors for the
 * channel snapshot and the stats service for numbers, carries out moderator actions and
 * publishes its audit trail. It cannot read chat, publish events or touch JetStream.
 */
export function moderatorRole(): ServiceRole {
  const name = SERVICE_IDENTITIES.moderator;
  return {
    name,
    permissions: {
      publish: {
        allow: [
          subjects.anyPlatformState("snapshot"),
          ...MODERATOR_ACTIONS.map((action) => subjects.anyPlatformAction(action)),
          subjects.statsQuery("channel"),
          subjects.statsQuery("user"),
          subjects.audit("moderator"),
        ],
      },
      subscribe: { allow: [subjects.event("pm"), inbox(name)] },
    },
  };
}

/**
 * The chat log writer: reads `ROSEY_EVENTS` through its own durable consumer and writes files.
 * It publishes nothing on `rosey.>` and subscribes to nothing but its inbox (where pulled
 * messages arrive).
 */
export function chatlogRole(): ServiceRole {
  const name = SERVICE_IDENTITIES.chatlog;
  return {
    name,
    permissions: {
      publish: { allow: durableConsumerRights(STREAMS.events, EVENT_CONSUMERS.chatlog) },
      subscribe: { allow: [inbox(name)] },
    },
  };
}

/**
 * The stats service: reads `ROSEY_EVENTS` through its own durable consumer and answers stats
 * queries (replies go to the asker's inbox).
 */
export function statsRole(): ServiceRole {
  const name = SERVICE_IDENTITIES.stats;
  return {
    name,
    permissions: {
      publish: { allow: durableConsumerRights(STREAMS.events, EVENT_CONSUMERS.stats) },
      subscribe: { allow: [subjects.allStatsQueries(), inbox(name)] },
      responses: { max: 1 },
    },
  };
}
