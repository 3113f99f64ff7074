/**
 * Inspector: lets an admin watch the bus from chat.
 *
 * `!inspect events [pattern]` (the last events, optionally only those whose subject matches a
 * NATS pattern like `user.*` or contains the word), `!inspect plugins` (the plugins whose
 * heartbeats it sees), `!inspect stats` (counts per subject), `!inspect pause` / `resume`
 * (stop/start recording; remembered across restarts), `!inspect clear`. Admins only (rank ≥ 3);
 * answers go back privately.
 *
 * Example of: an operator granting a plugin read access to extra subjects. It asks in
 * `extras.subscribe` for every normalized event, the monitoring branch and plugin heartbeats;
 * the operator grants some or all in `plugins.inspector.grants.subscribe`, and the plugin
 * subscribes only to what `ctx.granted.subscribe` says it got (`ctx.subscribe` refuses the
 * rest, and so would the NATS server).
 */
import {
  type CommandContext,
  definePlugin,
  type PluginContext,
  RANKS,
  subjectMatches,
  subjects,
  UsageError,
} from "@quicksilver/sdk";

export interface Seen {
  subject: string;
  time: number;
  summary: string;
}

export interface HeartbeatSeen {
  name: string;
  time: number;
  handled: number;
  failed: number;
}

export const BUFFER_SIZE = 200;
const SHOW = 8;

/** A short, chat-safe line for one message. */
export function summarize(data: unknown): string {
  const d = data as Record<string, unknown> | null;
  const payload = (d?.payload ?? {}) as Record<string, unknown>;
  const user = (payload.user as { name?: unknown } | undefined)?.name;
  if (typeof d?.type === "string") {
    const text = typeof payload.text === "string" ? `: ${payload.text}` : "";
    const who = typeof user === "string" ? ` ${user}` : "";
    const title = typeof (payload.media as { title?: unknown } | undefined)?.title === "string"
      ? ` "${(payload.media as { title: string }).title}"`
      : "";
    return `${d.type}${who}${text}${title}`.slice(0, 160);
  }
  if (typeof d?.component === "string") return `${d.component} ${String(d.status ?? "")}`.trim();
  return JSON.stringify(data)?.slice(0, 160) ?? String(data);
}

/** True when `pattern` matches the subject, the subject without its root, or is part of it. */
export function matchesPattern(pattern: string, subject: string): boolean {
  const tokens = subject.split(".");
  for (let cut = 0; cut < Math.min(3, tokens.length); cut++) {
    if (subjectMatches(pattern, tokens.slice(cut).join("."))) return true;
  }
  return !/[*>]/.test(pattern) && subject.includes(pattern);
}

export class Recorder {
  readonly events: Seen[] = [];
  readonly counts = new Map<string, number>();
  readonly heartbeats = new Map<string, HeartbeatSeen>();
  total = 0;
  since = Date.now();
  paused = false;

  record(subject: string, data: unknown, now = Date.now()) {
    const beat = data as Partial<HeartbeatSeen> | null;
    if (subject.endsWith(".heartbeat") && typeof beat?.name === "string") {
      this.heartbeats.set(beat.name, {
        name: beat.name,
        time: now,
        handled: Number(beat.handled ?? 0),
        failed: Number(beat.failed ?? 0),
      });
      return;
    }
    if (this.paused) return;
    this.total++;
    this.counts.set(subject, (this.counts.get(subject) ?? 0) + 1);
    this.events.push({ subject, time: now, summary: summarize(data) });
    if (this.events.length > BUFFER_SIZE) this.events.splice(0, this.events.length - BUFFER_SIZE);
  }

  clear() {
    this.events.length = 0;
    this.counts.clear();
    this.total = 0;
    this.since = Date.now();
  }
}

const ago = (ms: number) => (ms < 1000 ? "just now" : `${Math.round(ms / 1000)}s ago`);

export function eventsReport(
  rec: Recorder,
  pattern: string | undefined,
  now = Date.now(),
): string[] {
  const matching = pattern
    ? rec.events.filter((e) => matchesPattern(pattern, e.subject))
    : rec.events;
  if (matching.length === 0) {
    return [
      `No events${pattern ? ` matching "${pattern}"` : ""} recorded${
        rec.paused ? " (recording is paused)" : ""
      }.`,
    ];
  }
  const lines = matching.slice(-SHOW).map((e) => `${ago(now - e.time)} ${e.subject}: ${e.summary}`);
  return [
    `Last ${lines.length} of ${matching.length} events${pattern ? ` matching "${pattern}"` : ""}:`,
    ...lines,
  ];
}

export function statsReport(rec: Recorder, now = Date.now()): string[] {
  const top = [...rec.counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([s, n]) =>
    `${s}=${n}`
  );
  return [
    `${rec.total} events in ${Math.round((now - rec.since) / 1000)}s, ${rec.counts.size} subjects` +
    `${rec.paused ? " (recording is paused)" : ""}.`,
    ...(top.length ? [`Busiest: ${top.join(", ")}`] : []),
  ];
}

const STATE_KEY = "state";
interface Persisted {
  paused: boolean;
}

let recorder = new Recorder();

function inspect(
  ctx: CommandContext,
): { reply: string[]; private: true } | Promise<{ reply: string[]; private: true }> {
  const answer = (lines: string[]) => ({ reply: lines, private: true as const });
  const [sub = "", arg] = ctx.args;
  switch (sub.toLowerCase()) {
    case "events":
      return answer(eventsReport(recorder, arg));
    case "plugins": {
      if (!ctx.granted.subscribe.some((g) => subjectMatches(g, subjects.pluginHeartbeat("x")))) {
        return answer([
          `I can't see plugins: grant ${subjects.allPluginHeartbeats()} in plugins.inspector.grants.subscribe.`,
        ]);
      }
      const now = Date.now();
      const beats = [...recorder.heartbeats.values()].sort((a, b) => a.name.localeCompare(b.name));
      if (beats.length === 0) return answer(["No plugin heartbeats seen yet."]);
      return answer(
        beats.map((b) =>
          `${b.name}: ${b.handled} handled, ${b.failed} failed, last beat ${ago(now - b.time)}`
        ),
      );
    }
    case "stats":
      return answer(statsReport(recorder));
    case "pause":
    case "resume": {
      recorder.paused = sub.toLowerCase() === "pause";
      return ctx.storage.set(STATE_KEY, { paused: recorder.paused } satisfies Persisted)
        .then(() => answer([recorder.paused ? "Recording paused." : "Recording resumed."]));
    }
    case "clear":
      recorder.clear();
      return answer(["Cleared."]);
    default:
      throw new UsageError("!inspect events [pattern] | plugins | stats | pause | resume | clear");
  }
}

async function setup(ctx: PluginContext) {
  recorder = new Recorder();
  recorder.paused = (await ctx.storage.get<Persisted>(STATE_KEY))?.paused ?? false;
  if (ctx.granted.subscribe.length === 0) {
    ctx.log.info("nothing to inspect: grant subjects in plugins.inspector.grants.subscribe");
  }
  for (const subject of ctx.granted.subscribe) {
    ctx.subscribe(subject, (data, actual) => recorder.record(actual, data));
  }
}

export default definePlugin({
  name: "inspector",
  version: "1.0.0",
  description:
    "Admins watch the bus from chat: !inspect events [pattern] | plugins | stats | pause | resume.",
  extras: {
    subscribe: [subjects.allEvents(), subjects.allMonitoring(), subjects.allPluginHeartbeats()],
  },
  commands: {
    inspect: {
      usage: "!inspect events [pattern] | plugins | stats | pause | resume | clear",
      help:
        "Shows recent bus events, plugin heartbeats and counts (admins only; replies privately).",
      minRank: RANKS.admin,
      handler: inspect,
    },
  },
  setup,
});
