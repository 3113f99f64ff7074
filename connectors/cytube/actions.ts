/**
 * Platform actions (`rosey.platform.cytube.action.<name>`) carried out on a CyTube channel:
 * decoded with the core's `PLATFORM_ACTIONS` schemas, checked against what the channel lets
 * our rank do (CyTube silently ignores most refused actions, so we refuse them first, with a
 * reason), then handed to the client, and answered with what the server made of them (its
 * effect, its refusal, or a timeout when it stayed silent).
 *
 * @module
 */

import {
  type ActionResult,
  PLATFORM_ACTIONS,
  type PlatformAction,
  type PlatformActionName,
  sanitizeChatText,
} from "@quicksilver/core";
import { type ActionOutcome, refused } from "./_outcomes.ts";
import type { CytubeClient } from "./client.ts";

/** A decoded action, discriminated on its name. */
export type DecodedAction = {
  [N in PlatformActionName]: { name: N; payload: PlatformAction<N> };
}[PlatformActionName];

/** `src/channel/permissions.js` defaults, for permissions the channel did not send. */
export const DEFAULT_CHANNEL_PERMISSIONS: Readonly<Record<string, number>> = {
  playlistadd: 1.5,
  playlistnext: 1.5,
  oplaylistadd: -1,
  playlistmove: 1.5,
  playlistdelete: 2,
  playlistjump: 1.5,
  playlistclear: 2,
  chatclear: 2,
  kick: 1.5,
  voteskip: -1,
};

/** The error half of an {@linkcode ActionResult}. */
export function refusal(code: string, message: string): ActionResult {
  return { ok: false, error: { code, message: message.slice(0, 500) } };
}

const OK: ActionResult = { ok: true };

function isActionName(name: string): name is PlatformActionName {
  return Object.hasOwn(PLATFORM_ACTIONS, name);
}

/**
 * The action with every text people will read made safe to show: whoever published it (the
 * router cleans plugin text already; the moderator service, a tool), no control or bidi
 * character reaches the channel (`sanitizeChatText`). Undefined when nothing is left to say.
 */
function withCleanText(action: DecodedAction): DecodedAction | undefined {
  if (action.name === "chat" || action.name === "pm") {
    const text = sanitizeChatText(action.payload.text);
    return text.trim()
      ? { ...action, payload: { ...action.payload, text } } as DecodedAction
      : undefined;
  }
  if (action.name === "kick" && action.payload.reason !== undefined) {
    const reason = sanitizeChatText(action.payload.reason).replaceAll("\n", " ");
    return { ...action, payload: { ...action.payload, reason } };
  }
  return action;
}

/**
 * The pacing lane of a chat or PM action: who asked (plugin or service) and for whom, so every
 * (plugin, user) pair takes its turn in the connector's one outbound queue.
 */
function laneOf(action: { origin?: string | undefined; replyTo?: string | undefined }): string {
  return `${action.origin ?? ""}\u0000${action.replyTo?.toLowerCase() ?? ""}`;
}

/**
 * Decodes an action by name; an unknown name, a bad payload or a text that is empty once its
 * control characters are removed is an `invalid` refusal.
 */
export function decodeAction(
  name: string,
  value: unknown,
): { ok: true; action: DecodedAction } | { ok: false; result: ActionResult } {
  if (!isActionName(name)) {
    return {
      ok: false,
      result: refusal(
        "invalid",
        `unknown CyTube action "${name}"; use one of ${Object.keys(PLATFORM_ACTIONS).join(", ")}`,
      ),
    };
  }
  const parsed = PLATFORM_ACTIONS[name].safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3)
      .map((issue) => `${issue.path.join(".") || "(payload)"}: ${issue.message}`)
      .join("; ");
    return { ok: false, result: refusal("invalid", `action "${name}" rejected: ${issues}`) };
  }
  const action = withCleanText({ name, payload: parsed.data } as DecodedAction);
  if (action) return { ok: true, action };
  return {
    ok: false,
    result: refusal("invalid", "nothing to say once control characters are removed"),
  };
}

/**
 * Carries out a decoded action on `client`, which serves `channel`, and resolves with what
 * the server made of it: `ok` only once the server's own answer shows the effect (our chat
 * or PM echoed, the `queue`/`delete`/`moveVideo`/`setCurrent` broadcast, the kicked user's
 * `userLeave`, ...); `failed` with the server's words when it refused (`errorMsg`,
 * `queueFail`, `noflood`); `timeout` when it stayed silent (many refusals are silent).
 * The answers each action waits for are from calzoneman/sync: src/channel/chat.js (chat,
 * pm, /clear, /afk), src/channel/playlist.js (queue, delete, moveMedia, jumpTo, playNext,
 * clearPlaylist, mediaUpdate), src/channel/kickban.js (/kick), src/channel/voteskip.js.
 */
export async function performAction(
  client: CytubeClient,
  channel: string,
  action: DecodedAction,
  options: {
    /** Chat chunks the channel already shows (see `CytubeClient.chatOutcome`): not said again. */
    shown?: (msg: string) => boolean;
  } = {},
): Promise<ActionResult> {
  if (action.payload.channel.toLowerCase() !== channel.toLowerCase()) {
    return refusal(
      "invalid",
      `this connector serves CyTube channel "${channel}", not "${action.payload.channel}"`,
    );
  }
  const status = client.status;
  if (status === "kicked" || status === "failed" || status === "closed") {
    return refusal("not_connected", `not connected to CyTube channel "${channel}" (${status})`);
  }
  // Chat and PMs are held while the socket reconnects; everything else needs a session.
  if (action.name === "chat") {
    // Text from plugins and services is chat, never a CyTube command run with the bot's rank.
    return result(
      await client.chatOutcome(action.payload.text, {
        literal: true,
        lane: laneOf(action.payload),
        ...(options.shown ? { shown: options.shown } : {}),
      }),
    );
  }
  if (action.name === "pm") {
    return result(
      await client.pmOutcome(action.payload.to, action.payload.text, {
        literal: true,
        lane: laneOf(action.payload),
      }),
    );
  }
  if (status !== "ready") {
    return refusal("not_connected", `not in CyTube channel "${channel}" right now (${status})`);
  }
  const denied = precheck(client, action);
  if (denied) return denied;
  return result(await carryOut(client, action));
}

// What the channel state already tells us will be refused; CyTube ignores most of these
// silently, so saying why here beats a timeout.
function precheck(client: CytubeClient, action: DecodedAction): ActionResult | undefined {
  const check = new RankCheck(client);
  switch (action.name) {
    case "queue":
      return check.canAdd() ??
        (action.payload.position === "next"
          ? check.need("playlistnext", "queue media next")
          : undefined);
    case "delete":
      return check.need("playlistdelete", "delete playlist items") ??
        check.item(action.payload.uid);
    case "move": {
      const { uid, after } = action.payload;
      return check.need("playlistmove", "move playlist items") ?? check.item(uid) ??
        (typeof after === "number" ? check.item(after) : undefined);
    }
    case "jump":
      return check.need("playlistjump", "jump in the playlist") ??
        check.item(action.payload.uid);
    case "next":
      return check.need("playlistjump", "skip to the next item");
    case "pause": {
      const self = client.state.self.name;
      if (self === null || client.state.leader?.toLowerCase() !== self.toLowerCase()) {
        return refusal("not_permitted", "pausing needs the leader; the bot is not the leader");
      }
      return client.state.nowPlaying === null ? refusal("failed", "nothing is playing") : undefined;
    }
    case "kick": {
      const denied = check.need("kick", "kick users");
      if (denied) return denied;
      const target = client.state.user(action.payload.user);
      if (target === undefined) {
        return refusal("failed", `no user "${action.payload.user}" in the channel`);
      }
      if (target.rank >= client.state.self.rank) {
        return refusal(
          "not_permitted",
          `cannot kick ${target.name}: their rank (${target.rank}) is not below the bot's ` +
            `(${client.state.self.rank})`,
        );
      }
      return undefined;
    }
    case "clearPlaylist":
      return check.need("playlistclear", "clear the playlist");
    case "clearChat":
      return check.need("chatclear", "clear the chat");
    case "voteskip":
      if (client.state.options.allow_voteskip === false) {
        return refusal("not_permitted", "voteskip is disabled in this channel");
      }
      return check.need("voteskip", "voteskip");
    default:
      return undefined;
  }
}

const OK_OUTCOME: ActionOutcome = { ok: true };

function carryOut(client: CytubeClient, action: DecodedAction): Promise<ActionOutcome> {
  const self = () => client.state.self.name?.toLowerCase() ?? "";
  switch (action.name) {
    case "queue": {
      const { media, position, temp } = action.payload;
      // playlist.js: success broadcasts `queue` with the item (queueby = us); every refusal
      // is `queueFail {msg, link, id}` with the id we sent.
      return client.performAndWait(
        `adding ${media.type}:${media.id}`,
        (frame) => {
          if (frame.event === "queueFail" && frame.data.id === media.id) {
            return refused(frame.data.msg);
          }
          if (
            frame.event === "queue" && frame.data.item.media.id === media.id &&
            frame.data.item.queueby.toLowerCase() === self()
          ) return OK_OUTCOME;
          return undefined;
        },
        () => client.queueMedia({ id: media.id, type: media.type, pos: position, temp }),
      );
    }
    case "delete": {
      const { uid } = action.payload;
      return client.performAndWait(
        `deleting item ${uid}`,
        (frame) => frame.event === "delete" && frame.data.uid === uid ? OK_OUTCOME : undefined,
        () => client.deleteMedia(uid),
      );
    }
    case "move": {
      const { uid, after } = action.payload;
      return client.performAndWait(
        `moving item ${uid}`,
        (frame) => frame.event === "moveVideo" && frame.data.from === uid ? OK_OUTCOME : undefined,
        () => client.moveMedia(uid, after),
      );
    }
    case "jump": {
      const { uid } = action.payload;
      return client.performAndWait(
        `jumping to item ${uid}`,
        (frame) => frame.event === "setCurrent" && frame.data === uid ? OK_OUTCOME : undefined,
        () => client.jumpTo(uid),
      );
    }
    case "next":
      return client.performAndWait(
        "skipping to the next item",
        (frame) =>
          frame.event === "setCurrent" || frame.event === "changeMedia" ? OK_OUTCOME : undefined,
        () => client.playNext(),
      );
    case "pause":
      return client.performAndWait(
        "pausing",
        (frame) => frame.event === "mediaUpdate" && frame.data.paused ? OK_OUTCOME : undefined,
        () => client.setPaused(true),
      );
    case "kick": {
      const target = client.state.user(action.payload.user)?.name ?? action.payload.user;
      // kickban.js handleCmdKick: the target's `userLeave`, or errorMsg "You do not have
      // permission to kick x" / "No kick target specified...".
      return client.performAndWait(
        `kicking ${target}`,
        (frame) => {
          if (
            frame.event === "userLeave" && frame.data.name.toLowerCase() === target.toLowerCase()
          ) return OK_OUTCOME;
          if (frame.event === "errorMsg" && /kick/i.test(frame.data.msg)) {
            return refused(frame.data.msg);
          }
          return undefined;
        },
        () => {
          client.kick(target, action.payload.reason ?? "");
          return true;
        },
      );
    }
    case "clearPlaylist":
      return client.performAndWait(
        "clearing the playlist",
        (frame) => frame.event === "playlist" && frame.data.length === 0 ? OK_OUTCOME : undefined,
        () => client.clearPlaylist(),
      );
    case "clearChat":
      // chat.js handleCmdClear broadcasts `clearchat`.
      return client.performAndWait(
        "clearing the chat",
        (frame) => frame.event === "clearchat" ? OK_OUTCOME : undefined,
        () => (client.chat("/clear"), true),
      );
    case "afk": {
      const name = client.state.self.name;
      const current = name === null ? false : client.state.user(name)?.afk ?? false;
      if (current === action.payload.afk) return Promise.resolve(OK_OUTCOME);
      // `/afk` toggles; the server answers with `setAFK` for us (channel.js user.on('afk')).
      return client.performAndWait(
        action.payload.afk ? "going AFK" : "coming back from AFK",
        (frame) =>
          frame.event === "setAFK" && frame.data.name.toLowerCase() === self() &&
            frame.data.afk === action.payload.afk
            ? OK_OUTCOME
            : undefined,
        () => (client.chat("/afk"), true),
      );
    }
    case "voteskip": {
      // voteskip.js answers with `voteskip {count, need}` only to ranks with viewvoteskip.
      const see = client.state.permissions.viewvoteskip ?? 1.5;
      if (client.state.self.rank < see) {
        return Promise.resolve(client.voteskip() ? OK_OUTCOME : refused("not connected"));
      }
      return client.performAndWait(
        "the voteskip",
        (frame) => frame.event === "voteskip" ? OK_OUTCOME : undefined,
        () => client.voteskip(),
      );
    }
    case "chat":
    case "pm":
      // Handled by performAction before the session checks.
      return Promise.resolve(OK_OUTCOME);
  }
}

function result(outcome: ActionOutcome): ActionResult {
  if (outcome.ok) return OK;
  switch (outcome.code) {
    case "refused":
      return refusal("failed", `CyTube refused: ${outcome.reason}`);
    case "timeout":
      return refusal("timeout", outcome.reason);
    case "disconnected":
      return refusal("not_connected", outcome.reason);
  }
}

/** Our rank against the channel's permission table. */
class RankCheck {
  readonly #client: CytubeClient;
  constructor(client: CytubeClient) {
    this.#client = client;
  }

  #required(permission: string): number {
    return this.#client.state.permissions[permission] ??
      DEFAULT_CHANNEL_PERMISSIONS[permission] ?? 0;
  }

  /** A `not_permitted` refusal when our rank is below the channel's `permission`. */
  need(permission: string, what: string): ActionResult | undefined {
    const required = this.#required(permission);
    const rank = this.#client.state.self.rank;
    if (rank >= required) return undefined;
    return refusal(
      "not_permitted",
      `the bot's rank (${rank}) may not ${what} here: the channel requires ${required} ` +
        `("${permission}")`,
    );
  }

  /** Adding media: `playlistadd`, or `oplaylistadd` while the playlist is open (unlocked). */
  canAdd(): ActionResult | undefined {
    const rank = this.#client.state.self.rank;
    if (!this.#client.state.playlistLocked && rank >= this.#required("oplaylistadd")) {
      return undefined;
    }
    return this.need("playlistadd", "add media");
  }

  /** A `failed` refusal when no playlist item has this uid. */
  item(uid: number): ActionResult | undefined {
    return this.#client.state.item(uid) === undefined
      ? refusal("failed", `no playlist item with uid ${uid}`)
      : undefined;
  }
}
