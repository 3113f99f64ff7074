/** The CyTube connector's section of `rosey.yaml` (`connectors.cytube`). */
import { z } from "zod";

const show = (value: unknown) => JSON.stringify(value);

export const CytubeConnectorSchema = z.strictObject({
  /** Off by default: a fresh clone chats in the local console only. */
  enabled: z.boolean().default(false),
  server: z.url({
    error: (issue) => `${show(issue.input)} is not a URL; write e.g. "https://cytu.be"`,
  }).default("https://cytu.be"),
  /** The channel name as in the URL: `mychannel` for https://cytu.be/r/mychannel. */
  channel: z.string().regex(/^[A-Za-z0-9_-]{1,30}$/, {
    error: (issue) =>
      `${show(issue.input)} is not a channel name; write the part after /r/ in the ` +
      `channel URL, e.g. "mychannel"`,
  }).optional(),
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
}).superRefine((value, ctx) => {
  if (value.enabled && value.channel === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["channel"],
      message: `missing; CyTube is enabled, so name the channel to join, e.g. channel: "mychannel"`,
    });
  }
}).prefault({});
export type CytubeConnectorSection = z.infer<typeof CytubeConnectorSchema>;

/** Fixes for keys whose generic message would not say what to write. */
export const CYTUBE_CONFIG_FIXES: Readonly<Record<string, string>> = {
  "user.name": 'write the account name, e.g. name: "RoseyBot"',
};
