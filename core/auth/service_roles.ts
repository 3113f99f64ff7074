/**
 * Least-privilege NATS permissions for each core service identity. Every service connects as
 * its own user, with exactly what its job needs, so a bug (or a compromise) in one service
 * cannot impersonate another: a connector cannot execute commands, the router cannot publish
 * normalized events, nobody but the manager can publish the plugin table.
 *
 * Each identity's inbox is `_INBOX.<identity>` (see `inboxPrefix`), and each role grants only
 * its own inbox, so one service cannot read another's replies.
 */
import { inboxPrefix, subjects } from "../subjects/mod.ts";
import type { SubjectPermissions } from "./user_credentials.ts";

/** The identity (NATS user name, client name and inbox token) of each core service. */
export const SERVICE_IDENTITIES = {
  router: "svc-router",
  pluginManager: "svc-plugin-manager",
  /** The manager's second user, in the system account, that only sends revocations. */
  pluginManagerSystem: "svc-plugin-manager-sys",
  monitor: "svc-monitor",
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
 */
export function connectorRole(platform: string): ServiceRole {
  const name = connectorIdentity(platform);
  return {
    name,
    permissions: {
      publish: { allow: [subjects.allPlatformRaw(platform), subjects.allEvents()] },
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
