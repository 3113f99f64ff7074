import assert from "node:assert/strict";
import { toChatMessage } from "../../connectors/cytube/_frame_events.ts";
import { WATCH_MAX_AGE_MS, WatchRecord } from "../../connectors/cytube/_watch_record.ts";
import { literalChat } from "../../connectors/cytube/split.ts";

const line = (username: string, msg: string, time = 1000) =>
  toChatMessage({ username, msg, meta: {}, time });

Deno.test("a line the channel showed vouches for one chunk only, compared as CyTube shows it", () => {
  const record = new WatchRecord("Rosey", () => 5000);
  // As broadcast: escaped (src/xss.js), a "/" line sent behind a zero-width space.
  record.add(line("rosey", "a &lt;b&gt; &amp; c"), 2000);
  record.add(line("rosey", literalChat("/not a command")), 2000);
  assert.equal(record.claim("a <b>  & c", 1000), true);
  assert.equal(record.claim("a <b> & c", 1000), false, "one line, one chunk");
  assert.equal(record.claim(literalChat("/not a command"), 1000), true);
});

Deno.test("a bot line heard before the action was stored does not vouch for it", () => {
  const record = new WatchRecord("rosey", () => 5000);
  record.add(line("rosey", "pong"), 2000);
  assert.equal(record.claim("pong", 2500), false);
  assert.equal(record.claim("pong", 1500), true);
});

Deno.test("other users' lines are kept for the takeover, in order, once; server notices are not", () => {
  const record = new WatchRecord("rosey", () => 5000);
  record.add(line("alice", "!roll 1d6", 1), 100);
  record.add(line("[server]", "alice joined"), 100);
  record.add(line("bob", "hi", 2), 200);
  record.add(line("rosey", "alice rolled 4"), 300);
  assert.deepEqual(record.takeChat().map((c) => c.text), ["!roll 1d6", "hi"]);
  assert.deepEqual(record.takeChat(), []);
});

Deno.test("the record forgets lines older than its bound", () => {
  let now = 0;
  const record = new WatchRecord("rosey", () => now);
  record.add(line("alice", "old"), 0);
  record.add(line("rosey", "old answer"), 0);
  now = WATCH_MAX_AGE_MS + 1;
  record.add(line("alice", "new"), now);
  assert.deepEqual(record.takeChat().map((c) => c.text), ["new"]);
  assert.equal(record.claim("old answer", -1), false);
});
