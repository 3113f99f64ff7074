/**
 * What the operator decides per plugin (`plugins.<name>` in `rosey.yaml`, and the whole
 * `plugins:` section): whether it runs, its config, the extras granted, its resource limits and
 * NATS limits. The one definition: the config file is validated with these schemas and the
 * manager parses the same ones, so the two cannot accept different things.
 *
 * Grants only ever narrow what the plugin asked for: an extra it did not ask for is not given,
 * and an ask that is not granted is shown by `plugins check` as "asked, not granted".
 */
import { z } from "zod";
import { PLUGIN_NAME, subjects } from "@quicksilver/core";
import { parseResourceLimits, type ResourceLimits, resourceLimitsSchema } from "../limits/mod.ts";
import { PluginManagerError } from "./errors.ts";

const show = (value: unknown) => JSON.stringify(value);

/** `api.open-meteo.com`, `localhost` or an IPv4 literal, optionally with `:port`. */
const HOST =
  /^(localhost|(\d{1,3}\.){3}\d{1,3}|([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62})(:(\d{1,5}))?$/i;
/** A NATS subject pattern: dot-separated tokens, `*` tokens, `>` last. */
const SUBJECT_PATTERN = /^([A-Za-z0-9_$-]+|\*)(\.([A-Za-z0-9_$-]+|\*))*(\.>)?$/;
/** The port a bare host means: the usual HTTPS API. */
const DEFAULT_NET_PORT = 443;

/**
 * One outbound address, always `host:port` once parsed: Deno's `--allow-net=host` would allow
 * every port of that host, and `host:port` only that one (NOTES-SANDBOX.md, "Hostname
 * matching"), so the sandbox needs the port. A bare host is taken as port 443.
 */
const NetGrantSchema = z.string().regex(HOST, {
  error: (issue) =>
    `${show(issue.input)} is not a host name; write host:port, e.g. "api.open-meteo.com:443" ` +
    `(a bare host means port ${DEFAULT_NET_PORT})`,
}).transform((written, ctx) => {
  // Host names are case-insensitive (RFC 4343): lower case, as the plugin's declarations are.
  const host = written.toLowerCase();
  const port = /:(\d+)$/.exec(host)?.[1];
  if (port === undefined) return `${host}:${DEFAULT_NET_PORT}`;
  if (Number(port) < 1 || Number(port) > 65535) {
    ctx.addIssue({
      code: "custom",
      input: host,
      message: `${show(host)} has port ${port}; write host:port with a port from 1 to 65535`,
    });
    return z.NEVER;
  }
  return host;
});

const subjectPattern = (example: string) =>
  z.string().regex(SUBJECT_PATTERN, {
    error: (issue) =>
      `${show(issue.input)} is not a NATS subject; write dot-separated words, e.g. "${example}"`,
  });

export const PluginGrantsSchema = z.strictObject({
  /** Outbound `host:port` the plugin may reach (only those it asked for in `extras.net`). */
  net: z.array(NetGrantSchema).default([]),
  publish: z.array(subjectPattern(subjects.plugin("quotes", "added"))).default([]),
  subscribe: z.array(subjectPattern(subjects.event("user.join"))).default([]),
  /** npm packages the plugin may import, exact: `npm:name@version` (present in deno.lock). */
  npm: z.array(
    z.string().regex(/^npm:[@A-Za-z0-9/._-]+@[0-9][A-Za-z0-9.+-]*$/, {
      error: (issue) =>
        `${show(issue.input)} is not an exact npm package; write e.g. "npm:ms@2.1.3"`,
    }),
  ).default([]),
});
export type PluginGrants = z.infer<typeof PluginGrantsSchema>;

/**
 * Resource limits as the operator wrote them (only those keys: the plan tells an operator's
 * limit from a default). Checked by the sandbox's own `resourceLimitsSchema` (sandbox/limits:
 * names, bounds), so there is one list of limits and a limit added there is accepted here.
 */
export const PluginLimitsSchema = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  const result = resourceLimitsSchema.safeParse(value, { reportInput: true });
  if (result.success) return;
  for (const issue of result.error.issues) {
    if (issue.code === "unrecognized_keys") {
      ctx.addIssue({
        code: "custom",
        path: [],
        message: `unknown limit ${issue.keys.map((k) => show(k)).join(", ")}; the limits are ` +
          Object.keys(resourceLimitsSchema.shape).join(", "),
      });
    } else ctx.addIssue({ ...issue } as Parameters<typeof ctx.addIssue>[0]);
  }
});
export type PluginLimits = z.input<typeof resourceLimitsSchema>;

export const PluginSettingsSchema = z.strictObject({
  /** False keeps this plugin from running (same as listing it in `plugins.disabled`). */
  enabled: z.boolean().default(true),
  grants: PluginGrantsSchema.prefault({}),
  limits: PluginLimitsSchema.default({}),
  /** NATS limits enforced by the server for this plugin's user. */
  nats: z.strictObject({
    maxSubscriptions: z.number().int().min(5).max(10_000).optional(),
    maxPayload: z.number().int().min(1024).max(1024 * 1024).optional(),
    /** Bytes its `ctx.storage` bucket may hold (server-enforced). Default 4 MiB. */
    maxStorageBytes: z.number().int().min(64 * 1024).max(1024 * 1024 * 1024).optional(),
  }).default({}),
  /** Free-form settings handed to the plugin (`ctx.config`). */
  config: z.record(z.string(), z.unknown()).default({}),
});
export type PluginSettingsInput = z.input<typeof PluginSettingsSchema>;
export type PluginSettings = z.infer<typeof PluginSettingsSchema> & {
  resourceLimits: ResourceLimits;
};

const pluginName = z.string().regex(PLUGIN_NAME, {
  error: (issue) =>
    `${show(issue.input)} is not a plugin name; plugin names are file names like "dice" ` +
    `(lower-case letters, digits, "_" or "-")`,
});

/**
 * `plugins:` holds the folder, the enabled/disabled lists, and one key per plugin with its
 * settings (`plugins.weather.grants.net`), which is why it is an object with a catch-all.
 */
export const PluginsSectionSchema = z.object({
  dir: z.string().min(1).default("plugins"),
  /** Only these run; leave it out to run every plugin in `dir`. */
  enabled: z.array(pluginName).optional(),
  disabled: z.array(pluginName).default([]),
  /**
   * Publishers whose signed plugins `deno task plugins install` accepts without `--unsigned`:
   * NATS nkey public keys (`U` + 55 characters, what `deno task plugins sign` prints).
   */
  trust: z.array(
    z.string().regex(/^U[A-Z2-7]{55}$/, {
      error: (issue) =>
        `${show(issue.input)} is not a publisher key; write the key the publisher's ` +
        "`deno task plugins sign` printed (U followed by 55 letters and digits)",
    }),
  ).default([]),
  /**
   * Plugin indexes `deno task plugins install <name>` looks names up in, in order: https URLs,
   * http on loopback only, or local files (a path relative to rosey.yaml).
   */
  indexes: z.array(z.string().min(1)).default([]),
  /**
   * This plugin host's name when several run (each `deno task start plugins` with its own
   * `--home`): shown in `plugins list`, carried by its plugin table. Default
   * `<hostname>:<home>`.
   */
  hostId: z.string().min(1).max(200).regex(/^[\w.:@/-]+$/, {
    error: 'use letters, digits and . : @ / - _ (e.g. "plugins-a")',
  }).optional(),
}).catchall(PluginSettingsSchema).superRefine((value, ctx) => {
  for (const key of Object.keys(value)) {
    if (["dir", "enabled", "disabled", "trust", "indexes", "hostId"].includes(key)) continue;
    if (!PLUGIN_NAME.test(key)) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message:
          `${
            show(key)
          } is neither a setting (dir, enabled, disabled, trust, indexes, hostId) nor a plugin name; ` +
          `plugin names are file names like "dice"`,
      });
    }
  }
}).prefault({});

/** Parses one plugin's settings; errors name the key (`plugins.dice.grants.net[0]`) and a fix. */
export function parsePluginSettings(name: string, input: unknown): PluginSettings {
  const where = `plugins.${name}`;
  const parsed = PluginSettingsSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map((p) =>
      typeof p === "number" ? `[${p}]` : `.${String(p)}`
    ).join("") ?? "";
    throw new PluginManagerError(`${where}${path}: ${issue?.message ?? "invalid"}`, {
      cause: parsed.error,
    });
  }
  return {
    ...parsed.data,
    resourceLimits: parseResourceLimits(parsed.data.limits, `${where}.limits`),
  };
}
