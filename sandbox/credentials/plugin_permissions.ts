/**
 * The NATS rights of one plugin launch, derived from its manifest and the operator's grants.
 * This is one half of "one manifest, both sandboxes": the other half (Deno flags) is derived in
 * `sandbox/manager/launch_plan.ts` from the same declaration, and `plugins check` shows both.
 *
 * The rules (seed, "Plugin Isolation Model"):
 * - subscribe: `rosey.events.message` + the events it declares, its own commands, its own
 *   control subject and its own inbox (`_INBOX.plugin-<name>.>`; the default `_INBOX.>` would
 *   let it read every reply on the bus, NOTES-SANDBOX §3);
 * - publish: its own `rosey.plugins.<name>.>`, `rosey.commands.<name>.result`, and one reply
 *   per request received (`allow_responses`, max 1);
 * - storage: its own KV bucket only (`plugin_<name>`, created by the manager with the quota):
 *   `$KV.<bucket>.>` for put/delete, direct get and its own stream's info (key listing), the
 *   minimal set for @nats-io/kv 3.4 against nats-server 2.9.10, found by probing. No consumer
 *   create: a push consumer's deliver subject is chosen by its creator and is not checked
 *   against the creator's publish rights, so it could make the server publish for the plugin;
 *   `keys()` reads the stream's subject list instead (tests/sandbox/kv_storage_test.ts);
 * - never: the platform, security, admin branches, the rest of JetStream's API, other buckets
 *   and `$SYS` (an explicit deny wins over any allow, so a careless operator grant cannot
 *   reopen them; JetStream's and KV's branches are refused for grants instead, as the deny
 *   list of the JWT would also take away the plugin's own bucket);
 * - limits: subscriptions and payload size, enforced by the server from the JWT.
 */
import {
  EVENT_TYPES,
  type EventType,
  inboxPrefix,
  type SubjectPermissions,
  subjects,
  subjectsOverlap,
} from "@quicksilver/core";
import { PluginCredentialsError } from "./errors.ts";

/** The inbox identity of a plugin: its requests' replies come back under `_INBOX.plugin-<name>`. */
export function pluginIdentity(name: string): string {
  return `plugin-${name}`;
}

/** Subjects no plugin may touch, whatever the operator grants. */
export function deniedPluginSubjects(): string[] {
  return [...jwtDeniedSubjects(), "$JS.API.>", "$KV.>"];
}

/**
 * What the JWT denies outright. JetStream's API and `$KV` are not here: a deny wins over any
 * allow, and the plugin's own bucket lives there; its allow list names only its own stream.
 */
function jwtDeniedSubjects(): string[] {
  return [
    subjects.allPlatform(),
    subjects.allSecurity(),
    subjects.allAdmin(),
    subjects.allAudit(),
    "$JS.ACK.>",
    "$SYS.>",
  ];
}

/** The KV bucket holding a plugin's `ctx.storage`: `plugin_<name>` (stream `KV_plugin_<name>`). */
export function pluginStorageBucket(name: string): string {
  return `plugin_${name}`;
}

/**
 * What a plugin publishes to use its own bucket (and nothing else in JetStream): put/delete on
 * `$KV.<bucket>.>`, direct get, and its stream's info (the subject list `keys()` reads). The
 * replies come back on its own inbox.
 */
export function pluginStorageSubjects(name: string): string[] {
  const bucket = pluginStorageBucket(name);
  const stream = `KV_${bucket}`;
  return [
    `$KV.${bucket}.>`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.STREAM.INFO.${stream}`,
  ];
}

/** Extra subjects an operator may grant a plugin in config (never one of the denied ones). */
export interface SubjectGrants {
  publish?: readonly string[];
  subscribe?: readonly string[];
}

export interface PluginNatsLimits {
  /** Subscriptions the plugin may hold (server-enforced). Default 50. */
  maxSubscriptions: number;
  /** Largest message it may publish, in bytes (server-enforced). Default 128 KiB. */
  maxPayload: number;
  /**
   * Bytes its storage bucket may hold, keys, values and per-message overhead together (the
   * stream's `max_bytes`, server-enforced). Default 4 MiB. The largest value is `maxPayload`
   * (the stream's `max_msg_size`).
   */
  maxStorageBytes: number;
}

export const DEFAULT_PLUGIN_NATS_LIMITS: PluginNatsLimits = Object.freeze({
  maxSubscriptions: 50,
  maxPayload: 128 * 1024,
  maxStorageBytes: 4 * 1024 * 1024,
});

/** Everything the server is told about one plugin user. */
export interface PluginNatsRights {
  /** `plugin-<name>`: the JWT's name and the inbox identity. */
  identity: string;
  inboxPrefix: string;
  permissions: SubjectPermissions & {
    publish: { allow: string[]; deny: string[] };
    subscribe: { allow: string[]; deny: string[] };
  };
  limits: PluginNatsLimits;
  /** Its `ctx.storage` bucket, created by the manager before launch. */
  storageBucket: string;
  /** The event types it receives (`message` and those it declares). */
  events: string[];
}

const KNOWN_EVENTS = new Set<string>(Object.values(EVENT_TYPES));

/**
 * Derives a plugin's NATS rights. Throws {@linkcode PluginCredentialsError} when it declares an
 * unknown event or the operator grants a subject that is always denied.
 */
export function pluginNatsRights(
  plugin: { name: string; events: readonly string[] },
  grants: SubjectGrants = {},
  limits: Partial<PluginNatsLimits> = {},
): PluginNatsRights {
  const { name } = plugin;
  const events = new Set<string>([EVENT_TYPES.message]);
  for (const event of plugin.events) {
    if (!KNOWN_EVENTS.has(event)) {
      throw new PluginCredentialsError(
        `plugin ${name}: event "${event}" is not a normalized event type; use one of ` +
          [...KNOWN_EVENTS].join(", "),
      );
    }
    events.add(event);
  }
  const deny = deniedPluginSubjects();
  const jwtDeny = jwtDeniedSubjects();
  // Only the router may send command requests: it alone decides rank, cooldown and rate, and the
  // plugin host trusts what reaches it. A plugin subscribes to its own execute subject, so this
  // is denied for publishing only.
  const publishDeny = [...deny, subjects.allCommandExecutes()];
  const jwtPublishDeny = [...jwtDeny, subjects.allCommandExecutes()];
  for (
    const [kind, list, denied] of [
      ["publish", grants.publish, publishDeny],
      ["subscribe", grants.subscribe, deny],
    ] as const
  ) {
    for (const subject of list ?? []) {
      const blocked = denied.find((d) => subjectsOverlap(d, subject));
      if (blocked) {
        throw new PluginCredentialsError(
          `plugin ${name}: the ${kind} grant "${subject}" overlaps "${blocked}", which no plugin ` +
            `may use; remove it from plugins.${name}.grants.${kind}`,
        );
      }
    }
  }
  const identity = pluginIdentity(name);
  const inbox = inboxPrefix(identity);
  return {
    identity,
    inboxPrefix: inbox,
    permissions: {
      publish: {
        allow: [
          subjects.pluginAll(name),
          subjects.commandResult(name),
          ...pluginStorageSubjects(name),
          ...(grants.publish ?? []),
        ],
        deny: jwtPublishDeny,
      },
      subscribe: {
        allow: [
          ...[...events].map((e) => subjects.event(e as EventType)),
          subjects.pluginCommands(name),
          subjects.pluginControl(name),
          `${inbox}.>`,
          ...(grants.subscribe ?? []),
        ],
        deny,
      },
      responses: { max: 1 },
    },
    limits: { ...DEFAULT_PLUGIN_NATS_LIMITS, ...limits },
    storageBucket: pluginStorageBucket(name),
    events: [...events],
  };
}
