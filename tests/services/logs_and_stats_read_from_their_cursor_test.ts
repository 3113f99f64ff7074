/**
 * The chat log and stats read `ROSEY_EVENTS` from their own cursor, through a consumer without
 * acks that the server keeps in memory (issue 19): what keeps "nothing lost, nothing twice" is
 * the reader attaching again at the cursor whenever the consumer or a write is lost. These tests
 * lose them while the services keep running (the restarts test stops the services first).
 */
import assert from "node:assert/strict";
import { AckPolicy, jetstreamManager } from "@nats-io/jetstream";
import {
  ChannelStatsReplySchema,
  createEnvelope,
  ensureCoreStreams,
  type EventBus,
  streamAdminRole,
  STREAMS,
  subjects,
} from "@quicksilver/core";
import { TestNats, waitFor } from "@quicksilver/testing";
import { chatlogRole, ChatLogService } from "../../services/chatlog/mod.ts";
import { statsRole, StatsService } from "../../services/stats/mod.ts";

const source = { platform: "cytube", channel: "room" };

async function lastSeq(bus: EventBus): Promise<number> {
  const jsm = await jetstreamManager(bus.connection);
  return (await jsm.streams.info(STREAMS.events)).state.last_seq;
}

/** Publishes chat lines of `alice` into the stream, each stored before the next. */
async function say(bus: EventBus, ...texts: string[]): Promise<void> {
  for (const text of texts) {
    await bus.durable.publish(
      subjects.event("message"),
      createEnvelope("message", source, { user: { name: "alice", rank: 1 }, text }),
    );
  }
}

function chatLines(text: string): string[] {
  return text.trimEnd().split("\n").map((line) => line.replace(/^\[[^\]]*\] /, ""));
}

async function start(nats: TestNats, dir: string) {
  const admin = streamAdminRole();
  const adminBus = await nats.connect(admin.name, admin.permissions);
  await ensureCoreStreams(adminBus);
  await adminBus.close();
  const c = chatlogRole();
  const chatlog = await ChatLogService.start(await nats.connect(c.name, c.permissions), {
    dir: `${dir}/logs`,
  });
  const s = statsRole();
  const stats = await StatsService.start(await nats.connect(s.name, s.permissions), {
    dir: `${dir}/stats`,
  });
  return { chatlog, stats, publisher: await nats.connect("test-publisher") };
}

Deno.test("running chat log and stats go on after nats-server restarts, with no line lost or doubled", async () => {
  await using nats = await TestNats.start();
  const dir = await Deno.makeTempDir({ prefix: "quicksilver-reader-" });
  const { chatlog, stats, publisher } = await start(nats, dir);
  try {
    await say(publisher, "one", "two");
    await chatlog.applied(await lastSeq(publisher));
    // The readers' consumers live in the server's memory: a restart loses them (and the pull
    // waiting on one), while the services keep running.
    await nats.server.kill();
    await nats.server.start();
    await say(publisher, "three", "four");
    const seq = await lastSeq(publisher);
    await chatlog.applied(seq, 20_000);
    await stats.applied(seq, 20_000);

    assert.deepEqual(chatLines(await Deno.readTextFile(chatlog.chatLogPath(source))), [
      "alice: one",
      "alice: two",
      "alice: three",
      "alice: four",
    ]);
    const reply = await publisher.request(subjects.statsQuery("channel"), { source }, {
      schema: ChannelStatsReplySchema,
      replyPrefix: subjects.statsAnswers(publisher.name),
    });
    assert.ok(reply.ok);
    assert.deepEqual(reply.stats.topChatters, [{ name: "alice", lines: 4 }]);
  } finally {
    await chatlog.close();
    await stats.close();
    await Deno.remove(dir, { recursive: true }).catch(() => undefined);
  }
});

Deno.test("a chat log write that fails is written once the disk takes it again, and only once", async () => {
  await using nats = await TestNats.start();
  const dir = await Deno.makeTempDir({ prefix: "quicksilver-reader-" });
  const { chatlog, stats, publisher } = await start(nats, dir);
  try {
    await say(publisher, "before");
    await chatlog.applied(await lastSeq(publisher));
    // The cursor is written through `<cursor>.tmp`: a directory in its place fails every write
    // (even for root), after the lines were appended, which the service must cut back.
    const blocker = `${chatlog.dir}/.chatlog-cursor.json.tmp`;
    await Deno.mkdir(blocker);
    await say(publisher, "during 1", "during 2");
    const path = chatlog.chatLogPath(source);
    // The failed batch is cut back: the file holds the first line only while the disk refuses.
    await waitFor(async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return chatLines(await Deno.readTextFile(path)).length === 1;
    }, { what: "the failed batch cut back" });
    await Deno.remove(blocker);
    await say(publisher, "after");
    await chatlog.applied(await lastSeq(publisher), 20_000);
    assert.deepEqual(chatLines(await Deno.readTextFile(path)), [
      "alice: before",
      "alice: during 1",
      "alice: during 2",
      "alice: after",
    ]);
  } finally {
    await chatlog.close();
    await stats.close();
    await Deno.remove(dir, { recursive: true }).catch(() => undefined);
  }
});

Deno.test("a durable consumer an older version left under the chat log's name is replaced by one without acks", async () => {
  await using nats = await TestNats.start();
  const dir = await Deno.makeTempDir({ prefix: "quicksilver-reader-" });
  const admin = await nats.connect("test-admin");
  await ensureCoreStreams(admin);
  const jsm = await jetstreamManager(admin.connection);
  // What the chat log created before issue 19: a durable with explicit acks, on disk.
  await jsm.consumers.add(STREAMS.events, {
    durable_name: "chatlog",
    ack_policy: AckPolicy.Explicit,
    filter_subject: subjects.allEvents(),
  });
  const { chatlog, stats, publisher } = await start(nats, dir);
  try {
    await say(publisher, "hello");
    await chatlog.applied(await lastSeq(publisher));
    const info = await jsm.consumers.info(STREAMS.events, "chatlog");
    assert.equal(info.config.ack_policy, AckPolicy.None);
    assert.equal(info.config.durable_name, undefined);
    assert.deepEqual(chatLines(await Deno.readTextFile(chatlog.chatLogPath(source))), [
      "alice: hello",
    ]);
  } finally {
    await chatlog.close();
    await stats.close();
    await Deno.remove(dir, { recursive: true }).catch(() => undefined);
  }
});

Deno.test("a channel's log folder the operator removed is made again, and the log goes on", async () => {
  await using nats = await TestNats.start();
  const dir = await Deno.makeTempDir({ prefix: "quicksilver-reader-" });
  const { chatlog, stats, publisher } = await start(nats, dir);
  try {
    await say(publisher, "first");
    await chatlog.applied(await lastSeq(publisher));
    const path = chatlog.chatLogPath(source);
    await Deno.remove(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await say(publisher, "second");
    await chatlog.applied(await lastSeq(publisher), 20_000);
    assert.deepEqual(chatLines(await Deno.readTextFile(path)), ["alice: second"]);
  } finally {
    await chatlog.close();
    await stats.close();
    await Deno.remove(dir, { recursive: true }).catch(() => undefined);
  }
});
