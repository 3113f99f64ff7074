/**
 * The router's section of `rosey.yaml` (`router:`). Its defaults are the router's own
 * ({@linkcode DEFAULT_ROUTER_LIMITS}, {@linkcode DEFAULT_COMMAND_TIMEOUT_MS}), written once in
 * `command_policy.ts`, so the file, the router and its tests cannot disagree.
 */
import { z } from "zod";
import { DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_ROUTER_LIMITS } from "./command_policy.ts";
import { DEFAULT_REPLY_LIMITS } from "./reply_limits.ts";

const show = (value: unknown) => JSON.stringify(value);

/** A token bucket. The upper bounds are generous so that a benchmark can lift the limits. */
const rate = z.strictObject({
  burst: z.number().int().min(1).max(1_000_000),
  perSecond: z.number().positive().max(1_000_000),
});

export const RouterSectionSchema = z.strictObject({
  /**
   * How long a plugin has to answer a command before the user gets an apology, ms. The router
   * sends it with each request (`deadlineMs`) and the plugin host holds the plugin to it.
   */
  timeoutMs: z.number().int().min(100).max(120_000).default(DEFAULT_COMMAND_TIMEOUT_MS),
  /** Other bots whose messages are never commands. */
  ignoreUsers: z.array(z.string().min(1)).default([]),
  rateLimits: z.strictObject({
    perUser: rate.default(DEFAULT_ROUTER_LIMITS.perUser),
    perPlugin: rate.default(DEFAULT_ROUTER_LIMITS.perPlugin),
    say: rate.default(DEFAULT_ROUTER_LIMITS.say),
    noticeWindowMs: z.number().int().min(0).default(DEFAULT_ROUTER_LIMITS.noticeWindowMs),
  }).prefault({}),
  /**
   * Who owns a command word two plugins declare: word (no prefix) -> plugin name. Without an
   * entry, the plugin that held the word first keeps it (remembered in the state dir) and a
   * newcomer's claim is refused and reported.
   */
  commandOwners: z.record(
    z.string(),
    z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, {
      error: (issue) =>
        `${show(issue.input)} is not a plugin name; write the plugin's file name without .ts, ` +
        `e.g. roll: dice`,
    }),
  ).superRefine((owners, context) => {
    for (const word of Object.keys(owners)) {
      if (/^[a-z0-9][a-z0-9_-]{0,31}$/.test(word)) continue;
      context.addIssue({
        code: "custom",
        path: [word],
        message: `${show(word)} is not a command word; write it lower-case without the prefix, ` +
          `e.g. roll: dice`,
      });
    }
  }).default({}),
  /**
   * How much of one reply reaches the chat: `maxLines` chat lines (a long line counts once per
   * `lineChars` characters); the rest is cut with a "(n more lines cut)" note.
   */
  replies: z.strictObject({
    maxLines: z.number().int().min(1).max(100).default(DEFAULT_REPLY_LIMITS.maxLines),
    lineChars: z.number().int().min(20).max(10_000).default(DEFAULT_REPLY_LIMITS.lineChars),
  }).prefault({}),
}).prefault({});
export type RouterSection = z.infer<typeof RouterSectionSchema>;

/** Fixes for router keys whose generic message would not say what to write. */
export const ROUTER_CONFIG_FIXES: Readonly<Record<string, string>> = {
  timeoutMs: "write milliseconds, e.g. timeoutMs: 5000",
};
