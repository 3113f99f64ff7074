import assert from "node:assert/strict";
import { chatLine, formatLogTime, mediaLine, pmLine } from "../../services/chatlog/mod.ts";
import { chunkReply, formatDuration } from "../../services/moderator/mod.ts";

Deno.test("durations read like Rosey's: 1h 2m 3s, days first, 0s for nothing", () => {
  assert.equal(formatDuration(3723), "1h 2m 3s");
  assert.equal(formatDuration(90), "1m 30s");
  assert.equal(formatDuration(0), "0s");
  assert.equal(formatDuration(86400 + 60), "1d 1m");
  assert.equal(formatDuration(-1), "Unknown");
});

Deno.test("replies split on line boundaries into PMs of at most 500 characters", () => {
  const lines = Array.from({ length: 40 }, (_, i) => `line ${i} `.padEnd(30, "x"));
  const chunks = chunkReply(lines.join("\n"));
  assert.ok(chunks.length > 1);
  assert.ok(chunks.every((chunk) => chunk.length <= 500));
  assert.deepEqual(chunks.join("\n").split("\n"), lines, "no line lost or cut");
  const long = chunkReply("y".repeat(1200));
  assert.deepEqual(long.map((c) => c.length), [500, 500, 200]);
});

Deno.test("log lines carry real minutes (Rosey printed the month there)", () => {
  // 5 March 2024, 14:27:09 local time: Rosey's %H:%m:%S would have written 14:03:09.
  const time = new Date(2024, 2, 5, 14, 27, 9).getTime();
  assert.equal(formatLogTime(time), "05/03/2024 14:27:09");
  const user = { name: "alice", rank: 1 };
  assert.equal(chatLine(time, { user, text: "hi" }), "[05/03/2024 14:27:09] alice: hi");
  assert.equal(
    chatLine(time, { user, text: "waves", action: true }),
    "[05/03/2024 14:27:09] alice: /me waves",
  );
  assert.equal(
    chatLine(time, { user, text: "a\nforged line" }),
    "[05/03/2024 14:27:09] alice: a forged line",
  );
  assert.equal(
    pmLine(time, { user, text: "psst", to: "rosey" }),
    "[05/03/2024 14:27:09] alice -> rosey: psst",
  );
  assert.equal(
    mediaLine(time, {
      media: { type: "yt", id: "x", title: "Song", duration: 1, url: "https://youtu.be/x" },
      queuedBy: "bob",
    }),
    '[05/03/2024 14:27:09] bob: https://youtu.be/x "Song"',
  );
});
