import assert from "node:assert/strict";
import { ChannelState, parseServerFrame, type ServerFrame } from "../../connectors/cytube/mod.ts";

// Frames go through the real parser, so the tests also cover the schemas' defaults.
function frame(event: string, data?: unknown): ServerFrame {
  const parsed = parseServerFrame(event, data === undefined ? [] : [data]);
  if (parsed.kind !== "frame") {
    throw new Error(`test frame ${event} did not parse: ${JSON.stringify(parsed)}`);
  }
  return parsed.frame;
}

function item(uid: number, id = `v${uid}`, temp = false) {
  return {
    uid,
    temp,
    queueby: "alice",
    media: { id, title: `Title ${id}`, seconds: 60, duration: "01:00", type: "yt", meta: {} },
  };
}

function stateWith(uids: number[]): ChannelState {
  const state = new ChannelState();
  state.apply(frame("playlist", uids.map((uid) => item(uid))));
  return state;
}

const uids = (state: ChannelState) => state.playlist.map((i) => i.uid);

Deno.test("queue inserts after the given uid, or first with 'prepend'", () => {
  const state = stateWith([1, 2, 3]);
  state.apply(frame("queue", { item: item(4), after: 1 }));
  assert.deepEqual(uids(state), [1, 4, 2, 3]);
  state.apply(frame("queue", { item: item(5), after: "prepend" }));
  assert.deepEqual(uids(state), [5, 1, 4, 2, 3]);
  state.apply(frame("queue", { item: item(6), after: 3 }));
  assert.deepEqual(uids(state), [5, 1, 4, 2, 3, 6]);
});

Deno.test("queue after an unknown uid appends instead of losing the item", () => {
  const state = stateWith([1]);
  state.apply(frame("queue", { item: item(2), after: 99 }));
  assert.deepEqual(uids(state), [1, 2]);
});

Deno.test("moveVideo handles after = uid, 'prepend' and 'append'", () => {
  const state = stateWith([1, 2, 3, 4]);
  state.apply(frame("moveVideo", { from: 4, after: 1 }));
  assert.deepEqual(uids(state), [1, 4, 2, 3]);
  state.apply(frame("moveVideo", { from: 3, after: "prepend" }));
  assert.deepEqual(uids(state), [3, 1, 4, 2]);
  state.apply(frame("moveVideo", { from: 3, after: "append" }));
  assert.deepEqual(uids(state), [1, 4, 2, 3]);
  state.apply(frame("moveVideo", { from: 1, after: 3 }));
  assert.deepEqual(uids(state), [4, 2, 3, 1]);
});

Deno.test("moveVideo of an item after itself or of an unknown uid changes nothing", () => {
  const state = stateWith([1, 2, 3]);
  state.apply(frame("moveVideo", { from: 2, after: 2 }));
  state.apply(frame("moveVideo", { from: 9, after: 1 }));
  assert.deepEqual(uids(state), [1, 2, 3]);
});

Deno.test("moveVideo tolerates a numeric string after, as the server echoes the payload", () => {
  const state = stateWith([1, 2, 3]);
  state.apply(frame("moveVideo", { from: 1, after: "3" }));
  assert.deepEqual(uids(state), [2, 3, 1]);
});

Deno.test("delete removes the item and forgets it as current", () => {
  const state = stateWith([1, 2, 3]);
  state.apply(frame("setCurrent", 2));
  assert.equal(state.current?.uid, 2);
  state.apply(frame("delete", { uid: 2 }));
  assert.deepEqual(uids(state), [1, 3]);
  assert.equal(state.currentUid, null);
  state.apply(frame("delete", { uid: 42 }));
  assert.deepEqual(uids(state), [1, 3]);
});

Deno.test("setTemp flips the temp flag of one item", () => {
  const state = stateWith([1, 2]);
  state.apply(frame("setTemp", { uid: 2, temp: true }));
  assert.deepEqual(state.playlist.map((i) => i.temp), [false, true]);
});

Deno.test("setCurrent, changeMedia and mediaUpdate track what is playing", () => {
  const state = stateWith([1, 2]);
  state.apply(frame("setCurrent", 2));
  state.apply(frame("changeMedia", { ...item(2).media, currentTime: -3, paused: true }));
  assert.equal(state.nowPlaying?.uid, 2);
  assert.equal(state.nowPlaying?.media.id, "v2");
  assert.equal(state.nowPlaying?.paused, true);
  state.apply(frame("mediaUpdate", { currentTime: 12.5, paused: false }));
  assert.equal(state.nowPlaying?.currentTime, 12.5);
  assert.equal(state.nowPlaying?.paused, false);
  assert.equal(state.totalSeconds, 120);
});

Deno.test("a new playlist keeps the current uid only if it is still listed", () => {
  const state = stateWith([1, 2]);
  state.apply(frame("setCurrent", 2));
  state.apply(frame("playlist", [item(2), item(3)]));
  assert.equal(state.currentUid, 2);
  state.apply(frame("playlist", []));
  assert.equal(state.currentUid, null);
});

Deno.test("users: list, join, leave, rank, afk, meta and leader", () => {
  const state = new ChannelState();
  state.apply(frame("userlist", [{ name: "Alice", rank: 2 }, { name: "bob", rank: 0 }]));
  state.apply(frame("addUser", { name: "carol", rank: 1, profile: { image: "i", text: "t" } }));
  assert.deepEqual(state.users.map((u) => u.name), ["Alice", "bob", "carol"]);
  assert.equal(state.user("alice")?.rank, 2);
  state.apply(frame("setUserRank", { name: "bob", rank: 1.5 }));
  state.apply(frame("setAFK", { name: "carol", afk: true }));
  state.apply(
    frame("setUserMeta", { name: "Alice", meta: { afk: false, muted: true, ip: "1.2" } }),
  );
  state.apply(frame("setLeader", "bob"));
  assert.equal(state.user("bob")?.rank, 1.5);
  assert.equal(state.user("carol")?.afk, true);
  assert.equal(state.user("carol")?.profile.text, "t");
  assert.equal(state.user("alice")?.muted, true);
  assert.equal(state.user("alice")?.meta.ip, "1.2");
  assert.equal(state.leader, "bob");
  state.apply(frame("userLeave", { name: "BOB" }));
  state.apply(frame("setLeader", ""));
  assert.equal(state.user("bob"), undefined);
  assert.equal(state.leader, null);
});

Deno.test("own name and rank come from login, rank and setUserRank", () => {
  const state = new ChannelState();
  state.apply(frame("rank", -1));
  state.apply(frame("rank", 0));
  state.apply(frame("login", { success: true, name: "bot", guest: true }));
  assert.deepEqual(state.self, { name: "bot", rank: 0, guest: true, loggedIn: true });
  state.apply(frame("addUser", { name: "bot", rank: 0 }));
  state.apply(frame("setUserRank", { name: "bot", rank: 2 }));
  assert.equal(state.self.rank, 2);
});

Deno.test("usercount, options, permissions, voteskip and playlist meta are kept", () => {
  const state = new ChannelState();
  state.apply(frame("usercount", 7));
  state.apply(frame("channelOpts", { chat_antiflood: true, extra: "kept" }));
  state.apply(frame("setPermissions", { chat: 0, kick: 1.5 }));
  state.apply(frame("voteskip", { count: 1, need: 3 }));
  state.apply(frame("setPlaylistMeta", { count: 2, rawTime: 120, time: "02:00" }));
  state.apply(frame("setPlaylistLocked", true));
  assert.equal(state.usercount, 7);
  assert.equal(state.options.chat_antiflood, true);
  assert.equal((state.options as Record<string, unknown>).extra, "kept");
  assert.equal(state.permissions.kick, 1.5);
  assert.deepEqual(state.voteskip, { count: 1, need: 3 });
  assert.equal(state.playlistMeta.rawTime, 120);
  assert.equal(state.playlistLocked, true);
  state.reset();
  assert.equal(state.usercount, 0);
  assert.deepEqual(state.users, []);
});
