/** The plugin manager's NATS roles: its own user and its system-account user (revocations). */
import { inboxGrant, type ServiceRole, subjects } from "@quicksilver/core";

/** The identity of the plugin manager. */
export const PLUGIN_MANAGER_IDENTITY = "svc-plugin-manager";
/** The manager's second user, in the system account, that only sends revocations. */
export const PLUGIN_MANAGER_SYSTEM_IDENTITY = "svc-plugin-manager-sys";

/**
 * What the manager publishes to make each plugin's storage bucket and move an old
 * `storage.json` into it (sandbox/manager/plugin_storage.ts). Stream names cannot be matched by
 * prefix (`KV_plugin_*` is not a NATS wildcard), so these name every stream's info, create and
 * update; never delete or purge.
 */
export function pluginStorageAdminSubjects(): string[] {
  return [
    "$JS.API.STREAM.INFO.*",
    "$JS.API.STREAM.CREATE.*",
    "$JS.API.STREAM.UPDATE.*",
    "$KV.*.>",
  ];
}

/**
 * The manager's system-account user: reads the application account's current JWT (to keep the
 * revocations an earlier run stored in the full resolver) and sends claim updates (revocations),
 * nothing else.
 */
export function pluginManagerSystemRole(): ServiceRole {
  const name = PLUGIN_MANAGER_SYSTEM_IDENTITY;
  return {
    name,
    systemAccount: true,
    permissions: {
      publish: {
        allow: ["$SYS.REQ.ACCOUNT.*.CLAIMS.UPDATE", "$SYS.REQ.ACCOUNT.*.CLAIMS.LOOKUP"],
      },
      subscribe: { allow: [inboxGrant(name)] },
    },
  };
}

/**
 * The plugin host's own user, as `PluginManager` connects when it mints it itself, and as
 * `deno task auth creds plugins` writes it for a plugin host that holds only the plugin signing
 * key: all of the plugins' subjects both ways (their control, heartbeats and the other hosts'
 * tables and kill switches), admin, security, monitoring and the plugins' storage buckets.
 */
export function pluginHostRole(): ServiceRole {
  const name = PLUGIN_MANAGER_IDENTITY;
  return {
    name,
    permissions: {
      publish: {
        allow: [
          subjects.allSecurity(),
          subjects.allAdmin(),
          subjects.allPlugins(),
          subjects.allMonitoring(),
          ...pluginStorageAdminSubjects(),
        ],
      },
      subscribe: {
        allow: [subjects.allPlugins(), subjects.allAdmin(), inboxGrant(name)],
      },
      responses: { max: 1 },
    },
  };
}
