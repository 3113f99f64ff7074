// deno-lint-ignore-file no-control-regex -- IRC framing (CR, LF, NUL) and CTCP (\x01) are control characters
/**
 * What the bot knows about one IRC network, built from the lines the server sends, and the
 * normalized events those lines mean. Pure: no socket, no bus, so recorded lines (InspIRCd's,
 * Twitch's) test it directly.
 *
 * - Channels and members with their prefix modes (NAMES 353/366, JOIN, PART, KICK, QUIT,
 *   NICK, MODE), from which ranks come ({@linkcode rankOfModes}); on Twitch, ranks come from
 *   each message's badges ({@linkcode rankOfBadges}).
 * - A channel line stamped (IRCv3 server-time) before the bot's own JOIN of that channel is
 *   backlog (InspIRCd's chanhistory, a bouncer's playback): it is reported as such and never
 *   becomes a `message`, so a replayed `!command` is never answered twice.
 * - CTCP VERSION, PING, CLIENTINFO and TIME sent to the bot get their NOTICE answer.
 *
 * @module
 */
import {
  EVENT_TYPES,
  type EventType,
  type MessagePayload,
  RANKS,
  type User,
} from "@quicksilver/core";
import { type IrcLine, ircLower, serverTime } from "./irc_line.ts";
import { parsePrefixSupport, rankOfBadges, rankOfModes } from "./ranks.ts";

/** `irc` or `twitch`: which tags and rank rules apply. */
export type IrcProfile = "irc" | "twitch";

/** One normalized event for a channel of this network (`channel` is the IRC name). */
export interface IrcEvent {
  type: EventType;
  channel: string;
  payload: unknown;
  time: number;
}

/** What handling one line produced. */
export interface LineOutcome {
  events: IrcEvent[];
  /** Raw lines to send back (CTCP answers). */
  replies: string[];
  /** A channel line older than the bot's join, not turned into a message. */
  backlog?: boolean;
  /** The server said our nick is taken (433) or erroneous (432). */
  nickRefused?: string;
  /** Our own (Twitch) badges changed in a channel: the pacing may change. */
  selfBadges?: { channel: string; rank: number };
}

export interface Member {
  nick: string;
  modes: Set<string>;
  /** Twitch: the rank from the member's latest badges. */
  badgeRank?: number;
  displayName?: string;
  id?: string;
}

export interface ChannelInfo {
  name: string;
  members: Map<string, Member>;
  /** Server time of our JOIN (local time if the server sends none). */
  joinedAt: number;
  /** NAMES finished: presence was reported. */
  synced: boolean;
  topic?: string;
  /** The last message id (IRCv3 msgid / Twitch id) of each member, for reply threads. */
  lastMessageId: Map<string, { id: string; at: number }>;
}

export interface NetworkStateOptions {
  profile: IrcProfile;
  nick: string;
  /** CTCP VERSION answer. */
  version: string;
  now?: () => number;
}

/** The state of one network connection and the line-to-event mapping. */
export class IrcNetworkState {
  readonly profile: IrcProfile;
  readonly channels = new Map<string, ChannelInfo>();
  nick: string;
  /** `nick!user@host` as others see us (from our own JOIN), for line-length budgets. */
  mask: string | undefined;
  /** mode letter -> prefix char (`o` -> `@`), from ISUPPORT PREFIX. */
  prefixes = new Map([["o", "@"], ["v", "+"]]);
  casemapping = "rfc1459";
  hostLen = 63;
  userLen = 10;
  /** CHANMODES groups A,B,C (which modes take a parameter). */
  chanModes: [string, string, string] = ["beI", "k", "l"];
  registered = false;
  readonly #version: string;
  readonly #now: () => number;

  constructor(options: NetworkStateOptions) {
    this.profile = options.profile;
    this.nick = options.nick;
    this.#version = options.version;
    this.#now = options.now ?? Date.now;
  }

  /** Folds a nick or channel for comparison, by the server's CASEMAPPING. */
  key(name: string): string {
    return ircLower(name, this.casemapping);
  }

  isSelf(nick: string): boolean {
    return this.key(nick) === this.key(this.nick);
  }

  channel(name: string): ChannelInfo | undefined {
    return this.channels.get(this.key(name));
  }

  /** The member's rank in a channel (0 if not there). */
  rankIn(channel: string, nick: string): number {
    const member = this.channel(channel)?.members.get(this.key(nick));
    if (!member) return RANKS.guest;
    if (this.profile === "twitch") return member.badgeRank ?? RANKS.guest;
    return rankOfModes(member.modes);
  }

  /** Our own rank in a channel. */
  selfRank(channel: string): number {
    return this.rankIn(channel, this.nick);
  }

  /** The channel shared with `nick` where they rank highest (for PMs), if any. */
  bestChannelOf(nick: string): string | undefined {
    let best: { name: string; rank: number } | undefined;
    for (const channel of this.channels.values()) {
      if (!channel.members.has(this.key(nick))) continue;
      const rank = this.rankIn(channel.name, nick);
      if (!best || rank > best.rank) best = { name: channel.name, rank };
    }
    return best?.name;
  }

  /** Forgets channels (disconnected): a rejoin starts afresh. */
  reset(): void {
    this.channels.clear();
    this.registered = false;
  }

  /** Applies one line from the server and returns what it means. */
  handle(line: IrcLine): LineOutcome {
    const out: LineOutcome = { events: [], replies: [] };
    const time = serverTime(line) ?? this.#now();
    const p = line.params;
    switch (line.command) {
      case "001":
        this.registered = true;
        if (p[0]) this.nick = p[0];
        break;
      case "005":
        this.#isupport(p.slice(1, -1));
        break;
      case "432":
      case "433":
        out.nickRefused = p[1] ?? this.nick;
        break;
      case "JOIN":
        this.#join(line, time, out);
        break;
      case "353":
        this.#names(p[2] ?? "", p[3] ?? "");
        break;
      case "366":
        this.#namesEnd(p[1] ?? "", time, out);
        break;
      case "PART":
        this.#leave(p[0] ?? "", line.nick, time, out, `left: ${p[1] ?? ""}`.trim());
        break;
      case "KICK":
        this.#leave(p[0] ?? "", p[1] ?? "", time, out, `kicked by ${line.nick}: ${p[2] ?? ""}`);
        break;
      case "QUIT":
        for (const channel of [...this.channels.values()]) {
          if (channel.members.has(this.key(line.nick))) {
            this.#leave(channel.name, line.nick, time, out, "quit");
          }
        }
        break;
      case "NICK":
        this.#renick(line.nick, p[0] ?? "", time, out);
        break;
      case "MODE":
        this.#mode(p, time, out);
        break;
      case "TOPIC": {
        const channel = this.channel(p[0] ?? "");
        if (channel) channel.topic = p[1] ?? "";
        break;
      }
      case "332": {
        const channel = this.channel(p[1] ?? "");
        if (channel) channel.topic = p[2] ?? "";
        break;
      }
      case "USERSTATE":
        this.#userstate(line, out);
        break;
      case "PRIVMSG":
        this.#privmsg(line, time, out);
        break;
    }
    return out;
  }

  #isupport(tokens: string[]) {
    for (const token of tokens) {
      const [name = "", value = ""] = token.split("=", 2);
      switch (name) {
        case "PREFIX":
          if (value) this.prefixes = parsePrefixSupport(value);
          break;
        case "CASEMAPPING":
          this.casemapping = value || "rfc1459";
          break;
        case "HOSTLEN":
          this.hostLen = Number(value) || this.hostLen;
          break;
        case "USERLEN":
          this.userLen = Number(value) || this.userLen;
          break;
        case "CHANMODES": {
          const [a = "", b = "", c = ""] = value.split(",");
          this.chanModes = [a, b, c];
          break;
        }
      }
    }
  }

  #user(channel: ChannelInfo, nick: string): User {
    const member = channel.members.get(this.key(nick));
    const name = member?.displayName ?? nick;
    return {
      name,
      rank: this.rankIn(channel.name, nick),
      ...(member?.id !== undefined ? { id: member.id } : {}),
    };
  }

  #join(line: IrcLine, time: number, out: LineOutcome) {
    const name = line.params[0] ?? "";
    if (this.isSelf(line.nick)) {
      this.mask = `${line.nick}!${line.ident}@${line.host}`;
      this.channels.set(this.key(name), {
        name,
        members: new Map([[this.key(line.nick), { nick: line.nick, modes: new Set() }]]),
        joinedAt: time,
        synced: false,
        lastMessageId: new Map(),
      });
      return;
    }
    const channel = this.channel(name);
    if (!channel) return;
    channel.members.set(this.key(line.nick), { nick: line.nick, modes: new Set() });
    if (channel.synced) {
      out.events.push({
        type: EVENT_TYPES.userJoin,
        channel: channel.name,
        payload: { user: this.#user(channel, line.nick) },
        time,
      });
    }
  }

  #names(channelName: string, list: string) {
    const channel = this.channel(channelName);
    if (!channel) return;
    const prefixChars = new Map([...this.prefixes].map(([mode, char]) => [char, mode]));
    for (const entry of list.split(" ")) {
      if (!entry) continue;
      const modes = new Set<string>();
      let i = 0;
      // multi-prefix may list several (`@+nick`); userhost-in-names adds `!user@host`.
      while (i < entry.length && prefixChars.has(entry[i]!)) {
        modes.add(prefixChars.get(entry[i++]!)!);
      }
      const nick = entry.slice(i).split("!")[0] ?? "";
      if (!nick) continue;
      const existing = channel.members.get(this.key(nick));
      if (existing) { for (const mode of modes) existing.modes.add(mode); }
      else channel.members.set(this.key(nick), { nick, modes });
    }
  }

  #namesEnd(channelName: string, time: number, out: LineOutcome) {
    const channel = this.channel(channelName);
    if (!channel || channel.synced) return;
    channel.synced = true;
    const users: User[] = [];
    for (const member of channel.members.values()) {
      if (!this.isSelf(member.nick)) users.push(this.#user(channel, member.nick));
    }
    out.events.push(
      {
        type: EVENT_TYPES.channelJoined,
        channel: channel.name,
        payload: { self: this.#user(channel, this.nick) },
        time,
      },
      { type: EVENT_TYPES.channelPresence, channel: channel.name, payload: { users }, time },
    );
  }

  #leave(channelName: string, nick: string, time: number, out: LineOutcome, reason: string) {
    const channel = this.channel(channelName);
    if (!channel) return;
    if (this.isSelf(nick)) {
      this.channels.delete(this.key(channelName));
      out.events.push({
        type: EVENT_TYPES.channelLeft,
        channel: channel.name,
        payload: { reason: reason.slice(0, 500) },
        time,
      });
      return;
    }
    if (!channel.members.delete(this.key(nick))) return;
    out.events.push({
      type: EVENT_TYPES.userLeave,
      channel: channel.name,
      payload: { user: { name: nick } },
      time,
    });
  }

  #renick(from: string, to: string, time: number, out: LineOutcome) {
    if (!to) return;
    if (this.isSelf(from)) this.nick = to;
    for (const channel of this.channels.values()) {
      const member = channel.members.get(this.key(from));
      if (!member) continue;
      channel.members.delete(this.key(from));
      member.nick = to;
      channel.members.set(this.key(to), member);
      if (this.isSelf(to)) continue;
      // Presence sees the old name leave and the new one join (same rank); then `user.rename`
      // says it is the same person, for what follows a person (the AI plugin's memory).
      out.events.push(
        {
          type: EVENT_TYPES.userLeave,
          channel: channel.name,
          payload: { user: { name: from } },
          time,
        },
        {
          type: EVENT_TYPES.userJoin,
          channel: channel.name,
          payload: { user: this.#user(channel, to) },
          time,
        },
        { type: EVENT_TYPES.userRename, channel: channel.name, payload: { from, to }, time },
      );
    }
  }

  #mode(p: string[], time: number, out: LineOutcome) {
    const channel = this.channel(p[0] ?? "");
    if (!channel) return;
    const [always, typeB, whenSet] = this.chanModes;
    let adding = true;
    let arg = 2;
    const changed = new Set<string>();
    for (const letter of p[1] ?? "") {
      if (letter === "+" || letter === "-") {
        adding = letter === "+";
        continue;
      }
      if (this.prefixes.has(letter)) {
        const nick = p[arg++] ?? "";
        const member = channel.members.get(this.key(nick));
        if (!member) continue;
        if (adding) member.modes.add(letter);
        else member.modes.delete(letter);
        changed.add(member.nick);
      } else if (always.includes(letter) || typeB.includes(letter)) {
        arg++;
      } else if (whenSet.includes(letter) && adding) {
        arg++;
      }
    }
    for (const nick of changed) {
      out.events.push({
        type: EVENT_TYPES.userUpdate,
        channel: channel.name,
        payload: { user: { name: nick }, rank: this.rankIn(channel.name, nick) },
        time,
      });
    }
  }

  /** Twitch's USERSTATE: our own badges in a channel. */
  #userstate(line: IrcLine, out: LineOutcome) {
    const channel = this.channel(line.params[0] ?? "");
    if (!channel) return;
    const self = channel.members.get(this.key(this.nick));
    const rank = rankOfBadges(line.tags["badges"], line.tags["mod"]);
    if (self) self.badgeRank = rank;
    out.selfBadges = { channel: channel.name, rank };
  }

  #privmsg(line: IrcLine, time: number, out: LineOutcome) {
    const [target = "", rawText = ""] = line.params;
    if (!line.nick || line.nick.includes(".") && !line.ident) return; // server notices
    let text = rawText;
    let action = false;
    if (text.startsWith("\x01")) {
      const body = text.slice(1).replace(/\x01$/, "");
      const [verb = "", ...rest] = body.split(" ");
      if (verb.toUpperCase() !== "ACTION") {
        if (this.isSelf(target)) this.#ctcp(line.nick, verb.toUpperCase(), rest.join(" "), out);
        return;
      }
      text = rest.join(" ");
      action = true;
    }
    if (this.isSelf(line.nick)) return; // our own line echoed (echo-message)
    // STATUSMSG (`@#chan`: to the channel's ops only) is still the channel, never a PM.
    const channelName = target.replace(/^[~&@%+]+(?=[#&])/, "");
    const isChannel = this.isChannel(channelName);
    if (!isChannel && !this.isSelf(target)) return; // to someone else: not for us
    const channel = isChannel ? this.channel(channelName) : this.#pmChannel(line.nick);
    if (!channel) return;
    if (this.profile === "twitch" && isChannel) this.#twitchMember(channel, line);
    // A reply joins the thread of what it answers: Twitch threads hang off their first
    // message (`reply-thread-parent-msg-id`), so an answer to a reply names that one.
    const id = line.tags["reply-thread-parent-msg-id"] ?? line.tags["msgid"] ?? line.tags["id"];
    if (isChannel && id) {
      channel.lastMessageId.set(this.key(line.nick), { id, at: this.#now() });
    }
    if (isChannel && time < channel.joinedAt) {
      out.backlog = true;
      return;
    }
    const payload: MessagePayload = {
      user: this.#user(channel, line.nick),
      text: text.slice(0, 10_000),
      ...(action ? { action: true } : {}),
      ...(isChannel ? {} : { to: this.nick }),
    };
    out.events.push({
      type: isChannel ? EVENT_TYPES.message : EVENT_TYPES.privateMessage,
      channel: channel.name,
      payload,
      time,
    });
  }

  isChannel(target: string): boolean {
    return target.startsWith("#") || target.startsWith("&");
  }

  /** Where a PM from `nick` is filed: their best shared channel, else our first channel. */
  #pmChannel(nick: string): ChannelInfo | undefined {
    const best = this.bestChannelOf(nick);
    if (best) return this.channel(best);
    return this.channels.values().next().value;
  }

  #twitchMember(channel: ChannelInfo, line: IrcLine) {
    const key = this.key(line.nick);
    const member = channel.members.get(key) ?? { nick: line.nick, modes: new Set<string>() };
    member.badgeRank = rankOfBadges(line.tags["badges"], line.tags["mod"]);
    const display = line.tags["display-name"];
    // A display name differs from the login in case only, or is localized (CJK): either is
    // what people see in chat.
    if (display) member.displayName = display;
    if (line.tags["user-id"]) member.id = line.tags["user-id"];
    channel.members.set(key, member);
  }

  #ctcp(nick: string, verb: string, arg: string, out: LineOutcome) {
    const answer = (text: string) => out.replies.push(`NOTICE ${nick} :\x01${text}\x01`);
    switch (verb) {
      case "VERSION":
        answer(`VERSION ${this.#version}`);
        break;
      case "PING":
        answer(`PING ${arg.replace(/[\x00-\x1f]/g, "").slice(0, 64)}`.trim());
        break;
      case "TIME":
        answer(`TIME ${new Date(this.#now()).toUTCString()}`);
        break;
      case "CLIENTINFO":
        answer("CLIENTINFO ACTION CLIENTINFO PING TIME VERSION");
        break;
    }
  }
}
