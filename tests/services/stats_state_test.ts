import assert from "node:assert/strict";
import { createEnvelope, type Envelope } from "@quicksilver/core";
import {
  applyEvent,
  channelSummary,
  emptyStatsState,
  userSummary,
} from "../../services/stats/mod.ts";

const source = { platform: "cytube", channel: "room" };
const at = (type: string, payload: unknown, time: number): Envelope =>
  createEnvelope(type, source, payload, { time });

Deno.test("stats count sessions, chat lines and peaks with when they happened", () => {
  const state = emptyStatsState();
  for (
    const event of [
      at("user.join", { user: { name: "Alice", rank: 1 } }, 1_000),
      at("user.join", { user: { name: "bob", rank: 0 } }, 2_000),
      at("channel.usercount", { count: 7 }, 2_500),
      at("message", { user: { name: "Alice", rank: 1 }, text: "hi" }, 3_000),
      at("message", { user: { name: "Alice", rank: 1 }, text: "again" }, 3_500),
      at("message", { user: { name: "bob", rank: 0 }, text: "yo" }, 4_000),
      at("user.leave", { user: { name: "alice" } }, 61_000),
      at("channel.usercount", { count: 3 }, 62_000),
      at("message", { user: { name: "bad" } }, 63_000),
    ]
  ) applyEvent(state, event);
  const summary = channelSummary(state, source);
  assert.deepEqual(summary.peakChatUsers, { count: 2, at: 2_000 });
  assert.deepEqual(summary.peakViewers, { count: 7, at: 2_500 });
  assert.equal(summary.uniqueUsers, 2, "an invalid payload counts nobody");
  assert.deepEqual(summary.topChatters, [{ name: "Alice", lines: 2 }, { name: "bob", lines: 1 }]);
  const alice = userSummary(state, source, "ALICE", 100_000)!;
  assert.equal(alice.timeConnectedMs, 60_000);
  assert.equal(alice.sessionStart, undefined);
  assert.deepEqual([alice.firstSeen, alice.lastSeen, alice.joins, alice.leaves], [
    1_000,
    61_000,
    1,
    1,
  ]);
  const bob = userSummary(state, source, "bob", 10_000)!;
  assert.equal(bob.timeConnectedMs, 8_000, "the open session counts so far");
  assert.equal(bob.sessionStart, 2_000);
  // The bot lost the channel: open sessions end there.
  applyEvent(state, at("channel.left", { reason: "disconnected" }, 12_000));
  assert.equal(userSummary(state, source, "bob", 50_000)!.timeConnectedMs, 10_000);
  assert.equal(userSummary(state, source, "nobody", 1), null);
});

Deno.test("users already present when the bot joins are counted from the presence list", () => {
  const state = emptyStatsState();
  for (
    const event of [
      // The user list can arrive before or after the join notice: neither closes the sessions.
      at(
        "channel.presence",
        { users: [{ name: "carol", rank: 2 }, { name: "dan", rank: 0 }] },
        1_000,
      ),
      at("channel.joined", { self: { name: "rosey", rank: 2 } }, 1_100),
      at("user.join", { user: { name: "erin", rank: 1 } }, 2_000),
      at("channel.left", { reason: "socket dropped" }, 11_000),
      at("channel.presence", { users: [{ name: "carol", rank: 2 }] }, 20_000),
    ]
  ) applyEvent(state, event);
  assert.deepEqual(channelSummary(state, source).peakChatUsers, { count: 3, at: 2_000 });
  assert.equal(userSummary(state, source, "dan", 30_000)!.timeConnectedMs, 10_000);
  const carol = userSummary(state, source, "carol", 30_000)!;
  assert.equal(carol.timeConnectedMs, 20_000, "10 s before the drop, 10 s since the rejoin");
  assert.equal(carol.sessionStart, 20_000);
});
