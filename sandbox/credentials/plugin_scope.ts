/**
 * The `plugin` scoped signing key's template: the rights of every plugin user, with the
 * plugin's own name, bucket and events filled in by the server from the user JWT's tags, so that
 * a plugin host holding only this key (not the account key) can mint plugin users and nothing
 * else (issue 13 point 3).
 *
 * The template is derived from {@linkcode pluginNatsRights} itself (a plugin with no grants, its
 * name replaced token by token with template tokens), so the two cannot drift apart; and before
 * a scoped mint {@linkcode scopedPluginTags} expands the template locally and checks it yields
 * exactly the plugin's rights. Template tokens are whole subject tokens (nats-server 2.9.10
 * server/auth.go `processUserPermissionsTemplate`): hence one tag per name form:
 *
 * | tag            | fills                                             |
 * | -------------- | ------------------------------------------------- |
 * | `plugin:<n>`   | `rosey.plugins.<n>.>`, its commands, control      |
 * | `bucket:<b>`   | `$KV.<b>.>` (`plugin_<n>`)                        |
 * | `stream:<s>`   | direct get and info of `KV_plugin_<n>`            |
 * | `event:<e>`    | one `rosey.events.<e>` per event it receives      |
 * | `{{name()}}`   | its inbox `_INBOX.plugin-<n>.>` (the JWT's name)  |
 *
 * What a template cannot say is refused for scoped minting, with the fix in the message: an
 * operator's `grants` (any subject: a host that could tag its own grants could grant itself
 * anything not denied) and limits other than the defaults (a template has one set of limits).
 */
import { JETSTREAM_API, KV_BUCKETS, type ScopeTemplate, STREAMS } from "@quicksilver/core";
import { PluginCredentialsError } from "./errors.ts";
import {
  DEFAULT_PLUGIN_NATS_LIMITS,
  type PluginNatsRights,
  pluginNatsRights,
} from "./plugin_permissions.ts";

/** The role of the plugin signing key in the account JWT. */
export const PLUGIN_SIGNING_ROLE = "plugin";

/** A valid plugin name that no real plugin has (`token()` and PLUGIN_NAME accept it). */
const SENTINEL = "zzscopedzz";
/** A valid event type that marks the event token in the sentinel's rights. */
const SENTINEL_EVENT = "message";

const TAG = {
  plugin: "plugin",
  bucket: "bucket",
  stream: "stream",
  event: "event",
} as const;

/**
 * Denied in the template only, against a key holder that tags itself wildcards (`stream:*`:
 * nats-server 2.9.10 accepts `*` in tag values, measured): the core streams' messages and info
 * stay out of reach, and so do the core KV buckets' keys (`bucket:*` would reach
 * `$KV.rosey_leases.>`: a plugin could take a connector's lease). A plugin's own rights never
 * name them, so this changes nothing for it.
 */
function templateOnlyPublishDeny(): string[] {
  const buckets = Object.values(KV_BUCKETS).map((bucket) => `KV_${bucket}`);
  return [...new Set([...Object.values(STREAMS), ...buckets])].flatMap((stream) => [
    `${JETSTREAM_API.directGet(stream)}.>`,
    JETSTREAM_API.streamInfo(stream),
    // A KV bucket is the stream `KV_<bucket>`; its keys are the subjects `$KV.<bucket>.>`.
    ...(stream.startsWith("KV_") ? [`$KV.${stream.slice(3)}.>`] : []),
  ]);
}

function sentinelRights(): PluginNatsRights {
  return pluginNatsRights({ name: SENTINEL, events: [] });
}

/** Token forms of one plugin name, in the order they must be tried (longest first). */
function nameForms(name: string, rights: PluginNatsRights) {
  return [
    { value: `KV_${rights.storageBucket}`, tag: TAG.stream },
    { value: rights.storageBucket, tag: TAG.bucket },
    { value: rights.identity, tag: null },
    { value: name, tag: TAG.plugin },
  ] as const;
}

/** The template of the `plugin` scoped key: every plugin user's permissions and limits. */
export function pluginScopeTemplate(): ScopeTemplate {
  const rights = sentinelRights();
  const forms = nameForms(SENTINEL, rights);
  const eventSubjects = new Set(
    pluginNatsRights({ name: SENTINEL, events: [] }).permissions.subscribe.allow.filter((s) =>
      s.endsWith(`.${SENTINEL_EVENT}`) && !s.includes(SENTINEL)
    ),
  );
  const templated = (subject: string) => {
    if (eventSubjects.has(subject)) {
      return subject.slice(0, -SENTINEL_EVENT.length) + `{{tag(${TAG.event})}}`;
    }
    return subject.split(".").map((token) => {
      const form = forms.find((f) => f.value === token);
      if (!form) return token;
      return form.tag ? `{{tag(${form.tag})}}` : "{{name()}}";
    }).join(".");
  };
  const { publish, subscribe, responses } = rights.permissions;
  return {
    permissions: {
      publish: {
        allow: publish.allow.map(templated),
        deny: [...publish.deny.map(templated), ...templateOnlyPublishDeny()],
      },
      subscribe: { allow: subscribe.allow.map(templated), deny: subscribe.deny.map(templated) },
      ...(responses ? { responses } : {}),
    },
    maxSubscriptions: DEFAULT_PLUGIN_NATS_LIMITS.maxSubscriptions,
    maxPayload: DEFAULT_PLUGIN_NATS_LIMITS.maxPayload,
  };
}

/**
 * The tags of a plugin user minted with the `plugin` key, after checking that the template
 * gives exactly `rights` (else {@linkcode PluginCredentialsError} names what it cannot carry and
 * the fix).
 */
export function scopedPluginTags(name: string, rights: PluginNatsRights): string[] {
  const forms = nameForms(name, rights);
  const tags = [
    ...forms.flatMap((f) => f.tag ? [`${f.tag}:${f.value}`] : []),
    ...rights.events.map((e) => `${TAG.event}:${e}`),
  ];
  const expanded = expandTemplate(pluginScopeTemplate(), rights.identity, tags);
  const want = rights.permissions;
  const differs = (a: readonly string[], b: readonly string[]) =>
    [...a].sort().join("\n") !== [...b].sort().join("\n");
  const { publish, subscribe } = expanded.permissions;
  if (
    differs(publish!.allow!, want.publish.allow) ||
    differs(subscribe!.allow!, want.subscribe.allow) ||
    differs(
      publish!.deny!.filter((s) => !templateOnlyPublishDeny().includes(s)),
      want.publish.deny,
    ) || differs(subscribe!.deny!, want.subscribe.deny)
  ) {
    throw new PluginCredentialsError(
      `plugin ${name}: its grants (plugins.${name}.grants) cannot be given by the plugin signing ` +
        `key, whose users all get the same rights; run this plugin on a plugin host that holds ` +
        `the account key (.rosey/auth), or remove its grants`,
    );
  }
  if (
    rights.limits.maxSubscriptions !== expanded.maxSubscriptions ||
    rights.limits.maxPayload !== expanded.maxPayload
  ) {
    throw new PluginCredentialsError(
      `plugin ${name}: its NATS limits (maxSubscriptions ${rights.limits.maxSubscriptions}, ` +
        `maxPayload ${rights.limits.maxPayload}) differ from the plugin signing key's ` +
        `(${expanded.maxSubscriptions}, ${expanded.maxPayload}); run it on a plugin host that ` +
        `holds the account key (.rosey/auth), or use the default limits`,
    );
  }
  return tags;
}

/**
 * What the server makes of a template for one user (name + tags): the same rules as
 * nats-server 2.9.10 `processUserPermissionsTemplate` for the tokens this template uses (one
 * subject per tag value, a subject with a missing tag dropped).
 */
function expandTemplate(template: ScopeTemplate, name: string, tags: readonly string[]) {
  const expand = (list: readonly string[] = []) =>
    list.flatMap((subject) => {
      let results = [""];
      for (const [i, token] of subject.split(".").entries()) {
        const tag = /^\{\{tag\((\w+)\)\}\}$/.exec(token)?.[1];
        const values = tag
          ? tags.filter((t) => t.startsWith(`${tag}:`)).map((t) => t.slice(tag.length + 1))
          : [token === "{{name()}}" ? name : token];
        results = results.flatMap((r) => values.map((v) => i === 0 ? v : `${r}.${v}`));
      }
      return results;
    });
  const { publish, subscribe } = template.permissions;
  return {
    ...template,
    permissions: {
      publish: { allow: expand(publish?.allow), deny: expand(publish?.deny) },
      subscribe: { allow: expand(subscribe?.allow), deny: expand(subscribe?.deny) },
    },
  };
}
