/**
 * Countdowns with T-minus alerts, per channel.
 *
 * `!countdown <name> <when>` where `<when>` is a date/time (`2030-01-01 18:00`, `friday 19:00`,
 * `21:30`, `tomorrow 9:00`), a delay (`in 2 hours`, `in 1h 30m`, `in 45 seconds`) or a weekly or
 * daily recurrence (`every friday 19:00`, `every day 08:00`). `!countdown <name>` shows the time
 * left; `list`, `delete <name>`, `alerts <name> 10,5,1` (minutes before), `pause <name>`
 * (stops the clock; a recurring one skips occurrences) and `resume <name>`.
 *
 * Times are the bot's local time. Example of: timers that survive a restart and a plugin host's
 * death. Countdowns live in storage; one `ctx.timers.every` tick, run by the replica holding
 * `ctx.lease`, compares them with the clock, so after a restart (or when a standby takes over)
 * nothing needs re-arming, and alerts missed while no replica ran for more than a minute are
 * skipped rather than announced late.
 */
import {
  type CommandContext,
  definePlugin,
  type PluginContext,
  RANKS,
  type Source,
  UsageError,
} from "@quicksilver/sdk";

export type Recurrence = { kind: "weekly"; weekday: number; hour: number; minute: number } | {
  kind: "daily";
  hour: number;
  minute: number;
};

export interface Countdown {
  name: string;
  source: Source;
  by: string;
  /** Epoch ms of the (next) moment. */
  target: number;
  recurrence?: Recurrence;
  /** Minutes before `target` to announce. */
  alerts: number[];
  /** Alerts (minutes) already announced for the current target. */
  fired: number[];
  /** Set while paused: the time that was left. */
  pausedLeftMs?: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
export const DEFAULT_ALERTS = [10, 5, 1];
/** An alert more than this late (the plugin was down) is skipped, not announced late. */
export const LATE_GRACE_MS = MINUTE;
export const MAX_PER_CHANNEL = 25;
const STORAGE_KEY = "countdowns";
const NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const SUBCOMMANDS = new Set(["list", "delete", "del", "alerts", "pause", "resume"]);

const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const UNITS: Record<string, number> = {
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: MINUTE,
  min: MINUTE,
  mins: MINUTE,
  minute: MINUTE,
  minutes: MINUTE,
  h: HOUR,
  hr: HOUR,
  hrs: HOUR,
  hour: HOUR,
  hours: HOUR,
  d: DAY,
  day: DAY,
  days: DAY,
  w: 7 * DAY,
  week: 7 * DAY,
  weeks: 7 * DAY,
};

function weekday(word: string): number {
  const w = word.toLowerCase();
  return w.length >= 3 ? WEEKDAYS.findIndex((d) => d.startsWith(w)) : -1;
}

/** `19:00`, `7pm`, `7:30pm` -> hour and minute, or null. */
export function parseClock(text: string): { hour: number; minute: number } | null {
  const m = /^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$/i.exec(text.trim());
  if (!m || (m[2] === undefined && m[3] === undefined)) return null;
  let hour = Number(m[1]);
  const minute = Number(m[2] ?? 0);
  if (m[3]) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (m[3].toLowerCase() === "pm" ? 12 : 0);
  }
  return hour <= 23 && minute <= 59 ? { hour, minute } : null;
}

/** The first moment strictly after `after` that matches the recurrence (local time). */
export function nextOccurrence(rec: Recurrence, after: number): number {
  const d = new Date(after);
  d.setHours(rec.hour, rec.minute, 0, 0);
  for (let i = 0; i < 8; i++) {
    if (d.getTime() > after && (rec.kind === "daily" || d.getDay() === rec.weekday)) {
      return d.getTime();
    }
    d.setDate(d.getDate() + 1);
    d.setHours(rec.hour, rec.minute, 0, 0);
  }
  throw new Error("unreachable: a weekly recurrence matches within 8 days");
}

/** Parses `<when>`; throws UsageError with examples. */
export function parseWhen(input: string, now: number): { target: number; recurrence?: Recurrence } {
  const text = input.trim().toLowerCase().replace(/\s+/g, " ");
  const example = "Try: in 2 hours, 2030-01-01 18:00, friday 19:00, every friday 19:00.";
  if (!text) throw new UsageError(`When? ${example}`);
  if (text.startsWith("in ")) {
    let total = 0;
    const rest = text.slice(3).replace(/(\d)([a-z])/g, "$1 $2").replace(/\band\b|,/g, " ");
    const tokens = rest.split(" ").filter(Boolean);
    if (tokens.length === 0 || tokens.length % 2 !== 0) {
      throw new UsageError(`I can't read "${input}". ${example}`);
    }
    for (let i = 0; i < tokens.length; i += 2) {
      const n = Number(tokens[i]);
      const unit = UNITS[tokens[i + 1]!];
      if (!Number.isFinite(n) || n < 0 || unit === undefined) {
        throw new UsageError(`I can't read "${input}". ${example}`);
      }
      total += n * unit;
    }
    if (total < 1000) throw new UsageError("That is now. Give a delay of at least a second.");
    if (total > 366 * DAY) throw new UsageError("Countdowns can reach at most a year ahead.");
    return { target: now + Math.round(total) };
  }
  if (text.startsWith("every ")) {
    const [dayWord = "", ...clockParts] = text.slice(6).split(" ");
    const clock = clockParts.length ? parseClock(clockParts.join(" ")) : { hour: 0, minute: 0 };
    if (!clock) throw new UsageError(`I can't read the time in "${input}". ${example}`);
    let recurrence: Recurrence;
    if (dayWord === "day" || dayWord === "daily") recurrence = { kind: "daily", ...clock };
    else {
      const wd = weekday(dayWord);
      if (wd < 0) throw new UsageError(`"${dayWord}" is not a day of the week. ${example}`);
      recurrence = { kind: "weekly", weekday: wd, ...clock };
    }
    return { target: nextOccurrence(recurrence, now), recurrence };
  }
  const parts = text.split(" ");
  const first = parts[0] ?? "";
  const clock = parts.length > 1 ? parseClock(parts.slice(1).join(" ")) : parseClock(first);
  if (
    first === "today" || first === "tomorrow" || weekday(first) >= 0 ||
    (parts.length === 1 && clock)
  ) {
    const at = clock ?? (parts.length === 1 ? { hour: 0, minute: 0 } : null);
    if (!at) throw new UsageError(`I can't read the time in "${input}". ${example}`);
    const d = new Date(now);
    d.setHours(at.hour, at.minute, 0, 0);
    if (first === "tomorrow") d.setDate(d.getDate() + 1);
    else if (weekday(first) >= 0) {
      while (d.getDay() !== weekday(first) || d.getTime() <= now) d.setDate(d.getDate() + 1);
    } else if (d.getTime() <= now && first !== "today") d.setDate(d.getDate() + 1);
    if (d.getTime() <= now) throw new UsageError(`"${input}" has already passed.`);
    return { target: d.getTime() };
  }
  // A date: `2030-01-01`, `2030-01-01 18:00`, ISO with an offset. Without an offset: local time.
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ t](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  const target = m
    ? new Date(
      Number(m[1]),
      Number(m[2]) - 1,
      Number(m[3]),
      Number(m[4] ?? 0),
      Number(m[5] ?? 0),
      Number(m[6] ?? 0),
    ).getTime()
    : Date.parse(input.trim());
  if (!Number.isFinite(target)) {
    throw new UsageError(`I can't read "${input}" as a time. ${example}`);
  }
  if (target <= now) throw new UsageError(`"${input}" has already passed.`);
  if (target > now + 10 * 366 * DAY) {
    throw new UsageError("Countdowns can reach at most ten years ahead.");
  }
  return { target };
}

/** `10,5,1` -> [10, 5, 1] (minutes, descending, unique); throws UsageError. */
export function parseAlerts(text: string): number[] {
  const values = text.split(/[\s,]+/).filter(Boolean).map(Number);
  if (
    values.length === 0 || values.length > 10 ||
    values.some((v) => !Number.isInteger(v) || v < 1 || v > 10_080)
  ) {
    throw new UsageError(
      "Alerts are up to 10 whole minutes before the moment, e.g. !countdown alerts party 60,10,1",
    );
  }
  return [...new Set(values)].sort((a, b) => b - a);
}

/** `1d 2h 3m 4s` */
export function formatDuration(ms: number): string {
  let s = Math.max(0, Math.round(ms / 1000));
  const parts: string[] = [];
  for (const [unit, size] of [["d", 86_400], ["h", 3600], ["m", 60]] as const) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  if (s > 0 || parts.length === 0) parts.push(`${s}s`);
  return parts.join(" ");
}

/** Alerts already behind us at `now` count as fired, so a new countdown never announces the past. */
export function pastAlerts(alerts: readonly number[], target: number, now: number): number[] {
  return alerts.filter((m) => target - m * MINUTE <= now);
}

/** What is due at `now`: lines to say, and the countdown's next state (`null`: it is over). */
export function tick(c: Countdown, now: number): { say: string[]; next: Countdown | null } {
  if (c.pausedLeftMs !== undefined) return { say: [], next: c };
  const say: string[] = [];
  const fired = [...c.fired];
  for (const minutes of c.alerts) {
    const at = c.target - minutes * MINUTE;
    if (fired.includes(minutes) || now < at) continue;
    fired.push(minutes);
    if (now - at <= LATE_GRACE_MS && now < c.target) {
      say.push(`⏳ ${c.name}: T-minus ${minutes} minute${minutes === 1 ? "" : "s"}!`);
    }
  }
  if (now < c.target) return { say, next: { ...c, fired } };
  if (now - c.target <= LATE_GRACE_MS) say.push(`⏰ ${c.name}: it's time!`);
  if (!c.recurrence) return { say, next: null };
  const target = nextOccurrence(c.recurrence, now);
  return { say, next: { ...c, target, fired: pastAlerts(c.alerts, target, now) } };
}

type Store = Record<string, Countdown>;
const keyOf = (source: Source, name: string) => `${source.platform}/${source.channel}/${name}`;

function describe(c: Countdown, now: number): string {
  const when = c.recurrence
    ? `every ${c.recurrence.kind === "daily" ? "day" : WEEKDAYS[c.recurrence.weekday]} ` +
      `${String(c.recurrence.hour).padStart(2, "0")}:${
        String(c.recurrence.minute).padStart(2, "0")
      }, next `
    : "";
  if (c.pausedLeftMs !== undefined) {
    return `${c.name}: paused with ${formatDuration(c.pausedLeftMs)} left`;
  }
  return `${c.name}: ${when}in ${formatDuration(c.target - now)}`;
}

async function change<T>(ctx: PluginContext, fn: (store: Store) => T): Promise<T> {
  let result: T | undefined;
  let failure: unknown;
  await ctx.storage.update<Store>(STORAGE_KEY, (store = {}) => {
    try {
      result = fn(store);
    } catch (error) {
      failure = error;
    }
    return store;
  });
  if (failure !== undefined) throw failure;
  return result as T;
}

function mine(store: Store, ctx: CommandContext, name: string | undefined): Countdown {
  const c = name ? store[keyOf(ctx.source, name.toLowerCase())] : undefined;
  if (!c) {
    throw new UsageError(
      name ? `There is no countdown "${name}" here; see !countdown list.` : "Which countdown?",
    );
  }
  return c;
}

function mayChange(ctx: CommandContext, c: Countdown) {
  if (c.by.toLowerCase() !== ctx.user.name.toLowerCase() && ctx.user.rank < RANKS.moderator) {
    throw new UsageError(`Only ${c.by} or a moderator can change "${c.name}".`);
  }
}

async function countdownCommand(ctx: CommandContext): Promise<string | string[]> {
  const now = Date.now();
  const [first = "", second, ...rest] = ctx.args;
  const sub = first.toLowerCase();
  if (sub === "" || sub === "list") {
    const store = (await ctx.storage.get<Store>(STORAGE_KEY)) ?? {};
    const here = Object.values(store).filter((c) =>
      c.source.platform === ctx.source.platform && c.source.channel === ctx.source.channel
    )
      .sort((a, b) => a.target - b.target);
    return here.length === 0
      ? "No countdowns here. Start one: !countdown party in 2 hours"
      : here.map((c) => describe(c, now));
  }
  if (SUBCOMMANDS.has(sub)) {
    return await change(ctx, (store) => {
      const c = mine(store, ctx, second);
      mayChange(ctx, c);
      const key = keyOf(ctx.source, c.name);
      if (sub === "delete" || sub === "del") {
        delete store[key];
        return `Deleted countdown "${c.name}".`;
      }
      if (sub === "alerts") {
        c.alerts = parseAlerts(rest.join(","));
        c.fired = pastAlerts(c.alerts, c.target, now);
        return `${c.name}: alerts at ${c.alerts.map((m) => `T-${m}m`).join(", ")}.`;
      }
      if (sub === "pause") {
        if (c.pausedLeftMs !== undefined) return `${c.name} is already paused.`;
        c.pausedLeftMs = Math.max(0, c.target - now);
        return `Paused ${c.name} with ${formatDuration(c.pausedLeftMs)} left.`;
      }
      if (c.pausedLeftMs === undefined) return `${c.name} is not paused.`;
      c.target = c.recurrence ? nextOccurrence(c.recurrence, now) : now + c.pausedLeftMs;
      delete c.pausedLeftMs;
      c.fired = pastAlerts(c.alerts, c.target, now);
      return `Resumed: ${describe(c, now)}.`;
    });
  }
  if (!NAME.test(sub)) {
    throw new UsageError(`"${first}" can't be a countdown name: use letters, digits, "-" or "_".`);
  }
  const whenText = ctx.rawArgs.replace(/^\S+\s*/, "");
  if (!whenText) {
    const store = (await ctx.storage.get<Store>(STORAGE_KEY)) ?? {};
    return describe(mine(store, ctx, sub), now);
  }
  const when = parseWhen(whenText, now);
  return await change(ctx, (store) => {
    const key = keyOf(ctx.source, sub);
    const existing = store[key];
    if (existing) mayChange(ctx, existing);
    const count = Object.values(store).filter((c) =>
      c.source.channel === ctx.source.channel
    ).length;
    if (!existing && count >= MAX_PER_CHANNEL) {
      throw new UsageError(
        `This channel has ${MAX_PER_CHANNEL} countdowns; delete one first.`,
      );
    }
    const alerts = existing?.alerts ?? DEFAULT_ALERTS;
    const c: Countdown = {
      name: sub,
      source: { platform: ctx.source.platform, channel: ctx.source.channel },
      by: ctx.user.name,
      target: when.target,
      alerts,
      fired: pastAlerts(alerts, when.target, now),
      ...(when.recurrence ? { recurrence: when.recurrence } : {}),
    };
    store[key] = c;
    return `${existing ? "Reset" : "Started"} countdown ${describe(c, now)} (${
      new Date(c.target).toLocaleString("en-GB")
    }).`;
  });
}

/**
 * One pass over every countdown: announce what is due, drop the finished ones. Only the replica
 * holding `ctx.lease` does it (with the plugin on several hosts, each alert is said once); the
 * change is a compare-and-set, so its lines are taken from the run that was stored.
 */
async function runTick(ctx: PluginContext) {
  if (!ctx.lease.active) return;
  let out: { source: Source; text: string }[] = [];
  const now = Date.now();
  const store = (await ctx.storage.get<Store>(STORAGE_KEY)) ?? {};
  const dirty = Object.values(store).some((c) => {
    const { say, next } = tick(c, now);
    return say.length > 0 || next === null || next.target !== c.target ||
      next.fired.length !== c.fired.length;
  });
  if (!dirty) return; // the common case: no write
  await change(ctx, (current) => {
    out = [];
    for (const [key, c] of Object.entries(current)) {
      const { say, next } = tick(c, now);
      for (const text of say) out.push({ source: c.source, text });
      if (next) current[key] = next;
      else delete current[key];
    }
  });
  for (const { source, text } of out) ctx.say(source, text);
}

export default definePlugin({
  name: "countdown",
  version: "1.0.0",
  description:
    "Countdowns with T-minus alerts: !countdown <name> <when>, list, delete, alerts, pause, resume.",
  commands: {
    countdown: {
      aliases: ["cd"],
      usage:
        "!countdown <name> <in 2 hours | 2030-01-01 18:00 | every friday 19:00> | list | delete <name> | " +
        "alerts <name> 10,5,1 | pause <name> | resume <name>",
      help:
        "Counts down to a moment, announcing T-minus alerts (minutes) and the moment itself. Recurring ones repeat.",
      handler: countdownCommand,
    },
  },
  setup(ctx) {
    const intervalMs = Math.max(100, Number(ctx.config.tickMs ?? 1000));
    ctx.timers.every(intervalMs, () => runTick(ctx));
  },
});
