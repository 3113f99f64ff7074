// deno-lint-ignore-file no-control-regex -- IRC framing (CR, LF, NUL) and CTCP (\x01) are control characters
/**
 * The actions an IRC connector carries out (`rosey.platform.<irc|twitch>.action.<name>`):
 * the core's `chat`, `pm` and `kick`, plus IRC's own `me` (a CTCP ACTION), `ban` (+b on
 * `nick!*@*`, then a kick) and `topic`. Each is decoded here, once, at the edge.
 *
 * @module
 */
import { type ActionResult, ChatActionSchema, PLATFORM_ACTIONS } from "@quicksilver/core";
import { z } from "zod";

const Target = z.object({
  channel: z.string().min(1).max(200),
  origin: z.string().max(100).optional(),
});

/** Every action name this connector knows, with its payload schema. */
export const IRC_ACTIONS = {
  chat: PLATFORM_ACTIONS.chat,
  pm: PLATFORM_ACTIONS.pm,
  kick: PLATFORM_ACTIONS.kick,
  /** `/me` style: the text as a CTCP ACTION. */
  me: ChatActionSchema,
  ban: Target.extend({
    user: z.string().min(1).max(100),
    reason: z.string().max(300).optional(),
  }),
  topic: Target.extend({ topic: z.string().max(1000) }),
} as const;
export type IrcActionName = keyof typeof IRC_ACTIONS;
export type IrcAction = {
  [N in IrcActionName]: { name: N; value: z.infer<typeof IRC_ACTIONS[N]> };
}[IrcActionName];

/** A refusal as an ActionResult. */
export function refusal(code: string, message: string): ActionResult {
  return { ok: false, error: { code, message: message.slice(0, 500) } };
}

/** Decodes an action by name; a refusal says what is wrong. */
export function decodeIrcAction(
  name: string,
  value: unknown,
): { ok: true; action: IrcAction } | { ok: false; result: ActionResult } {
  if (!Object.hasOwn(IRC_ACTIONS, name)) {
    return {
      ok: false,
      result: refusal(
        "unsupported",
        `IRC has no "${name}" action; it carries out ${Object.keys(IRC_ACTIONS).join(", ")}`,
      ),
    };
  }
  const schema = IRC_ACTIONS[name as IrcActionName];
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join(".") || "(payload)";
    return { ok: false, result: refusal("invalid", `${name}: ${where}: ${issue?.message ?? ""}`) };
  }
  return { ok: true, action: { name, value: parsed.data } as IrcAction };
}

/** IRC parameters cannot hold spaces, CR, LF or NUL; a nick or channel with them is refused. */
export function isIrcToken(text: string): boolean {
  return /^[^\s\x00,:][^\s\x00,]*$/.test(text);
}
