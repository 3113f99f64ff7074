/**
 * One IRC line as the connector reads it: IRCv3 tags (unescaped), the source's nick, user and
 * host, the command and its parameters. Parsing is irc-framework's (`ircLineParser`, which
 * follows the IRCv3 message-tags spec for escaping); this module only gives it a typed face.
 *
 * @module
 */
import IRC from "irc-framework";

export interface IrcLine {
  tags: Record<string, string>;
  /** The source's nick, or the server name for server lines. */
  nick: string;
  ident: string;
  host: string;
  /** Upper case: `PRIVMSG`, `JOIN`, `001`. */
  command: string;
  params: string[];
}

/** Parses one line (without CRLF); undefined for a line that is not IRC. */
export function parseIrcLine(raw: string): IrcLine | undefined {
  // deno-lint-ignore no-explicit-any
  const parsed: any = (IRC as any).ircLineParser(raw);
  if (!parsed || typeof parsed.command !== "string" || parsed.command === "") return undefined;
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed.tags ?? {})) {
    tags[key] = typeof value === "string" ? value : "";
  }
  return {
    tags,
    nick: String(parsed.nick || parsed.prefix || ""),
    ident: String(parsed.ident ?? ""),
    host: String(parsed.hostname ?? ""),
    command: parsed.command,
    params: (parsed.params ?? []).map(String),
  };
}

/**
 * When the server says the line happened, in ms since the epoch: IRCv3 server-time (`time`,
 * ISO 8601), or Twitch's `tmi-sent-ts` (ms); undefined if absent or bad.
 */
export function serverTime(line: IrcLine): number | undefined {
  const iso = line.tags["time"];
  if (iso) {
    const ms = Date.parse(iso);
    if (Number.isFinite(ms)) return ms;
  }
  const twitch = Number(line.tags["tmi-sent-ts"]);
  return Number.isInteger(twitch) && twitch > 0 ? twitch : undefined;
}

/** IRC case folding (rfc1459 casemapping: `[]\~` are the upper case of `{}|^`). */
export function ircLower(text: string, casemapping = "rfc1459"): string {
  const lower = text.toLowerCase();
  if (casemapping === "ascii") return lower;
  return lower.replace(/[\[\]\\~]/g, (c) => ({ "[": "{", "]": "}", "\\": "|", "~": "^" })[c]!);
}
