/** The CyTube connector's section of `rosey.yaml` (`connectors.cytube`). */
import { z } from "zod";

const show = (value: unknown) => JSON.stringify(value);

const ChannelName = z.string().regex(/^[A-Za-z0-9_-]{1,30}$/, {
  error: (issue) =>
    `${show(issue.input)} is not a channel name; write the part after /r/ in the ` +
    `channel URL, e.g. "mychannel"`,
});

export const CytubeConnectorSchema = z.strictObject({
  /** Off by default: a fresh clone chats in the local console only. */
  enabled: z.boolean().default(false),
  server: z.url({
    error: (issue) => `${show(issue.input)} is not a URL; write e.g. "https://cytu.be"`,
  }).default("https://cytu.be"),
  /** The channel name as in the URL: `mychannel` for https://cytu.be/r/mychannel. */
  channel: ChannelName.optional(),
  /** Several channels, each its own session, lease and health (replaces `channel`). */
  channels: z.array(ChannelName).optional(),
  channelPassword: z.string().min(1).optional(),
  /** Log in as this account; without it the bot joins as a guest. */
  user: z.strictObject({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,20}$/, {
      error: (issue) =>
        `${show(issue.input)} is not a CyTube user name; use 1-20 letters, digits, "_" or "-"`,
    }),
    password: z.string().min(1).optional(),
  }).optional(),
  /**
   * The server's always-on chat limit per socket, if it is not stock CyTube's `MIN_ANTIFLOOD`
   * (burst 20, 10 lines/s, a constant in src/channel/chat.js): for a self-hosted server built
   * with another value, and for load runs against the fake server (`deno task chaos`). The
   * connector paces its chat and PMs to it.
   */
  chatLimit: z.strictObject({
    burst: z.number().int().min(1).max(1_000_000),
    perSecond: z.number().positive().max(1_000_000),
  }).optional(),
  /**
   * Failover: each channel is served by the one process holding its lease (KV bucket
   * `rosey_leases`); any other process with this config stands by and takes over when the
   * lease is not renewed for `expireMs`.
   */
  lease: z.strictObject({
    enabled: z.boolean().default(true),
    /** How often the active connector renews (ms). */
    renewMs: z.int().min(100).max(10_000).default(1000),
    /** A lease not renewed this long is taken over (ms); at least twice `renewMs`. */
    expireMs: z.int().min(200).max(60_000).default(4000),
  }).prefault({}),
}).superRefine((value, ctx) => {
  if (value.channel !== undefined && value.channels !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["channels"],
      message: `given together with channel; keep one: move ${show(value.channel)} into ` +
        `channels and remove channel`,
    });
  }
  if (value.channels !== undefined && value.channels.length === 0) {
    ctx.addIssue({
      code: "custom",
      path: ["channels"],
      message: 'empty; list at least one channel, e.g. channels: ["mychannel"], or remove the key',
    });
  }
  const names = (value.channels ?? []).map((name) => name.toLowerCase());
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["channels"],
      message: `lists ${show(twice)} twice (CyTube channel names ignore case); list each once`,
    });
  }
  if (value.enabled && value.channel === undefined && value.channels === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["channels"],
      message: `missing; CyTube is enabled, so name the channels to join, e.g. ` +
        `channels: ["mychannel"]`,
    });
  }
  if (value.lease.expireMs < value.lease.renewMs * 2) {
    ctx.addIssue({
      code: "custom",
      path: ["lease", "expireMs"],
      message: `${value.lease.expireMs} is less than twice renewMs (${value.lease.renewMs}); a ` +
        `standby would take over from a live connector; write e.g. expireMs: ` +
        `${value.lease.renewMs * 4}`,
    });
  }
}).prefault({});
export type CytubeConnectorSection = z.infer<typeof CytubeConnectorSchema>;

/** The channels a section serves: `channels`, or the single `channel` of older configs. */
export function cytubeChannels(section: CytubeConnectorSection): string[] {
  return section.channels ?? (section.channel !== undefined ? [section.channel] : []);
}

/** Fixes for keys whose generic message would not say what to write. */
export const CYTUBE_CONFIG_FIXES: Readonly<Record<string, string>> = {
  "user.name": 'write the account name, e.g. name: "RoseyBot"',
};
