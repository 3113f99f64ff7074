/**
 * The chaos run's figures from a timeline: what the JSON line of `deno task chaos` says about
 * lost and doubled answers and about each failover's recovery.
 */
import assert from "node:assert/strict";
import {
  chaosFigures,
  type CommandRecord,
  quantile,
  recoveredAt,
} from "../../scripts/chaos/figures.ts";

/** One command every 10 ms from 0 to `untilMs`, answered `latency(t)` ms later (or not). */
function timeline(
  untilMs: number,
  answer: (sentAt: number) => number[] | number | null,
): CommandRecord[] {
  const commands: CommandRecord[] = [];
  for (let sentAt = 0; sentAt < untilMs; sentAt += 10) {
    const a = answer(sentAt);
    const latencies = a === null ? [] : Array.isArray(a) ? a : [a];
    commands.push({ sentAt, answers: latencies.map((l) => sentAt + l) });
  }
  return commands;
}

Deno.test("a run where every command is answered once reports nothing lost and ok", () => {
  const figures = chaosFigures(timeline(10_000, () => 5), [], 10_000);
  assert.equal(figures.sent, 1000);
  assert.equal(figures.answered, 1000);
  assert.equal(figures.lost, 0);
  assert.equal(figures.answeredTwice, 0);
  assert.deepEqual(figures.latency.outside, { p50: 5, p99: 5, commands: 1000 });
  assert.equal(figures.ok, true);
});

Deno.test("commands lost after a kill count as lost, and recovery is when answers resume", () => {
  // Killed at 3000 ms; commands sent from 3000 to 4500 ms are lost, then answered again.
  const commands = timeline(10_000, (t) => (t >= 3000 && t < 4500 ? null : 5));
  const figures = chaosFigures(commands, [{ killed: "router", at: 3000, boundMs: 5000 }], 10_000);
  assert.equal(figures.lost, 150);
  assert.equal(figures.answered, 850);
  assert.equal(figures.failovers[0]!.recoveredMs, 1500);
  assert.equal(figures.failovers[0]!.lost, 150);
  assert.equal(figures.ok, false, "lost commands fail the run");
});

Deno.test("a command answered twice is counted once as answered and once as answered twice", () => {
  const commands = timeline(2000, (t) => (t === 500 ? [5, 9] : 5));
  const figures = chaosFigures(commands, [], 2000);
  assert.equal(figures.answered, 200);
  assert.equal(figures.answeredTwice, 1);
  assert.equal(figures.ok, false);
});

Deno.test("a recovery slower than its bound fails the run though nothing was lost", () => {
  // Answers arrive, but 3 s late, for 6 s after the kill at 1000 ms.
  const commands = timeline(12_000, (t) => (t >= 1000 && t < 7000 ? 3000 : 5));
  const figures = chaosFigures(
    commands,
    [{ killed: "nats-node n3", at: 1000, boundMs: 5000 }],
    12_000,
  );
  assert.equal(figures.lost, 0);
  assert.equal(figures.failovers[0]!.recoveredMs, 6000);
  assert.equal(figures.ok, false);
  // Latency during the failover is its own figure; outside it stays quiet.
  assert.equal(figures.failovers[0]!.latency.p50, 3000);
  assert.equal(figures.latency.outside.p99, 5);
});

Deno.test("a kill that disturbs nothing recovers with the next command", () => {
  const commands = timeline(6000, () => 5);
  assert.equal(recoveredAt(commands, { from: 2005, until: 6000 }), 2010);
});

Deno.test("a failover that never recovers reports recoveredMs null", () => {
  const commands = timeline(6000, (t) => (t >= 2000 ? null : 5));
  const figures = chaosFigures(commands, [{
    killed: "connector (active)",
    at: 2000,
    boundMs: 10_000,
  }], 6000);
  assert.equal(figures.failovers[0]!.recoveredMs, null);
  assert.equal(figures.ok, false);
});

Deno.test("quantiles are nearest-rank", () => {
  assert.equal(quantile([], 0.5), null);
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2);
  assert.equal(quantile(Array.from({ length: 100 }, (_, i) => i + 1), 0.99), 99);
});

Deno.test("commands the platform never delivered are not counted as lost", () => {
  // No bot in the channel from 1000 to 2000 ms; of those lines the replay gave the joiner some.
  const commands = timeline(4000, (t) => (t >= 1000 && t < 2000 && t < 1850 ? null : 5));
  for (const c of commands) if (c.sentAt >= 1000 && c.sentAt < 1850) c.unheard = true;
  const figures = chaosFigures(commands, [{
    killed: "connector (active)",
    at: 1000,
    boundMs: 10_000,
  }], 4000);
  assert.equal(figures.lost, 0);
  assert.equal(figures.notDelivered, 85);
  assert.equal(figures.answered, 315);
  assert.equal(figures.failovers[0]!.notDelivered, 85);
  assert.equal(figures.failovers[0]!.recoveredMs, 850);
  assert.equal(figures.ok, true);
});

Deno.test("one slow answer long after the recovery does not move the recovery", () => {
  // Killed at 1000 ms, lost until 1500 ms, one 2 s answer at 8000 ms.
  const commands = timeline(12_000, (t) => (t >= 1000 && t < 1500 ? null : t === 8000 ? 2000 : 5));
  const figures = chaosFigures(commands, [{ killed: "router", at: 1000, boundMs: 5000 }], 12_000);
  assert.equal(figures.failovers[0]!.recoveredMs, 500);
  assert.equal(figures.failovers[0]!.lost, 50);
  // The slow one is outside the failover's window, in the outside latency; the window also
  // holds the second before the kill (commands still in flight when it came).
  assert.equal(figures.latency.outside.commands, 1050);
});

Deno.test("a gap that starts seconds after a kill is that kill's: its window and recovery include it", () => {
  // A NATS node killed at 1000 ms; all fine until a lease moves at 6000 ms: the commands of
  // 6000..7000 ms never reach a bot. Then answered again.
  const commands = timeline(20_000, (t) => (t >= 6000 && t < 7000 ? null : 5));
  for (const c of commands) if (c.sentAt >= 6000 && c.sentAt < 7000) c.unheard = true;
  const figures = chaosFigures(
    commands,
    [{ killed: "nats-node n3", at: 1000, boundMs: 5000 }],
    20_000,
  );
  const failover = figures.failovers[0]!;
  assert.equal(failover.recoveredMs, 6000, "recovered only after the delayed gap");
  assert.equal(failover.notDelivered, 100, "the gap is counted in the kill's window");
  assert.equal(figures.ok, false, "6 s is past the node kill's 5 s bound");
});

Deno.test("a gap that starts long after a kill is not that kill's", () => {
  // Killed at 1000 ms without effect; commands of 12 000..12 500 ms unanswered (11 s later).
  const commands = timeline(20_000, (t) => (t >= 12_000 && t < 12_500 ? null : 5));
  const figures = chaosFigures(commands, [{ killed: "router", at: 1000, boundMs: 5000 }], 20_000);
  assert.equal(figures.failovers[0]!.recoveredMs, 0);
  assert.equal(figures.failovers[0]!.lost, 0);
  assert.equal(figures.lost, 50, "still lost, outside every window");
});

Deno.test("a command in flight when the kill came is counted in that kill's window", () => {
  // Typed 20 ms before the connector's kill at 1000 ms, answered by it and again by the standby.
  const commands = timeline(5000, () => 5);
  commands.find((c) => c.sentAt === 980)!.answers.push(1500);
  const figures = chaosFigures(
    commands,
    [{ killed: "connector (active)", at: 1000, boundMs: 10_000 }],
    5000,
  );
  assert.equal(figures.answeredTwice, 1);
  assert.equal(figures.failovers[0]!.answeredTwice, 1, "the kill's doing");
});
