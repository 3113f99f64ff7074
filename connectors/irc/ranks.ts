/**
 * IRC channel modes and Twitch badges as the core's ranks (`RANKS`, CyTube's scale).
 *
 * | IRC (prefix)     | Twitch badge  | rank            |
 * | ---------------- | ------------- | --------------- |
 * | owner `~` (+q)   | broadcaster   | 4 owner         |
 * | admin `&` (+a)   |               | 3 admin         |
 * | op `@` (+o)      | moderator     | 2 moderator     |
 * | halfop `%` (+h)  | vip           | 1.5 leader      |
 * | voice `+` (+v)   | subscriber    | 1 user          |
 * | none             | none          | 0 guest         |
 *
 * @module
 */
import { RANKS } from "@quicksilver/core";

const MODE_RANKS: Record<string, number> = {
  q: RANKS.owner,
  a: RANKS.admin,
  o: RANKS.moderator,
  h: RANKS.leader,
  v: RANKS.user,
};

/** The rank of a channel member holding these prefix mode letters (`o`, `v`...). */
export function rankOfModes(modes: Iterable<string>): number {
  let rank: number = RANKS.guest;
  for (const mode of modes) rank = Math.max(rank, MODE_RANKS[mode] ?? RANKS.user);
  return rank;
}

const BADGE_RANKS: Record<string, number> = {
  broadcaster: RANKS.owner,
  moderator: RANKS.moderator,
  vip: RANKS.leader,
  subscriber: RANKS.user,
  founder: RANKS.user,
};

/**
 * The rank for Twitch's `badges` tag (`broadcaster/1,subscriber/12`) and `mod` tag ("1" for
 * moderators): the highest badge that maps.
 */
export function rankOfBadges(badges: string | undefined, mod?: string): number {
  let rank: number = mod === "1" ? RANKS.moderator : RANKS.guest;
  for (const badge of (badges ?? "").split(",")) {
    const name = badge.split("/")[0] ?? "";
    rank = Math.max(rank, BADGE_RANKS[name] ?? RANKS.guest);
  }
  return rank;
}

/** `PREFIX=(qaohv)~&@%+` from RPL_ISUPPORT as mode letter -> prefix character. */
export function parsePrefixSupport(value: string): Map<string, string> {
  const match = /^\(([^)]*)\)(.*)$/.exec(value);
  const map = new Map<string, string>();
  if (!match) return map;
  const [, modes = "", prefixes = ""] = match;
  for (let i = 0; i < modes.length && i < prefixes.length; i++) map.set(modes[i]!, prefixes[i]!);
  return map;
}
