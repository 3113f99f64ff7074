/**
 * Command request/reply between the command dispatcher and a plugin
 * (`rosey.commands.<plugin>.execute`), and the output a plugin or service asks a platform to
 * carry out.
 */
import { z } from "./_zod.ts";
import { SourceSchema, UserSchema } from "./_schemas.ts";
import { COMMAND_ERROR_CODES, MAX_COMMAND_DEADLINE_MS } from "./constants.ts";

/** A string of `min`..`max` characters. */
const str = (max: number, min = 0) =>
  z.string().check(...(min > 0 ? [z.minLength(min)] : []), z.maxLength(max));

export const CommandExecuteSchema = z.object({
  /** The command as the plugin declared it (aliases resolved): `roll`. */
  command: str(64, 1),
  /** Arguments, shell-style: quotes grouped, quotes removed. */
  args: z.array(str(2000)).check(z.maxLength(100)),
  /** Everything after the command word, untouched. */
  rawArgs: str(10_000),
  user: UserSchema,
  source: SourceSchema,
  /** True when the command came by private message; replies then go back privately. */
  private: z.optional(z.boolean()),
  /** The id of the message that carried the command. */
  messageId: str(128),
  /**
   * How long the plugin has to answer, ms from when it receives the request: a relative budget,
   * not a wall-clock time, because clocks differ across machines. The dispatcher sets it from
   * its own timeout and gives up after it; the plugin host answers `timeout` once it is spent.
   */
  deadlineMs: z.int().check(z.gte(1), z.lte(MAX_COMMAND_DEADLINE_MS)),
});
export type CommandExecute = z.infer<typeof CommandExecuteSchema>;

/** A stable error code, so callers can tell what failed without parsing words. */
export const CommandErrorSchema = z.object({
  code: z.enum(COMMAND_ERROR_CODES),
  /** Short and safe to show in chat: never a stack trace. */
  message: str(1000),
});

export const CommandResultSchema = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    /** Lines to send back (zero lines: the command answers nothing). */
    reply: z.array(str(10_000)).check(z.maxLength(50)),
    /** Send the reply privately to the caller instead of to the channel. */
    private: z.optional(z.boolean()),
  }),
  z.object({ ok: z.literal(false), error: CommandErrorSchema }),
]);
export type CommandResult = z.infer<typeof CommandResultSchema>;

/** Text a plugin says on its own (timers, games), published on `rosey.plugins.<p>.say`. */
export const PluginSaySchema = z.object({
  source: SourceSchema,
  text: str(10_000, 1),
  /** When set, a private message to this user instead of the channel. */
  to: z.optional(str(100)),
});
export type PluginSay = z.infer<typeof PluginSaySchema>;

/** What the core asks a connector to do on its platform (`rosey.platform.<p>.action.<a>`). */
export const ChatActionSchema = z.object({
  channel: str(200, 1),
  text: str(10_000, 1),
  /** Who asked for it (a service or plugin name): for logs and audit. */
  origin: z.optional(str(100)),
  /**
   * The user whose command this line answers, if any. Connectors queue each (origin, replyTo)
   * pair as its own lane, served in turn, so one plugin's or one user's burst never holds
   * another user's answer behind it.
   */
  replyTo: z.optional(str(100)),
});
export type ChatAction = z.infer<typeof ChatActionSchema>;

export const PrivateMessageActionSchema = z.extend(ChatActionSchema, { to: str(100, 1) });
export type PrivateMessageAction = z.infer<typeof PrivateMessageActionSchema>;
