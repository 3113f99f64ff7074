/**
 * Platform actions (`rosey.platform.cytube.action.<name>`) carried out on a CyTube channel:
 * decoded with the core's `PLATFORM_ACTIONS` schemas, checked against what the channel lets
 * our rank do (CyTube silently ignores most refused actions, so we refuse them first, with a
 * reason), then handed to the client. Pure apart from the client calls, so each refusal can
 * be tested directly.
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

/** Carries out a decoded action on `client`, which serves `channel`. */
export function performAction(
  client: CytubeClient,
  channel: string,
  action: DecodedAction,
): ActionResult {
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
    client.chat(action.payload.text, { literal: true, lane: laneOf(action.payload) });
    return OK;
  }
  if (action.name === "pm") {
    client.pm(action.payload.to, action.payload.text, {
      literal: true,
      lane: laneOf(action.payload),
    });
    return OK;
  }
  if (status !== "ready") {
    return refusal("not_connected", `not in CyTube channel "${channel}" right now (${status})`);
  }
  const check = new RankCheck(client);
  switch (action.name) {
    case "queue": {
      const { media, position, temp } = action.payload;
      const denied = check.canAdd() ??
        (position === "next" ? check.need("playlistnext", "queue media next") : undefined);
      if (denied) return denied;
      client.queueMedia({ id: media.id, type: media.type, pos: position, temp });
      return OK;
    }
    case "delete":
      return check.need("playlistdelete", "delete playlist items") ??
        check.item(action.payload.uid) ?? sent(client.deleteMedia(action.payload.uid));
    case "move": {
      const { uid, after } = action.payload;
      return check.need("playlistmove", "move playlist items") ?? check.item(uid) ??
        (typeof after === "number" ? check.item(after) : undefined) ??
        sent(client.moveMedia(uid, after));
    }
    case "jump":
      return check.need("playlistjump", "jump in the playlist") ??
        check.item(action.payload.uid) ?? sent(client.jumpTo(action.payload.uid));
    case "next":
      return check.need("playlistjump", "skip to the next item") ?? sent(client.playNext());
    case "pause": {
      const self = client.state.self.name;
      if (self === null || client.state.leader?.toLowerCase() !== self.toLowerCase()) {
        return refusal("not_permitted", "pausing needs the leader; the bot is not the leader");
      }
      if (client.state.nowPlaying === null) return refusal("failed", "nothing is playing");
      return sent(client.setPaused(true));
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
      client.kick(target.name, action.payload.reason ?? "");
      return OK;
    }
    case "clearPlaylist":
      return check.need("playlistclear", "clear the playlist") ?? sent(client.clearPlaylist());
    case "clearChat":
      return check.need("chatclear", "clear the chat") ?? (client.chat("/clear"), OK);
    case "afk": {
      const self = client.state.self.name;
      const current = self === null ? false : client.state.user(self)?.afk ?? false;
      // `/afk` toggles; send it only when the state differs.
      if (current !== action.payload.afk) client.chat("/afk");
      return OK;
    }
    case "voteskip":
      if (client.state.options.allow_voteskip === false) {
        return refusal("not_permitted", "voteskip is disabled in this channel");
      }
      return check.need("voteskip", "voteskip") ?? sent(client.voteskip());
  }
}

function sent(handed: boolean): ActionResult {
  return handed ? OK : refusal("not_connected", "the CyTube connection dropped; try again");
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
