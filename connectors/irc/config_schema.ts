// deno-lint-ignore-file no-control-regex -- IRC framing (CR, LF, NUL) and CTCP (\x01) are control characters
/**
 * `connectors.irc` in `rosey.yaml`: the IRC networks the bot joins, Twitch chat among them as a
 * profile. Only zod here, so the core's config loader can take this schema without importing
 * the connector.
 *
 * ```yaml
 * connectors:
 *   irc:
 *     networks:
 *       - name: libera
 *         host: irc.libera.chat
 *         port: 6697
 *         tls: true
 *         nick: rosey
 *         channels: ["#rosey"]
 *         sasl: { user: rosey, password: "${IRC_PASSWORD}" }
 *       - name: twitch
 *         profile: twitch          # platform "twitch": tags, badges, Twitch's rate limits
 *         nick: rosey_bot
 *         password: "${TWITCH_OAUTH}"   # oauth:...
 *         channels: ["#somestreamer"]
 * ```
 *
 * @module
 */
import { z } from "zod";

const show = (value: unknown) => JSON.stringify(value);

/** Network names become part of `source.channel` (`libera/#rosey`): no `/`, no spaces. */
export const NETWORK_NAME = /^[A-Za-z0-9_-]{1,32}$/;
/**
 * A channel: `#` or `&` then anything but space, comma, BEL and ":" (RFC 2812 section 1.3,
 * less ":" which some servers treat as a mask separator).
 */
export const IRC_CHANNEL = /^[#&][^\s,\x07:]{1,63}$/;
/** A nickname (RFC 2812 section 2.3.1, with the usual length of modern servers). */
export const IRC_NICK = /^[A-Za-z\[\]\\`_^{|}][A-Za-z0-9\[\]\\`_^{|}-]{0,29}$/;
const HOST = /^[A-Za-z0-9.-]{1,253}$|^\[?[0-9a-fA-F:]+\]?$/;

/**
 * How fast the bot may send: `burst` lines at once, then `perSecond` (a leaky bucket, the model
 * of InspIRCd's command penalty and of most servers' fakelag), or Twitch's "`count` per
 * `windowMs`" window.
 */
export const IrcPacingSchema = z.union([
  z.strictObject({
    burst: z.number().int().min(1).max(1000),
    perSecond: z.number().positive().max(1000),
  }),
  z.strictObject({
    count: z.number().int().min(1).max(10_000),
    windowMs: z.number().int().min(100).max(3_600_000),
  }),
]);
export type IrcPacing = z.infer<typeof IrcPacingSchema>;

export const IrcNetworkSchema = z.strictObject({
  /** Short name, used in `source.channel` (`<name>/<#channel>`) and logs. */
  name: z.string().regex(NETWORK_NAME, {
    error: (issue) =>
      `${show(issue.input)} is not a network name; use 1-32 letters, digits, "_" or "-", ` +
      `e.g. "libera"`,
  }),
  /** `irc` (default) or `twitch`: Twitch chat's capabilities, badges, limits and defaults. */
  profile: z.enum(["irc", "twitch"]).default("irc"),
  /** Server host; Twitch: `irc.chat.twitch.tv` by default. */
  host: z.string().regex(HOST, {
    error: (issue) => `${show(issue.input)} is not a host name; write e.g. "irc.libera.chat"`,
  }).optional(),
  /** Default 6697 with TLS, 6667 without. */
  port: z.number().int().min(1).max(65535).optional(),
  /** TLS (default true for Twitch, false otherwise). */
  tls: z.boolean().optional(),
  /** Check the server's certificate (default true). False only for a test server. */
  tlsVerify: z.boolean().default(true),
  nick: z.string().regex(IRC_NICK, {
    error: (issue) =>
      `${show(issue.input)} is not an IRC nick; start with a letter, up to 30 letters, digits ` +
      'or []\\`_^{|}-, e.g. "rosey"',
  }),
  /** Channels to join, with their `#`. */
  channels: z.array(
    z.string().regex(IRC_CHANNEL, {
      error: (issue) => `${show(issue.input)} is not an IRC channel; write it with its #: "#rosey"`,
    }),
  ).min(1, { error: `no channels; list at least one, e.g. channels: ["#rosey"]` }),
  /** SASL PLAIN login (IRCv3 `sasl`). */
  sasl: z.strictObject({ user: z.string().min(1), password: z.string().min(1) }).optional(),
  /** Server password (`PASS`); Twitch: the `oauth:...` token. */
  password: z.string().min(1).optional(),
  /** Sending pace; defaults per profile (see `defaultPacing`). */
  pacing: IrcPacingSchema.optional(),
  /** Reconnect backoff: first delay and cap, in ms (doubling, with jitter). */
  reconnect: z.strictObject({
    initialDelayMs: z.number().int().min(10).max(600_000).default(2000),
    maxDelayMs: z.number().int().min(10).max(3_600_000).default(120_000),
  }).optional(),
}).superRefine((network, ctx) => {
  if (network.profile === "irc" && network.host === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["host"],
      message: `missing; name the IRC server, e.g. host: "irc.libera.chat"`,
    });
  }
  if (network.profile === "twitch" && !network.password?.startsWith("oauth:")) {
    ctx.addIssue({
      code: "custom",
      path: ["password"],
      message: `Twitch needs an "oauth:..." token as password, e.g. password: "\${TWITCH_OAUTH}"`,
    });
  }
});
export type IrcNetworkConfig = z.infer<typeof IrcNetworkSchema>;

export const IrcConnectorSchema = z.strictObject({
  /** Default true once networks are listed. */
  enabled: z.boolean().default(true),
  networks: z.array(IrcNetworkSchema).default([]),
}).superRefine((value, ctx) => {
  const seen = new Set<string>();
  value.networks.forEach((network, index) => {
    const key = network.name.toLowerCase();
    if (seen.has(key)) {
      ctx.addIssue({
        code: "custom",
        path: ["networks", index, "name"],
        message: `${show(network.name)} is used twice; give each network its own name`,
      });
    }
    seen.add(key);
  });
}).prefault({});
export type IrcConnectorConfig = z.infer<typeof IrcConnectorSchema>;
