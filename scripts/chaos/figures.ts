/**
 * The figures of a chaos run (`deno task chaos`), from what was sent and what came back: no
 * clock of its own, so that a test can feed it a timeline.
 *
 * @module
 */

/** One command the run typed, and what became of it. */
export interface CommandRecord {
  /** When it was typed, ms since the run's start. */
  sentAt: number;
  /** When each answer arrived, ms since the run's start (normally one). */
  answers: number[];
  /**
   * Typed while no bot process was in the channel (no session, no standby watching it) and not
   * in CyTube's replay to the next joiner: the platform never delivered it. Unanswered, it
   * counts as `notDelivered`, not `lost`.
   */
  unheard?: boolean;
}

/** One SIGKILL of the run. */
export interface Kill {
  /** What was killed, e.g. "nats-node n3", "connector (active)", "router", "plugin host". */
  killed: string;
  /** When, ms since the run's start. */
  at: number;
  /** The longest a recovery may take, ms (10 000 for the connector, 5 000 for the rest). */
  boundMs: number;
}

/** p50 and p99 of answer latencies, ms (`null` with no answers). */
export interface LatencyFigure {
  p50: number | null;
  p99: number | null;
  /** Commands sent in the window. */
  commands: number;
}

/** One failover as the JSON line reports it. */
export interface Failover {
  killed: string;
  /** From the kill until commands were answered normally again; `null`: not within the run. */
  recoveredMs: number | null;
  boundMs: number;
  /** Commands sent between the kill and the recovery that were lost or answered twice. */
  lost: number;
  notDelivered: number;
  answeredTwice: number;
  latency: LatencyFigure;
}

/** The run's figures, the JSON line's body. */
export interface ChaosFigures {
  sent: number;
  answered: number;
  answeredTwice: number;
  /** Unanswered commands that reached a bot (live, or in the replay when it joined). */
  lost: number;
  /** Unanswered commands the platform never delivered to a bot (see `CommandRecord.unheard`). */
  notDelivered: number;
  latency: { outside: LatencyFigure };
  failovers: Failover[];
  /** lost == 0, answeredTwice == 0 and each failover recovered within its bound. */
  ok: boolean;
}

/** What "answered normally" means for the recovery time. */
export interface RecoveryRule {
  /** An answer slower than this is not normal, ms. */
  normalMs: number;
  /** Recovered once every command over this stretch was answered normally, ms. */
  stableMs: number;
  /**
   * A gap (commands unanswered, or answered twice) that starts this long after the kill or
   * sooner is the kill's delayed effect (e.g. a lease lost seconds after a NATS node died): the
   * recovery comes after it, ms.
   */
  delayedMs: number;
}

export const DEFAULT_RECOVERY_RULE: RecoveryRule = {
  normalMs: 1000,
  stableMs: 1000,
  delayedMs: 10_000,
};

/** The q-quantile (0..1) of sorted values, nearest rank; `null` when empty. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

const isLost = (c: CommandRecord) => c.answers.length === 0 && !c.unheard;
const isNotDelivered = (c: CommandRecord) => c.answers.length === 0 && c.unheard === true;

function latencyOf(commands: readonly CommandRecord[]): LatencyFigure {
  const values = commands.filter((c) => c.answers.length > 0)
    .map((c) => c.answers[0]! - c.sentAt).sort((a, b) => a - b);
  const round = (v: number | null) => v === null ? null : Math.round(v * 10) / 10;
  return {
    p50: round(quantile(values, 0.5)),
    p99: round(quantile(values, 0.99)),
    commands: commands.length,
  };
}

/**
 * When commands were answered normally again after `from`: the send time of the first command
 * that starts a stretch of `rule.stableMs` in which every command got exactly one answer within
 * `rule.normalMs` (or a shorter stretch that lasts until `until`). A later slow answer
 * does not move the recovery: it shows in the figures as what it was. `null` if no such stretch
 * began before `until`.
 */
export function recoveredAt(
  commands: readonly CommandRecord[],
  window: { from: number; until: number },
  rule: RecoveryRule = DEFAULT_RECOVERY_RULE,
): number | null {
  const after = commands.filter((c) => c.sentAt >= window.from && c.sentAt < window.until);
  const normal = (c: CommandRecord) =>
    c.answers.length === 1 && c.answers[0]! - c.sentAt <= rule.normalMs;
  // `start` is the first command of the current unbroken run of normal answers.
  let start = 0;
  for (let i = 0; i < after.length; i++) {
    if (!normal(after[i]!)) {
      start = i + 1;
      continue;
    }
    if (after[i]!.sentAt - after[start]!.sentAt >= rule.stableMs) return after[start]!.sentAt;
  }
  // The window ended inside a normal run (the next kill, or the end of typing): recovered.
  return after[start]?.sentAt ?? null;
}

/**
 * When a kill's effects were over: {@linkcode recoveredAt} from the kill, or, when a gap in the
 * answers (a command unanswered or answered twice; slow answers are not gaps) starts within
 * `rule.delayedMs` of the kill but after that first recovery, the recovery after the last such
 * gap. So a delayed effect (a lease lost seconds after a NATS node died) is the kill's, not
 * hidden outside every window. `null` if there is no recovery before `until`.
 */
export function recoveredAfterEffects(
  commands: readonly CommandRecord[],
  window: { from: number; until: number },
  rule: RecoveryRule = DEFAULT_RECOVERY_RULE,
): number | null {
  const first = recoveredAt(commands, window, rule);
  if (first === null) return null;
  const horizon = Math.min(window.from + rule.delayedMs, window.until);
  const gaps = commands.filter((c) =>
    c.sentAt >= first && c.sentAt < horizon && c.answers.length !== 1
  );
  const last = gaps.at(-1);
  if (last === undefined) return first;
  // The first normal stretch after the last gap command that began within the horizon.
  return recoveredAt(commands, { from: last.sentAt, until: window.until }, rule);
}

/** How long before a kill a command may have been typed and still be in flight (ms). */
const IN_FLIGHT_MS = 1000;

/**
 * The figures: totals, latency outside the failovers and during each, and each failover's
 * recovery. A failover's window runs from its kill to its recovery after its delayed effects
 * ({@linkcode recoveredAfterEffects}), or to the next kill.
 */
export function chaosFigures(
  commands: readonly CommandRecord[],
  kills: readonly Kill[],
  end: number,
  rule: RecoveryRule = DEFAULT_RECOVERY_RULE,
): ChaosFigures {
  const sorted = [...commands].sort((a, b) => a.sentAt - b.sentAt);
  const failovers: Failover[] = [];
  const windows: { from: number; until: number }[] = [];
  for (const [i, kill] of kills.entries()) {
    const next = kills[i + 1]?.at ?? end;
    const at = recoveredAfterEffects(sorted, { from: kill.at, until: next }, rule);
    const until = at ?? next;
    // Commands typed just before the kill were still in flight when it came: its window counts
    // them too (a line the dead connector said and the standby said again is the kill's doing).
    const from = Math.max(kill.at - IN_FLIGHT_MS, windows.at(-1)?.until ?? -Infinity);
    windows.push({ from, until });
    const during = sorted.filter((c) => c.sentAt >= from && c.sentAt < until);
    failovers.push({
      killed: kill.killed,
      recoveredMs: at === null ? null : Math.round(at - kill.at),
      boundMs: kill.boundMs,
      lost: during.filter(isLost).length,
      notDelivered: during.filter(isNotDelivered).length,
      answeredTwice: during.filter((c) => c.answers.length > 1).length,
      latency: latencyOf(during),
    });
  }
  const outside = sorted.filter((c) =>
    !windows.some((w) => c.sentAt >= w.from && c.sentAt < w.until)
  );
  const lost = sorted.filter(isLost).length;
  const notDelivered = sorted.filter(isNotDelivered).length;
  const answeredTwice = sorted.filter((c) => c.answers.length > 1).length;
  return {
    sent: sorted.length,
    answered: sorted.length - lost - notDelivered,
    answeredTwice,
    lost,
    notDelivered,
    latency: { outside: latencyOf(outside) },
    failovers,
    ok: lost === 0 && answeredTwice === 0 &&
      failovers.every((f) => f.recoveredMs !== null && f.recoveredMs <= f.boundMs),
  };
}
