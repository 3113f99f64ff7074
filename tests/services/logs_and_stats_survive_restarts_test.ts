/**
 * Chat/media logs and stats through JetStream: they are complete and free of duplicates after
 * every process (connector, services) and nats-server itself were killed and restarted, after
 * a crash between writing a line and recording it, and after a full redelivery of the stream.
 */
import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import {
  ChannelStatsReplySchema,
  type EventBus,
  ServiceState,
  STREAMS,
  subjects,
  UserStatsReplySchema,
} from "@quicksilver/core";
import { waitFor } from "@quicksilver/testing";
import {
  CYTUBE_PLATFORM,
  CytubeConnector,
  cytubeConnectorRole,
} from "../../connectors/cytube/mod.ts";
import { ChatLogService } from "../../services/chatlog/mod.ts";
import { StatsService } from "../../services/stats/mod.ts";
import { moderatorRole } from "../../services/moderator/mod.ts";
import { ModeratorService } from "../../services/moderator/mod.ts";
import { BOT, ServicesEnv } from "./_env.ts";

const STAMP = String.raw`\[\d\d/\d\d/\d{4} \d\d:\d\d:\d\d\]`;

async function lastSeq(bus: EventBus): Promise<number> {
  const jsm = await jetstreamManager(bus.connection);
  return (await jsm.streams.info(STREAMS.events)).state.last_seq;
}

/** Waits until both services applied everything the stream holds now. */
async function caughtUp(env: ServicesEnv): Promise<void> {
  const seq = await lastSeq(env.observer);
  await env.chatlog!.applied(seq);
  await env.stats!.applied(seq);
}

Deno.test("logs and stats survive restarts of every process and of nats-server, without duplicates", async () => {
  await using env = await ServicesEnv.start({
    stats: true,
    chatlog: true,
    fake: {
      users: [{ name: "mod", rank: 2 }],
      playlist: [{ id: "aaaaaaaaaaa", title: "Opening", seconds: 60, queueby: "mod" }],
    },
  });
  const { fake } = env;
  const source = { platform: CYTUBE_PLATFORM, channel: fake.channel };
  const state = () => env.connector.client.state;

  // --- before the restarts
  fake.addUser("alice", 1);
  await waitFor(() => state().user("alice"), { what: "alice in the connector's state" });
  fake.say("alice", "hello");
  fake.say("alice", "two\nlines?");
  fake.pm("alice", BOT.name, "psst");
  fake.changeMedia({ id: "bbbbbbbbbbb", title: "Second song", seconds: 30 });
  await waitFor(
    async () => (await lastSeq(env.observer)) > 0 && state().nowPlaying?.media.id === "bbbbbbbbbbb",
    {
      what: "events stored",
    },
  );
  // Events are published asynchronously by the connector: wait for the media change too.
  await waitFor(async () => {
    await caughtUp(env);
    const media = await Deno.readTextFile(env.chatlog!.mediaLogPath(source)).catch(() => "");
    return media.includes("Second song");
  }, { what: "the media change logged" });
  const chatPath = env.chatlog!.chatLogPath(source);
  const mediaPath = env.chatlog!.mediaLogPath(source);

  // --- every process and nats-server go down hard
  await env.moderator.close();
  await env.connector.close();
  await env.stats!.close();
  await env.chatlog!.close();
  // A crash after a line was appended but before it was recorded: the line must not stay.
  await Deno.writeTextFile(chatPath, "[01/01/2000 00:00:00] ghost: half-written\n", {
    append: true,
  });
  await env.nats.server.kill();
  await env.nats.server.start();

  // --- everything comes back
  await env.startStats();
  await env.startChatlog();
  const c = cytubeConnectorRole();
  env.connector = await CytubeConnector.start(await env.nats.connect(`${c.name}`, c.permissions), {
    server: fake.url,
    channel: fake.channel,
    user: { name: BOT.name, password: BOT.password },
    reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
    healthIntervalMs: 60_000,
  });
  await env.connector.ready();
  await waitFor(() => state().user("alice"), { what: "alice seen again" });
  fake.say("alice", "after restart");
  fake.addUser("bob", 0);
  await waitFor(() => state().user("bob"), { what: "bob in the connector's state" });
  fake.say("bob", "hi all");
  fake.removeUser("alice");
  await waitFor(() => !state().user("alice"), { what: "alice gone" });
  await waitFor(async () => {
    await caughtUp(env);
    return (await Deno.readTextFile(chatPath)).includes("bob: hi all") &&
      (await env.stats!.applied(await lastSeq(env.observer)), true);
  }, { what: "the second half logged" });
  await caughtUp(env);

  const chat = (await Deno.readTextFile(chatPath)).trimEnd().split("\n");
  assert.equal(chat.length, 5, chat.join("\n"));
  const expected = [
    "alice: hello",
    "alice: two lines?",
    `alice -> ${BOT.name}: psst`,
    "alice: after restart",
    "bob: hi all",
  ];
  chat.forEach((line, i) => assert.match(line, new RegExp(`^${STAMP} ${escape(expected[i]!)}$`)));
  const media = (await Deno.readTextFile(mediaPath)).trimEnd().split("\n");
  const songs = media.filter((line) => line.includes('"Second song"'));
  assert.equal(songs.length, 1, media.join("\n"));
  assert.match(
    songs[0]!,
    new RegExp(`^${STAMP} : https://youtube\\.com/watch\\?v=bbbbbbbbbbb "Second song"$`),
  );

  // --- stats counted each line once, across the restarts
  const asker = env.observer;
  const channelReply = await asker.request(subjects.statsQuery("channel"), { source }, {
    schema: ChannelStatsReplySchema,
    replyPrefix: subjects.statsAnswers(asker.name),
  });
  assert.ok(channelReply.ok);
  assert.deepEqual(channelReply.stats.topChatters, [
    { name: "alice", lines: 3 },
    { name: "bob", lines: 1 },
  ]);
  assert.ok(channelReply.stats.peakViewers.count >= 3 && channelReply.stats.peakViewers.at);
  // Users already present when the bot (re)joins are not announced as joins by the connector,
  // so the chat-user peak counts those seen joining: alice, then bob after the restart.
  assert.ok(channelReply.stats.peakChatUsers.count >= 1 && channelReply.stats.peakChatUsers.at);
  const alice = await asker.request(subjects.statsQuery("user"), { source, name: "ALICE" }, {
    schema: UserStatsReplySchema,
    replyPrefix: subjects.statsAnswers(asker.name),
  });
  assert.ok(alice.ok && alice.user);
  assert.equal(alice.user.chatLines, 3);
  assert.equal(alice.user.sessionStart, undefined, "alice left");
  assert.ok(alice.user.leaves >= 1 && alice.user.timeConnectedMs > 0);

  // --- the moderator's `stats` command shows the same numbers
  const m = moderatorRole();
  env.moderator = await ModeratorService.start(await env.nats.connect(m.name, m.permissions));
  const shown = await env.ask("mod", "stats");
  assert.match(
    shown,
    /^=== Channel Statistics ===\nPeak chat users: \d+ \(\d{4}-\d\d-\d\d \d\d:\d\d\)/,
  );
  assert.match(shown, /=== Top Chatters ===\n1\. alice: 3 messages\n2\. bob: 1 messages/);

  // --- reading the whole stream again (another consumer from sequence 1, same files) adds nothing
  // The bot's reply is an event the connector publishes after the fake got it: wait for its line.
  await waitFor(async () => {
    await caughtUp(env);
    return (await Deno.readTextFile(chatPath)).includes(`${BOT.name} -> mod: === Channel`);
  }, { what: "the bot's reply logged" });
  // The stats instance is stopped first: one instance of a key runs at a time.
  await env.stats!.close();
  const before = {
    chat: await Deno.readTextFile(chatPath),
    stats: await savedStats(env.observer, "stats"),
  };
  const replayBus = await env.nats.connect("test-replay");
  const seq = await lastSeq(env.observer);
  const replayLog = await ChatLogService.start(replayBus, {
    dir: env.chatlog!.dir,
    consumer: "chatlog-replay",
    from: 1,
  });
  await replayLog.close();
  const replayStats = await StatsService.start(replayBus, { from: 1 });
  await replayStats.applied(seq);
  await replayStats.close();
  env.stats = undefined;
  assert.equal(await Deno.readTextFile(chatPath), before.chat);
  // The replay may record a later sequence (the moderator's own traffic), so compare what was
  // counted, not how far the stream has been read.
  const counted = (state: Record<string, unknown>) => ({ ...state, lastSeq: undefined });
  assert.deepEqual(counted(await savedStats(env.observer, "stats")), counted(before.stats));
});

/** The stats state an instance saved in the services' KV bucket. */
async function savedStats(bus: EventBus, instance: string): Promise<Record<string, unknown>> {
  const saved = await ServiceState.of(bus, "stats", instance).load();
  assert.ok(saved, `stats.${instance} saved`);
  const text = await new Response(
    new Blob([saved as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
      new DecompressionStream("gzip"),
    ),
  ).text();
  return JSON.parse(text);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
