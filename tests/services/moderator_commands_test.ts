/**
 * The moderator PM shell end to end: a moderator PMs the bot on a (fake) CyTube server, the
 * real connector turns it into a `pm` event, the moderator service answers by PM and acts on
 * the channel. Rank rules, chunking at 500 characters and the audit trail included.
 */
import assert from "node:assert/strict";
import { waitFor } from "@quicksilver/testing";
import { BOT, ServicesEnv } from "./_env.ts";

const PLAYLIST = [
  { id: "aaaaaaaaaaa", type: "yt", title: "First", seconds: 3723, queueby: "boss" },
  { id: "bbbbbbbbbbb", type: "yt", title: "Second", seconds: 90, queueby: "alice" },
  { id: "ccccccccccc", type: "yt", title: "Third", seconds: 5, temp: true },
];

Deno.test("moderators run every shell command by PM on CyTube; others are ignored", async (t) => {
  await using env = await ServicesEnv.start({
    fake: {
      users: [
        { name: "boss", rank: 3 },
        { name: "mod", rank: 2 },
        { name: "alice", rank: 1 },
        { name: "founder", rank: 4 },
      ],
      playlist: PLAYLIST,
    },
  });
  const { fake } = env;
  const ids = () => fake.playlist.map((item) => item.id);
  const state = env.connector.client.state;

  await t.step("help lists the commands, in chunks of at most 500 characters", async () => {
    const before = env.pmActions.length;
    const reply = await env.ask("mod", "help");
    assert.match(reply, /^Bot Commands:/);
    for (const word of ["playlist [n]", "kick <u> [r]", "voteskip", "clear"]) {
      assert.ok(reply.includes(word), word);
    }
    const chunks = env.pmActions.slice(before);
    assert.ok(chunks.length >= 2, "the help is longer than one PM");
    assert.ok(chunks.every((c) => c.text.length <= 500 && c.to === "mod"));
  });

  await t.step("info and status describe the bot and the channel", async () => {
    const info = await env.ask("mod", "info");
    assert.match(info, new RegExp(`^Bot: ${BOT.name}\nRank: 3\nAFK: No\nChannel: ${fake.channel}`));
    assert.match(info, /Users: 5 in chat, \d+ connected|Users: 5/);
    assert.match(info, /Playlist: 3 items\nDuration: 1h 3m 38s\nNow playing: First/);
    const status = await env.ask("boss", "status");
    assert.match(status, /^Uptime: \d+s\nConnected: Yes\nServer: http:\/\/127\.0\.0\.1:\d+/);
    assert.match(status, /Playback: Playing/);
  });

  await t.step("users lists everyone by rank with flags; user shows one", async () => {
    const users = await env.ask("mod", "users");
    const lines = users.split("\n");
    assert.equal(lines[0], "Users in channel (5):");
    assert.deepEqual(lines.slice(1, 2), ["  [4] founder"]);
    assert.ok(lines.includes("  [1] alice"));
    const user = await env.ask("mod", "user alice");
    assert.match(user, /^User: alice\nRank: 1\nAFK: No\nMuted: No/);
    // No stats service in this test: the shell says so instead of failing.
    assert.match(user, /Database stats unavailable \(timeout\)/);
    assert.match(await env.ask("mod", "user nobody"), /^Error: User 'nobody' not found/);
    assert.equal(await env.ask("mod", "user"), "Usage: user <username>");
  });

  await t.step("playlist numbers from 1, marks the current item and shows durations", async () => {
    assert.equal(
      await env.ask("mod", "playlist"),
      "Playlist (3 items):\n► 1. First (1h 2m 3s)\n  2. Second (1m 30s)\n  3. Third (5s)",
    );
    assert.equal(
      await env.ask("mod", "playlist 1"),
      "Playlist (3 items):\n► 1. First (1h 2m 3s)\n  ... and 2 more",
    );
    const current = await env.ask("mod", "current");
    assert.match(current, /^Title: First\nDuration: 1h 2m 3s\nQueued by: boss\n/);
    assert.match(current, /URL: https:\/\/youtube\.com\/watch\?v=aaaaaaaaaaa\nTemporary: No/);
  });

  await t.step("add queues a parsed media link, temporary unless told otherwise", async () => {
    assert.equal(
      await env.ask("mod", "add https://youtu.be/ddddddddddd"),
      "Added: https://youtu.be/ddddddddddd (temporary)",
    );
    await fake.waitFor(() => ids().includes("ddddddddddd"), 5000, "queued d");
    assert.equal(fake.playlist.find((i) => i.id === "ddddddddddd")!.temp, true);
    assert.equal(
      await env.ask("mod", "add https://www.youtube.com/watch?v=eeeeeeeeeee perm"),
      "Added: https://www.youtube.com/watch?v=eeeeeeeeeee (permanent)",
    );
    await fake.waitFor(() => ids().includes("eeeeeeeeeee"), 5000, "queued e");
    assert.equal(fake.playlist.find((i) => i.id === "eeeeeeeeeee")!.temp, false);
    assert.match(await env.ask("mod", "add http://example.com/x.txt"), /^Error: .*https/);
    await waitFor(() => state.playlist.length === 5, { what: "the connector sees 5 items" });
  });

  await t.step("move, jump, next and remove act on the item at that position", async () => {
    // Queue: First, Second, Third, d, e. Moving 5 to 1 puts e first ("prepend").
    assert.equal(
      await env.ask("mod", "move 5 1"),
      "Moved Media yt:eeeeeeeeeee from position 5 to 1",
    );
    await fake.waitFor(() => ids()[0] === "eeeeeeeeeee", 5000, "e first");
    await waitFor(() => state.playlist[0]?.media.id === "eeeeeeeeeee", { what: "state moved" });
    // Moving 1 to 3 goes after the item now at position 2 (First): e lands after First.
    assert.equal(
      await env.ask("mod", "move 1 3"),
      "Moved Media yt:eeeeeeeeeee from position 1 to 3",
    );
    await fake.waitFor(() => ids()[1] === "eeeeeeeeeee", 5000, "e after First");
    await waitFor(() => state.playlist[1]?.media.id === "eeeeeeeeeee", { what: "state moved" });
    assert.deepEqual(ids(), [
      "aaaaaaaaaaa",
      "eeeeeeeeeee",
      "bbbbbbbbbbb",
      "ccccccccccc",
      "ddddddddddd",
    ]);

    assert.equal(await env.ask("mod", "jump 3"), "Jumped to: Second");
    const second = fake.playlist[2]!.uid;
    await fake.waitFor(() => fake.currentUid === second, 5000, "jumped to Second");
    await waitFor(() => state.nowPlaying?.uid === second, { what: "state playing Second" });
    assert.equal(await env.ask("mod", "next"), "Skipped to: Third");
    const third = fake.playlist[3]!.uid;
    await fake.waitFor(() => fake.currentUid === third, 5000, "skipped to Third");
    await waitFor(() => state.nowPlaying?.uid === third, { what: "state playing Third" });

    assert.equal(await env.ask("mod", "remove 5"), "Removed: Media yt:ddddddddddd");
    await fake.waitFor(() => !ids().includes("ddddddddddd"), 5000, "d removed");
    await waitFor(() => state.playlist.length === 4, { what: "state without d" });
    assert.equal(await env.ask("mod", "remove 9"), "Error: Position must be between 1 and 4");
    assert.equal(
      await env.ask("mod", "jump x"),
      'Error: Invalid position number "x"; positions start at 1',
    );
  });

  await t.step("say, pm and clear go to the channel as the bot", async () => {
    assert.equal(await env.ask("mod", "say Hello everyone!"), "Sent: Hello everyone!");
    await fake.waitFor(() => env.fake.accepted("chat", BOT.name).includes("Hello everyone!"));
    assert.equal(await env.ask("mod", "pm alice psst"), "PM sent to alice: psst");
    await fake.waitFor(() => env.pmsTo("alice").includes("psst"), 5000, "PM to alice");
    assert.equal(await env.ask("boss", "clear"), "Chat cleared");
    await fake.waitFor(() => env.fake.accepted("chat", BOT.name).includes("/clear"));
  });

  await t.step("afk shows and sets the bot's AFK state", async () => {
    assert.equal(await env.ask("mod", "afk"), "Current AFK status: Off");
    assert.equal(await env.ask("mod", "afk on"), "AFK status: On");
    await waitFor(() => fake.users.find((u) => u.name === BOT.name)?.afk === true, {
      what: "the bot AFK on CyTube",
    });
    assert.equal(await env.ask("mod", "afk"), "Current AFK status: On");
    assert.equal(await env.ask("mod", "afk maybe"), "Usage: afk [on|off]");
  });

  await t.step("pause needs the leader; voteskip shows the count", async () => {
    assert.match(await env.ask("mod", "pause"), /^Error: pausing needs the leader/);
    assert.match(await env.ask("mod", "voteskip"), /^Voteskip: \d+\/\d+$/);
  });

  await t.step("kick removes a lower rank and refuses an equal or higher one", async () => {
    assert.equal(await env.ask("mod", "kick alice Spamming"), "Kicked alice: Spamming");
    await fake.waitFor(() => !fake.users.some((u) => u.name === "alice"), 5000, "alice kicked");
    assert.match(await env.ask("mod", "kick boss"), /^Error: cannot kick boss: their rank \(3\)/);
    assert.match(await env.ask("mod", "kick founder"), /^Error: cannot kick founder/);
    assert.ok(
      fake.users.some((u) => u.name === "boss") && fake.users.some((u) => u.name === "founder"),
    );
    assert.equal(
      await env.ask("mod", "frobnicate"),
      "Unknown command: frobnicate\nType 'help' for available commands",
    );
  });

  await t.step("every command was audited pending then success or error", () => {
    const finals = env.audits.filter((r) => r.result !== "pending");
    const pendings = env.audits.filter((r) => r.result === "pending");
    assert.equal(finals.length, pendings.length);
    const kick = finals.filter((r) => r.command === "kick");
    assert.deepEqual(kick.map((r) => [r.actor, r.args, r.result]), [
      ["mod", "alice Spamming", "success"],
      ["mod", "boss", "error"],
      ["mod", "founder", "error"],
    ]);
    assert.ok(finals.every((r) => r.service === "moderator" && r.source.platform === "cytube"));
  });

  await t.step("PMs from rank < 2, from absent users and from the bot are ignored", async () => {
    const audited = env.audits.length;
    const sent = env.pmActions.length;
    fake.addUser("guesty", 1);
    await waitFor(() => state.user("guesty") !== undefined, { what: "guesty joined" });
    fake.pm("guesty", BOT.name, "help");
    fake.pm("ghost", BOT.name, "help");
    fake.pm(BOT.name, BOT.name, "help");
    // A moderator's command after them is answered: the ignored ones got nothing.
    assert.equal(await env.ask("mod", "voteskip").then(() => "answered"), "answered");
    assert.equal(env.audits.length, audited + 2);
    assert.deepEqual(env.pmActions.slice(sent).map((a) => a.to), ["mod"]);
  });
});
