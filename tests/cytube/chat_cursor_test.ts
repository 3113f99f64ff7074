/** The chat position (connectors/cytube/chat_cursor.ts): what a replayed line is, by server time. */
import assert from "node:assert/strict";
import { ChatCursorSchema, chatLineId, ChatPosition } from "../../connectors/cytube/mod.ts";

const line = (time: number, username = "alice", html = "!roll") => ({ username, html, time });

Deno.test("a replayed line is new only when it comes after the last handled one", () => {
  const position = new ChatPosition();
  assert.equal(position.isNew(line(1)), false, "no position: the replay is history");
  position.record(line(100));
  assert.equal(position.isNew(line(99)), false);
  assert.equal(position.isNew(line(100)), false, "the same line again");
  assert.equal(position.isNew(line(100, "bob")), true, "another line in the same millisecond");
  assert.equal(position.isNew(line(101)), true);
});

Deno.test("the position only moves forward and survives its stored form", () => {
  const position = new ChatPosition();
  position.record(line(200));
  position.record(line(200, "bob"));
  position.record(line(150, "carol"));
  const stored = ChatCursorSchema.parse(JSON.parse(JSON.stringify(position.cursor)));
  assert.equal(stored.time, 200);
  const next = new ChatPosition(stored);
  assert.equal(next.isNew(line(200)), false);
  assert.equal(next.isNew(line(200, "bob")), false);
  assert.equal(next.isNew(line(150, "carol")), false);
  assert.equal(next.isNew(line(200, "dave")), true);
});

Deno.test("a channel with no history starts at 'everything from now on is new'", () => {
  const position = new ChatPosition();
  position.startIfUnknown();
  assert.equal(position.isNew(line(1)), true);
  position.record(line(50));
  position.startIfUnknown();
  assert.equal(position.isNew(line(40)), false, "a known position is kept");
});

Deno.test("a chat line keeps its event id when a successor hears it again in the replay", () => {
  const line = { username: "Alice", html: "!roll 1d1", time: 1_700_000_000_123 };
  // The replay sends the same server time, user and HTML (src/channel/chat.js), so the events
  // stream's duplicate window drops the successor's copy.
  assert.equal(chatLineId("lobby", line), chatLineId("Lobby", { ...line, username: "alice" }));
  assert.notEqual(chatLineId("lobby", line), chatLineId("lobby", { ...line, time: line.time + 1 }));
  assert.notEqual(chatLineId("lobby", line), chatLineId("lobby", { ...line, html: "!roll 2d1" }));
  assert.notEqual(chatLineId("lobby", line), chatLineId("other", line));
});
