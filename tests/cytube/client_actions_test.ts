import assert from "node:assert/strict";
import type { CytubeClient } from "../../connectors/cytube/mod.ts";
import { type FakeCytube, startFakeCytube } from "../fake_cytube/mod.ts";
import { clientFor, nextEvent } from "./_helpers.ts";

async function moderatorSetup(): Promise<{ fake: FakeCytube; client: CytubeClient }> {
  const fake = await startFakeCytube({
    accounts: { bot: { password: "pw", rank: 3 } },
    users: [{ name: "alice", rank: 1 }],
    playlist: [{ id: "a" }, { id: "b" }, { id: "c" }],
  });
  const client = clientFor(fake, { user: { name: "bot", password: "pw" } });
  await client.connect();
  return { fake, client };
}

const clientUids = (client: CytubeClient) => client.state.playlist.map((i) => i.uid);
const fakeUids = (fake: FakeCytube) => fake.playlist.map((i) => i.uid);

Deno.test("playlist actions are applied by the server and mirrored in the client state", async () => {
  const { fake, client } = await moderatorSetup();
  await using _fake = fake;
  await using _client = client;
  assert.deepEqual(clientUids(client), fakeUids(fake));
  assert.equal(client.state.currentUid, fake.currentUid);

  let change = nextEvent(client, "playlistChange", (c) => c.kind === "queue");
  assert.equal(client.queueMedia({ id: "d", type: "yt", pos: "end" }), true);
  await change;
  change = nextEvent(client, "playlistChange", (c) => c.kind === "queue");
  client.queueMedia({ id: "e", type: "yt", pos: "next", temp: true });
  const queued = await change;
  assert.ok(queued.kind === "queue" && queued.after === fake.currentUid);
  assert.deepEqual(clientUids(client), fakeUids(fake));

  const [first, second, third] = fake.playlist;
  assert.ok(first && second && third);
  change = nextEvent(client, "playlistChange", (c) => c.kind === "move");
  client.moveMedia(third.uid, "prepend");
  await change;
  change = nextEvent(client, "playlistChange", (c) => c.kind === "move");
  client.moveMedia(first.uid, second.uid);
  await change;
  change = nextEvent(client, "playlistChange", (c) => c.kind === "delete");
  client.deleteMedia(second.uid);
  await change;
  change = nextEvent(client, "playlistChange", (c) => c.kind === "temp");
  client.setTemp(third.uid, true);
  await change;
  assert.deepEqual(clientUids(client), fakeUids(fake));
  assert.deepEqual(
    client.state.playlist.map((i) => i.temp),
    fake.playlist.map((i) => i.temp),
  );

  const media = nextEvent(client, "mediaChange", (m) => m.uid === third.uid);
  client.jumpTo(third.uid);
  assert.equal((await media).media.id, third.id);
  assert.equal(client.state.current?.uid, third.uid);

  const next = nextEvent(client, "mediaChange");
  client.playNext();
  await next;
  assert.equal(client.state.currentUid, fake.currentUid);
  assert.deepEqual(clientUids(client), fakeUids(fake), "the temp item was removed on skip");

  change = nextEvent(client, "playlistChange", (c) => c.kind === "replace");
  client.clearPlaylist();
  await change;
  assert.deepEqual(client.state.playlist, []);
  assert.equal(client.state.currentUid, null);
});

Deno.test("pausing goes through mediaUpdate and needs the leader", async () => {
  const { fake, client } = await moderatorSetup();
  await using _fake = fake;
  await using _client = client;
  const leader = nextEvent(client, "leader");
  client.assignLeader("bot");
  assert.deepEqual(await leader, { name: "bot" });
  const update = nextEvent(client, "mediaUpdate");
  assert.equal(client.setPaused(true), true);
  assert.equal((await update).paused, true);
  assert.equal(client.state.nowPlaying?.paused, true);
  const sent = fake.received.find((f) => f.event === "mediaUpdate");
  assert.deepEqual(sent?.args[0], { id: "a", currentTime: 0, paused: true, type: "yt" });
});

Deno.test("kick goes out as the /kick chat command", async () => {
  const { fake, client } = await moderatorSetup();
  await using _fake = fake;
  await using _client = client;
  const left = nextEvent(client, "userLeave");
  client.kick("alice", "too loud");
  assert.equal((await left).name, "alice");
  assert.deepEqual(fake.accepted("chat", "bot"), ["/kick alice too loud"]);
  assert.equal(client.state.user("alice"), undefined);
});

Deno.test("queueing too fast at low rank is paced by the queue limiter", async () => {
  await using fake = await startFakeCytube({ permissions: { playlistadd: 0 } });
  await using client = clientFor(fake);
  await client.connect();
  const fails: string[] = [];
  client.on("queueFail", (f) => fails.push(f.msg));
  for (const id of ["q1", "q2", "q3", "q4"]) client.queueMedia({ id, type: "yt", pos: "end" });
  await fake.waitFor(() => fake.playlist.length === 4, 5000, "4 queued items");
  assert.deepEqual(fake.playlist.map((i) => i.id), ["q1", "q2", "q3", "q4"]);
  assert.deepEqual(fails, []);
});

Deno.test("voteskip counts are reported to users who may see them", async () => {
  const { fake, client } = await moderatorSetup();
  await using _fake = fake;
  await using _client = client;
  const voteskip = nextEvent(client, "voteskip");
  client.voteskip();
  const counts = await voteskip;
  assert.equal(counts.count, 1);
  assert.ok(counts.need >= 1);
  assert.deepEqual(client.state.voteskip, counts);
});

Deno.test("actions while disconnected are refused, not buffered", async () => {
  await using fake = await startFakeCytube();
  await using client = clientFor(fake);
  assert.equal(client.deleteMedia(1), false);
  assert.equal(client.playNext(), false);
  await client.connect();
  assert.equal(client.playNext(), true);
});

Deno.test("media changed by someone else reaches the client as mediaChange", async () => {
  await using fake = await startFakeCytube({ playlist: [{ id: "a" }] });
  await using client = clientFor(fake);
  await client.connect();
  const change = nextEvent(client, "mediaChange", (m) => m.media.id === "new");
  fake.changeMedia({ id: "new", title: "Something new", seconds: 90 });
  const now = await change;
  assert.equal(now.media.title, "Something new");
  assert.equal(client.state.current?.media.id, "new");
  assert.deepEqual(client.state.playlist.map((i) => i.media.id), ["a", "new"]);
});

Deno.test("antiflood switched on mid-session re-plans the pacing, and our rank change is tracked", async () => {
  await using fake = await startFakeCytube();
  await using client = clientFor(fake);
  await client.connect();
  const opts = nextEvent(client, "frame", (f) => f.event === "channelOpts");
  fake.setChannelOpts({
    chat_antiflood: true,
    chat_antiflood_params: { burst: 3, sustained: 5, cooldown: 1 },
  });
  await opts;
  assert.equal(client.state.options.chat_antiflood, true);
  const lines = Array.from({ length: 6 }, (_, i) => `paced ${i}`);
  for (const line of lines) client.chat(line);
  await fake.waitFor(() => fake.chatAttempts.length >= 6, 5000, "6 lines");
  assert.deepEqual(fake.accepted(), lines);
  assert.deepEqual(fake.dropped, []);
  const ranked = nextEvent(client, "userRank", (r) => r.name === "bot");
  fake.setRank("bot", 2);
  await ranked;
  assert.equal(client.state.self.rank, 2);
});
