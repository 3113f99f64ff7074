/**
 * The platform names the IRC connector publishes under, in subjects and sources: plain IRC
 * networks are `irc`, networks with `profile: twitch` are `twitch`. A file of its own so that
 * the component and its role load without irc-framework.
 *
 * @module
 */

/** The platform name of plain IRC networks. */
export const IRC_PLATFORM = "irc";
/** The platform name of networks with `profile: twitch`. */
export const TWITCH_PLATFORM = "twitch";
