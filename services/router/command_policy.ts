/**
 * Who may run what, how often: minimum rank, per-user and per-plugin token buckets, per-user
 * command cooldowns, and the throttle that keeps "slow down" notices from becoming the flood
 * they prevent. Pure arithmetic over a clock the caller passes in; the router only acts on the
 * verdict.
 */
import { rankName } from "./help.ts";
import type { CommandEntry } from "./plugin_table.ts";
import { Cooldowns, KeyedRateLimiter, NoticeThrottle, type Rate } from "./rate_limiter.ts";

export interface RouterLimits {
  /** Commands one user may send: default 5 at once, then one every 2 s. */
  perUser?: Rate;
  /** Commands one plugin is sent, all users together: default 20 at once, then 5/s. */
  perPlugin?: Rate;
  /** Lines a plugin may say on its own: default 5 at once, then 1/s; the rest is dropped. */
  say?: Rate;
  /** At most one "slow down" notice per user per this many ms. Default 10 000. */
  noticeWindowMs?: number;
}

/** How long a plugin has to answer a command, ms, unless `router.timeoutMs` says otherwise. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 5000;

/** The router's rate limits unless `router.rateLimits` says otherwise (the one place they are written). */
export const DEFAULT_ROUTER_LIMITS: Readonly<Required<RouterLimits>> = {
  perUser: { burst: 5, perSecond: 0.5 },
  perPlugin: { burst: 20, perSecond: 5 },
  say: { burst: 5, perSecond: 1 },
  noticeWindowMs: 10_000,
};

/** Allowed; or refused, with the notice to send (absent when this user was told recently). */
export type Verdict = { ok: true } | { ok: false; notice?: string };

export class CommandPolicy {
  readonly #prefix: string;
  readonly #noticeWindowMs: number;
  readonly #perUser: KeyedRateLimiter;
  readonly #perPlugin: KeyedRateLimiter;
  readonly #says: KeyedRateLimiter;
  readonly #cooldowns = new Cooldowns();
  readonly #notices = new NoticeThrottle();

  constructor(limits: RouterLimits = {}, options: { prefix?: string } = {}) {
    const all = { ...DEFAULT_ROUTER_LIMITS, ...limits };
    this.#prefix = options.prefix ?? "!";
    this.#noticeWindowMs = all.noticeWindowMs;
    this.#perUser = new KeyedRateLimiter(all.perUser);
    this.#perPlugin = new KeyedRateLimiter(all.perPlugin);
    this.#says = new KeyedRateLimiter(all.say);
  }

  /** The per-user bucket: every command attempt (help included) takes a token. */
  admitUser(user: string, now: number): Verdict {
    const admission = this.#perUser.take(user, now);
    if (admission.ok) return admission;
    return this.#deny(
      user,
      `${user}: slow down, try again in ${secs(admission.retryAfterMs)}.`,
      now,
    );
  }

  /** User bucket, rank, cooldown, then the plugin's bucket; starts the cooldown if allowed. */
  admitCommand(user: string, rank: number, entry: CommandEntry, now: number): Verdict {
    const { spec } = entry;
    const word = `${this.#prefix}${spec.name}`;
    const userVerdict = this.admitUser(user, now);
    if (!userVerdict.ok) return userVerdict;
    if (rank < spec.minRank) {
      return this.#deny(user, `${user}: ${word} needs rank ${rankName(spec.minRank)}.`, now);
    }
    const cooldownKey = `${user}\u0000${spec.name}`;
    const left = this.#cooldowns.remainingMs(cooldownKey, now);
    if (left > 0) {
      return this.#deny(
        user,
        `${user}: ${word} is cooling down, try again in ${secs(left)}.`,
        now,
        left,
      );
    }
    const plugin = this.#perPlugin.take(entry.plugin, now);
    if (!plugin.ok) {
      return this.#deny(
        user,
        `${entry.plugin} is busy, try again in ${secs(plugin.retryAfterMs)}.`,
        now,
      );
    }
    this.#cooldowns.start(cooldownKey, spec.cooldownMs, now);
    return { ok: true };
  }

  /** A plugin's unsolicited line; the notice (for the log) comes once per window per plugin. */
  admitSay(plugin: string, now: number): Verdict {
    if (this.#says.take(plugin, now).ok) return { ok: true };
    return this.#notices.allow(`say\u0000${plugin}`, this.#noticeWindowMs, now)
      ? { ok: false, notice: `${plugin} says too much; dropping its output` }
      : { ok: false };
  }

  /** A refusal; the notice only if this user has not had one within the window. */
  #deny(user: string, text: string, now: number, windowMs = 0): Verdict {
    const window = Math.max(windowMs, this.#noticeWindowMs);
    return this.#notices.allow(user, window, now) ? { ok: false, notice: text } : { ok: false };
  }
}

function secs(ms: number): string {
  return `${Math.max(1, Math.ceil(ms / 1000))} s`;
}
