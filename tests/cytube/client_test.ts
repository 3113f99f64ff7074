import assert from "node:assert/strict";
import {
  backoffDelay,
  ClosedError,
  CytubeClient,
  type CytubeError,
  DEFAULT_BACKOFF,
  InvalidChannelNameError,
  KickedError,
  LoginFailedError,
  MalformedFrameError,
  WrongChannelPasswordError,
} from "../../connectors/cytube/mod.ts";
import { classifyKick } from "../../connectors/cytube/mod.ts";
import { createLogger } from "../../core/log/mod.ts";
import { startFakeCytube } from "../fake_cytube/mod.ts";
import { clientFor, collect, nextEvent } from "./_helpers.ts";

Deno.test("a guest joins, logs in and sees the channel", async () => {
  await using fake = await startFakeCytube({
    users: [{ name: "alice", rank: 2 }],
    playlist: [{ id: "abc", title: "First" }],
  });
  await using client = clientFor(fake);
  const info = await client.connect();
  assert.deepEqual(info, {
    channel: fake.channel,
    name: "bot",
    rank: 0,
    guest: true,
    serverUrl: fake.url,
  });
  assert.equal(client.status, "ready");
  assert.equal(client.state.user("alice")?.rank, 2);
  assert.equal(client.state.current?.media.title, "First");
  assert.equal(client.state.nowPlaying?.media.id, "abc");
  await fake.waitFor(() => fake.users.some((u) => u.name === "bot"), 2000, "bot in the userlist");
  const joins = fake.received.filter((f) => f.event === "joinChannel");
  assert.deepEqual(joins.map((f) => f.args[0]), [{ name: fake.channel }]);
  assert.deepEqual(fake.received.find((f) => f.event === "login")?.args[0], { name: "bot" });
});

Deno.test("an account logs in with its password and gets its rank", async () => {
  await using fake = await startFakeCytube({ accounts: { Rosey: { password: "pw", rank: 3 } } });
  await using client = clientFor(fake, { user: { name: "rosey", password: "pw" } });
  const info = await client.connect();
  assert.equal(info.name, "Rosey");
  assert.equal(info.rank, 3);
  assert.equal(info.guest, false);
});

Deno.test("a refused account login is a LoginFailedError with the server's reason", async () => {
  await using fake = await startFakeCytube({ accounts: { rosey: { password: "pw", rank: 3 } } });
  await using client = clientFor(fake, { user: { name: "rosey", password: "wrong" } });
  await assert.rejects(client.connect(), (error: unknown) => {
    assert.ok(error instanceof LoginFailedError);
    assert.match(error.message, /Invalid username\/password combination; check /);
    // An account login: the guest-name hint would send the operator the wrong way.
    assert.doesNotMatch(error.message, /guest/);
    assert.match(error.message, /connectors\.cytube\.user\.password/);
    return true;
  });
  assert.equal(client.status, "failed");
  assert.equal(fake.connections.total, 1, "no reconnect after a refused login");
});

Deno.test("an invalid channel name is refused before connecting", () => {
  assert.throws(
    () =>
      new CytubeClient({
        baseUrl: "http://127.0.0.1:1",
        channel: "no spaces",
        user: { name: "bot" },
      }),
    InvalidChannelNameError,
  );
});

Deno.test("the channel password is sent and the join completes", async () => {
  await using fake = await startFakeCytube({ channelPassword: "sekrit" });
  await using client = clientFor(fake, { channelPassword: "sekrit" });
  await client.connect();
  const join = fake.received.find((f) => f.event === "joinChannel");
  assert.deepEqual(join?.args[0], { name: fake.channel, pw: "sekrit" });
});

Deno.test("a wrong channel password is retried once, then WrongChannelPasswordError", async () => {
  await using fake = await startFakeCytube({ channelPassword: "sekrit" });
  await using client = clientFor(fake, { channelPassword: "guess" });
  await assert.rejects(client.connect(), (error: unknown) => {
    assert.ok(error instanceof WrongChannelPasswordError);
    assert.equal(error.name, "WrongChannelPasswordError");
    assert.equal(error.passwordGiven, true);
    assert.match(error.message, /rejected the configured channel password/);
    assert.match(error.message, /connectors\.cytube\.channelPassword/);
    return true;
  });
  const retries = fake.received.filter((f) => f.event === "channelPassword");
  assert.deepEqual(retries.map((f) => f.args[0]), ["guess"]);
  assert.equal(client.status, "failed");
  assert.equal(fake.connections.total, 1);
});

Deno.test("a missing channel password says how to fix it", async () => {
  await using fake = await startFakeCytube({ channelPassword: "sekrit" });
  await using client = clientFor(fake);
  await assert.rejects(client.connect(), (error: unknown) => {
    assert.ok(error instanceof WrongChannelPasswordError);
    assert.equal(error.passwordGiven, false);
    assert.match(error.message, /connectors\.cytube\.channelPassword/);
    return true;
  });
});

Deno.test("a moderator account gets past the channel password without it", async () => {
  await using fake = await startFakeCytube({
    channelPassword: "sekrit",
    accounts: { mod: { password: "pw", rank: 2 } },
  });
  await using client = clientFor(fake, { user: { name: "mod", password: "pw" } });
  const info = await client.connect();
  assert.equal(info.rank, 2);
});

Deno.test("backlog and our own echoes are ignored but counted", async () => {
  await using fake = await startFakeCytube({
    users: [{ name: "alice" }],
    backlog: [
      { username: "alice", msg: "!roll 1d6" },
      { username: "bot", msg: "old reply" },
      { username: "carol", msg: "hello?" },
    ],
  });
  await using client = clientFor(fake);
  const chats = collect(client, "chat");
  const pms = collect(client, "pm");
  await client.connect();
  client.chat("hello everyone");
  client.pm("alice", "psst");
  await fake.waitFor(() => fake.chatAttempts.length >= 2, 2000, "chat and pm");
  const after = nextEvent(client, "chat");
  fake.say("alice", "after");
  assert.equal((await after).text, "after");
  assert.deepEqual(chats.map((c) => c.text), ["after"]);
  assert.deepEqual(pms, []);
  const counters = client.counters;
  assert.equal(counters.backlog, 3);
  assert.equal(counters.ownChat, 1);
  assert.equal(counters.ownPm, 1);
  assert.equal(client.outboundStats.chat.confirmed, 2);
});

Deno.test("chat text is entity-decoded, with links kept as their URL", async () => {
  await using fake = await startFakeCytube({ users: [{ name: "alice" }] });
  await using client = clientFor(fake);
  await client.connect();
  const text = `5 > 3 & "q" 'x' (y) <b>not bold</b> see https://example.com/a?b=1&c=2`;
  const chat = nextEvent(client, "chat");
  fake.say("alice", text);
  const message = await chat;
  assert.equal(message.text, text);
  assert.match(message.html, /&lt;b&gt;/);
  assert.match(message.html, /<a href="https:\/\/example.com/);
  assert.equal(message.username, "alice");
  assert.equal(message.isAction, false);
  assert.ok(message.time >= Date.now() - 5000);
});

Deno.test("/me arrives as an action, and me() sends /me", async () => {
  await using fake = await startFakeCytube({ users: [{ name: "alice" }] });
  await using client = clientFor(fake);
  await client.connect();
  const chat = nextEvent(client, "chat");
  fake.say("alice", "/me waves");
  const message = await chat;
  assert.equal(message.isAction, true);
  assert.equal(message.text, "waves");
  client.me("waves back");
  await fake.waitFor(() => fake.accepted().length === 1, 2000, "the action");
  assert.deepEqual(fake.accepted(), ["/me waves back"]);
});

Deno.test("PMs are decoded, and PM replies reach the user", async () => {
  await using fake = await startFakeCytube({ users: [{ name: "alice", rank: 2 }] });
  await using client = clientFor(fake);
  await client.connect();
  const pm = nextEvent(client, "pm");
  fake.pm("alice", "bot", "status & <stuff>");
  const message = await pm;
  assert.equal(message.username, "alice");
  assert.equal(message.to, "bot");
  assert.equal(message.text, "status & <stuff>");
  client.pm("alice", "line one\nline two", { limit: 500 });
  await fake.waitFor(() => fake.accepted("pm").length === 1, 2000, "the PM reply");
  assert.deepEqual(fake.accepted("pm"), ["line one\nline two"]);
});

Deno.test("a PM to someone absent surfaces the server's error", async () => {
  await using fake = await startFakeCytube();
  await using client = clientFor(fake);
  await client.connect();
  const error = nextEvent(client, "serverError");
  client.pm("nobody", "hi");
  assert.match((await error).msg, /PM failed: nobody isn't connected/);
});

Deno.test("long chat is split at the 320-character cap so nothing is cut off", async () => {
  await using fake = await startFakeCytube();
  await using client = clientFor(fake);
  await client.connect();
  const words = Array.from({ length: 120 }, (_, i) => `word${i}`).join(" ");
  const chunks = client.chat(words);
  assert.ok(chunks >= 3);
  await fake.waitFor(() => fake.accepted().length === chunks, 2000, "all chunks");
  assert.ok(fake.accepted().every((m) => m.length <= 320));
  assert.equal(fake.accepted().join(" "), words);
});

Deno.test("a refused guest login is retried after the delay the server names", async () => {
  await using fake = await startFakeCytube({ guestLoginDelaySeconds: 0.3 });
  await using first = clientFor(fake, { user: { name: "first" } });
  await using second = clientFor(fake, { user: { name: "second" } });
  await first.connect();
  const start = performance.now();
  const info = await second.connect();
  assert.equal(info.name, "second");
  assert.ok(performance.now() - start >= 250, "it waited for the guest delay");
  const logins = fake.received.filter((f) => f.event === "login" && f.socketId !== undefined);
  assert.equal(logins.filter((f) => (f.args[0] as { name: string }).name === "second").length, 2);
});

Deno.test("after a dropped socket the client reconnects, rejoins and logs in again", async () => {
  await using fake = await startFakeCytube({
    guestLoginDelaySeconds: 0.05,
    users: [{ name: "alice" }],
  });
  await using client = clientFor(fake);
  await client.connect();
  const disconnected = nextEvent(client, "disconnected");
  const readyAgain = nextEvent(client, "ready");
  fake.dropAllSockets();
  const drop = await disconnected;
  assert.equal(drop.willReconnect, true);
  client.chat("sent while disconnected");
  await readyAgain;
  assert.equal(fake.connections.total, 2);
  assert.equal(fake.received.filter((f) => f.event === "joinChannel").length, 2);
  assert.equal(fake.received.filter((f) => f.event === "login").length >= 2, true);
  await fake.waitFor(() => fake.accepted().length === 1, 2000, "the queued message");
  assert.deepEqual(fake.accepted(), ["sent while disconnected"]);
  const chat = nextEvent(client, "chat");
  fake.say("alice", "welcome back");
  assert.equal((await chat).text, "welcome back");
});

Deno.test("the default reconnect delay is at least 10 s, with jitter and a cap", async () => {
  assert.ok(DEFAULT_BACKOFF.initialDelayMs >= 10_000);
  for (let attempt = 1; attempt < 30; attempt++) {
    const low = backoffDelay(attempt, {}, () => 0);
    const high = backoffDelay(attempt, {}, () => 1);
    assert.ok(low >= 10_000, `attempt ${attempt}: ${low}`);
    assert.ok(high <= DEFAULT_BACKOFF.maxDelayMs * (1 + DEFAULT_BACKOFF.jitter));
    assert.ok(high > low);
  }
  assert.equal(backoffDelay(2, {}, () => 0), 20_000);
  // And a client left with the defaults waits that long after a drop.
  await using fake = await startFakeCytube();
  await using client = clientFor(fake, { reconnect: {} });
  await client.connect();
  const disconnected = nextEvent(client, "disconnected");
  fake.dropAllSockets();
  const drop = await disconnected;
  assert.ok((drop.delayMs ?? 0) >= 10_000, `delay ${drop.delayMs}`);
  assert.equal(client.status, "waiting");
});

Deno.test("a kick gives a clear KickedError and no reconnect loop", async () => {
  await using fake = await startFakeCytube();
  await using client = clientFor(fake);
  const errors = collect(client, "error");
  await client.connect();
  const kicked = nextEvent(client, "kicked");
  const disconnected = nextEvent(client, "disconnected");
  fake.kick("bot", "spamming");
  assert.equal((await kicked).reason, "spamming");
  const drop = await disconnected;
  assert.equal(drop.willReconnect, false);
  assert.equal(client.status, "kicked");
  const kickError = errors.find((e: CytubeError) => e instanceof KickedError);
  assert.ok(kickError instanceof KickedError);
  assert.equal(kickError.reason, "spamming");
  assert.equal(kickError.final, true);
  assert.match(kickError.message, /kicked from CyTube channel "fake_channel": spamming/);
  assert.equal(fake.connections.total, 1);
});

Deno.test("a channel that could not be loaded (database down) is rejoined once it loads", async () => {
  await using fake = await startFakeCytube({ databaseDown: true, guestLoginDelaySeconds: 0 });
  await using client = clientFor(fake);
  const kicks = collect(client, "kicked");
  const ready = client.connect();
  await fake.waitFor(() => fake.connections.total >= 2, 5000, "two refused joins");
  assert.equal(client.status === "kicked", false);
  assert.ok(kicks.length >= 1);
  assert.ok(kicks.every((k) => !k.final), JSON.stringify(kicks));
  fake.setDatabaseDown(false);
  const info = await ready;
  assert.equal(info.name, "bot");
  assert.equal(client.status, "ready");
});

Deno.test("every kick reason the CyTube source sends is classified transient or final", () => {
  const transient = [
    "Channel could not be loaded: Failed to load channel data from the database.  Please " +
    "try again later.",
    "Channel could not be loaded: Failed to load channel data from the database: An error " +
    "occurred when loading this channel's data from disk.  Please contact an administrator " +
    "for assistance.  The error was: EIO.  Please try again later.",
    "Channel shutting down",
    "Channel reloading",
    "Rate limit exceeded",
    "Too many connections from your IP address",
  ];
  const final = [
    "Channel could not be loaded: Channel is banned: spam",
    "Channel could not be loaded: Failed to load channel data from the database: This " +
    "channel's state size has exceeded the memory limit enforced by this server.  Please " +
    "contact an administrator for assistance.",
    "You are banned from this channel.",
    "You're banned!",
    "Channel deleted",
    "Channel was banned: abuse",
    "This channel has banned connections from Tor.",
    "Invalid channel name",
    "Duplicate login",
    "anonymous user",
    "Attempted assignLeader without sufficient permission",
    "",
    "go away, bot",
  ];
  for (const reason of transient) assert.equal(classifyKick(reason).kind, "transient", reason);
  for (const reason of final) assert.equal(classifyKick(reason).kind, "final", reason);
});

Deno.test("reconnect delays after repeated failures stay within about a minute", () => {
  for (let attempt = 1; attempt < 40; attempt++) {
    assert.ok(backoffDelay(attempt, {}, () => 1) <= 60_000, `attempt ${attempt}`);
  }
  // Jitter still spreads bots restarted together, even at the cap.
  assert.ok(backoffDelay(30, {}, () => 0) < backoffDelay(30, {}, () => 1));
});

Deno.test("malformed frames are counted and surfaced, and the client keeps working", async () => {
  await using fake = await startFakeCytube({ users: [{ name: "alice" }] });
  await using client = clientFor(fake);
  const malformed = collect(client, "malformed");
  await client.connect();
  const chat = nextEvent(client, "chat");
  fake.emitRaw("chatMsg", { username: 5, msg: "x", time: Date.now() });
  fake.emitRaw("userlist", "not a list");
  fake.emitRaw("addUser", null);
  fake.emitRaw("changeMedia", { id: 1 });
  fake.say("alice", "still here");
  assert.equal((await chat).text, "still here");
  assert.equal(client.counters.malformed, 4);
  assert.deepEqual(malformed.map((m) => m.event), [
    "chatMsg",
    "userlist",
    "addUser",
    "changeMedia",
  ]);
  assert.deepEqual(malformed.map((m) => m.count), [1, 2, 3, 4]);
  assert.ok(malformed.every((m) => m.error instanceof MalformedFrameError));
  assert.match(malformed[0]?.error.message ?? "", /malformed "chatMsg" frame \(username:/);
  assert.equal(client.status, "ready");
});

Deno.test("a throwing listener does not break event delivery", async () => {
  await using fake = await startFakeCytube({ users: [{ name: "alice" }] });
  await using client = clientFor(fake);
  await client.connect();
  client.on("chat", () => {
    throw new Error("listener bug");
  });
  const first = nextEvent(client, "chat", (c) => c.text === "one");
  fake.say("alice", "one");
  await first;
  const second = nextEvent(client, "chat", (c) => c.text === "two");
  fake.say("alice", "two");
  assert.equal((await second).text, "two");
});

Deno.test("server notices are marked, and user events follow joins and leaves", async () => {
  await using fake = await startFakeCytube();
  await using client = clientFor(fake);
  await client.connect();
  const joined = nextEvent(client, "userJoin");
  fake.addUser("dave", 1);
  assert.equal((await joined).name, "dave");
  const left = nextEvent(client, "userLeave");
  fake.removeUser("dave");
  assert.equal((await left).name, "dave");
  assert.equal(client.state.user("dave"), undefined);
  const notice = nextEvent(client, "chat");
  fake.sendChat({ username: "[server]", msg: "dave was kicked" });
  assert.equal((await notice).isServer, true);
});

Deno.test("close() while waiting out a guest delay rejects connect() and clears its timer", async () => {
  await using fake = await startFakeCytube({ guestLoginDelaySeconds: 60 });
  await using first = clientFor(fake, { user: { name: "first" } });
  await first.connect();
  const second = clientFor(fake, { user: { name: "second" } });
  const refused = nextEvent(second, "frame", (f) => f.event === "login" && !f.data.success);
  const connecting = second.connect();
  await refused;
  await second.close();
  await assert.rejects(connecting, (error: unknown) => error instanceof ClosedError);
  assert.equal(second.status, "closed");
  assert.throws(() => second.chat("late"), ClosedError);
});

Deno.test("a guest name still in use (e.g. our old socket) is retried after backoff", async () => {
  await using fake = await startFakeCytube({ users: [{ name: "bot" }] });
  await using client = clientFor(fake);
  const refused = nextEvent(client, "error", (e) => e instanceof LoginFailedError);
  const connecting = client.connect();
  assert.match((await refused).message, /already in use/);
  fake.removeUser("bot");
  const info = await connecting;
  assert.equal(info.name, "bot");
  assert.ok(fake.connections.total >= 2);
});

Deno.test("with reconnectAfterKickMs the client comes back after a kick", async () => {
  await using fake = await startFakeCytube({ guestLoginDelaySeconds: 0 });
  await using client = clientFor(fake, { reconnectAfterKickMs: 30 });
  await client.connect();
  const disconnected = nextEvent(client, "disconnected");
  const readyAgain = nextEvent(client, "ready");
  fake.kick("bot", "go away");
  const drop = await disconnected;
  assert.deepEqual([drop.willReconnect, drop.delayMs], [true, 30]);
  await readyAgain;
  assert.equal(client.status, "ready");
});

Deno.test("the join backlog is skipped even when the server's clock runs 2 minutes ahead", async () => {
  await using fake = await startFakeCytube({
    clockOffsetMs: 120_000,
    guestLoginDelaySeconds: 0,
    users: [{ name: "alice" }],
    backlog: [{ username: "alice", msg: "!flip", ageMs: 5_000 }],
  });
  await using client = clientFor(fake);
  const chats = collect(client, "chat");
  await client.connect();
  // And again after a rejoin: the backlog is replayed to every new socket.
  const readyAgain = nextEvent(client, "ready");
  fake.dropAllSockets();
  await readyAgain;
  const live = nextEvent(client, "chat");
  fake.say("alice", "live line");
  await live;
  assert.deepEqual(chats.map((c) => c.text), ["live line"]);
  assert.equal(client.counters.backlog, 2);
});

Deno.test("live chat is delivered even when the server's clock runs 30 s behind", async () => {
  await using fake = await startFakeCytube({ clockOffsetMs: -30_000, users: [{ name: "alice" }] });
  await using client = clientFor(fake);
  await client.connect();
  const live = nextEvent(client, "chat");
  fake.say("alice", "!roll 2d6");
  assert.equal((await live).text, "!roll 2d6");
  assert.equal(client.counters.backlog, 0);
});

Deno.test("a guest name that is a registered account is refused in one clean sentence", async () => {
  await using fake = await startFakeCytube({ accounts: { rosey: { password: "pw", rank: 1 } } });
  await using client = clientFor(fake, { user: { name: "rosey" } });
  await assert.rejects(client.connect(), (error: unknown) => {
    assert.ok(error instanceof LoginFailedError);
    assert.match(error.message, /failed: That username is registered; a guest name/);
    assert.doesNotMatch(error.message, /\.;|;;|\.\./);
    return true;
  });
});

Deno.test("joining an unregistered (e.g. misspelt) channel warns once, naming the config key", async () => {
  const lines: string[] = [];
  const logger = createLogger({ format: "json", level: "debug", sink: (l) => lines.push(l) });
  await using fake = await startFakeCytube({ guestLoginDelaySeconds: 0 });
  await using client = clientFor(fake, { logger });
  await client.connect();
  const readyAgain = nextEvent(client, "ready");
  fake.dropAllSockets();
  await readyAgain;
  const warnings = lines.map((l) => JSON.parse(l)).filter((e) =>
    e.code === "CHANNEL_NOT_REGISTERED"
  );
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0].level, "warn");
  assert.match(warnings[0].msg ?? warnings[0].message, /connectors\.cytube\.channels\b/);
});

Deno.test("a line waiting its turn under the flood limit is confirmed, not reported late", async () => {
  // chat_antiflood: 4 at once, then 1 per second (src/channel/opts.js defaults).
  await using fake = await startFakeCytube({ chatAntiflood: true });
  await using client = clientFor(fake, { actionTimeoutMs: 800 });
  await client.connect();
  const lines = ["one", "two", "three", "four", "five", "six"];
  const outcomes = await Promise.all(lines.map((line) => client.chatOutcome(line)));
  assert.deepEqual(outcomes, lines.map(() => ({ ok: true })));
  assert.deepEqual(fake.accepted("chat", "bot"), lines);
});
