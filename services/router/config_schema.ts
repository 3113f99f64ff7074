/**
 * The router's section of `rosey.yaml` (`router:`). Its defaults are the router's own
 * ({@linkcode DEFAULT_ROUTER_LIMITS}, {@linkcode DEFAULT_COMMAND_TIMEOUT_MS}), written once in
 * `command_policy.ts`, so the file, the router and its tests cannot disagree.
 */
import { z } from "zod";
import { DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_ROUTER_LIMITS } from "./command_policy.ts";

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
}).prefault({});
export type RouterSection = z.infer<typeof RouterSectionSchema>;

/** Fixes for router keys whose generic message would not say what to write. */
export const ROUTER_CONFIG_FIXES: Readonly<Record<string, string>> = {
  timeoutMs: "write milliseconds, e.g. timeoutMs: 5000",
};
