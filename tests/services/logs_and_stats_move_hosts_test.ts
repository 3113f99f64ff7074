/**
 * The chat log's cursor and the stats' state live in the services' KV bucket (`rosey_services`),
 * so either service can stop on one host and start on another (another state dir, nothing copied)
 * and continue where the last one stopped: no event counted twice, none missed. Each host's chat
 * log files hold what was logged there, each line once. Files of the file-based version are moved
 * into KV once.
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
import { CYTUBE_PLATFORM } from "../../connectors/cytube/mod.ts";
import { ServicesEnv } from "./_env.ts";

async function streamLastSeq(bus: EventBus): Promise<number> {
  const jsm = await jetstreamManager(bus.connection);
  return (await jsm.streams.info(STREAMS.events)).state.last_seq;
}

/** Waits until the stream holds a chat line with `text` as its last one; returns its sequence. */
async function stored(bus: EventBus, text: string): Promise<number> {
  const jsm = await jetstreamManager(bus.connection);
  let seq = 0;
  await waitFor(async () => {
    const last = await jsm.streams.getMessage(STREAMS.events, {
      last_by_subj: subjects.event("message"),
    }).catch(() => null);
    if (!last || last.json<{ payload: { text: string } }>().payload.text !== text) return false;
    seq = last.seq;
    return true;
  }, { what: `"${text}" stored in ROSEY_EVENTS` });
  return seq;
}

/** Waits until both services applied (and saved) everything the stream holds now. */
async function caughtUp(env: ServicesEnv): Promise<void> {
  const seq = await streamLastSeq(env.observer);
  await env.chatlog!.applied(seq);
  await env.stats!.applied(seq);
}

async function chatLines(path: string): Promise<string[]> {
  const text = await Deno.readTextFile(path).catch(() => "");
  return text.trimEnd().split("\n").filter((line) => line).map((line) =>
    line.replace(/^\[[^\]]*\] /, "")
  );
}

async function aliceLines(env: ServicesEnv, source: { platform: string; channel: string }) {
  const reply = await env.observer.request(subjects.statsQuery("user"), {
    source,
    name: "alice",
  }, { schema: UserStatsReplySchema, replyPrefix: subjects.statsAnswers(env.observer.name) });
  assert.ok(reply.ok && reply.user, "alice known to stats");
  return reply.user.chatLines;
}

Deno.test("chat log and stats started on another host continue from the KV cursor: no line missed or counted twice", async () => {
  await using env = await ServicesEnv.start({ stats: true, chatlog: true });
  const { fake } = env;
  const source = { platform: CYTUBE_PLATFORM, channel: fake.channel };
  fake.addUser("alice", 1);
  await waitFor(() => env.connector.client.state.user("alice"), { what: "alice joined" });

  // --- host A (the env's state dir) logs and counts two lines, then stops
  const hostA = env.dir;
  fake.say("alice", "one");
  fake.say("alice", "two");
  await stored(env.observer, "two");
  await caughtUp(env);
  const chatA = env.chatlog!.chatLogPath(source);
  await env.chatlog!.close();
  await env.stats!.close();

  // --- while no chat log or stats runs, a line arrives; older events then expire from the
  // stream (as the 7-day limit does), so a service that counted from the stream's start would
  // miss what host A counted
  fake.say("alice", "three");
  const three = await stored(env.observer, "three");
  const jsm = await jetstreamManager(env.observer.connection);
  await jsm.streams.purge(STREAMS.events, { seq: three });

  // --- host B: another state dir, nothing copied from host A
  const hostB = await Deno.makeTempDir({ dir: env.dir, prefix: "host-b-" });
  await env.startChatlog(hostB);
  await env.startStats(hostB);
  fake.say("alice", "four");
  await stored(env.observer, "four");
  await caughtUp(env);
  const chatB = env.chatlog!.chatLogPath(source);
  assert.notEqual(chatA, chatB);
  assert.deepEqual(await chatLines(chatA), ["alice: one", "alice: two"]);
  assert.deepEqual(await chatLines(chatB), ["alice: three", "alice: four"]);
  assert.equal(await aliceLines(env, source), 4, "each of alice's lines counted once");
  await env.chatlog!.close();
  await env.stats!.close();

  // --- back on host A: its files continue after what host B logged, nothing written twice
  fake.say("alice", "five");
  await stored(env.observer, "five");
  await env.startChatlog(hostA);
  await env.startStats(hostA);
  await caughtUp(env);
  assert.deepEqual(await chatLines(chatA), ["alice: one", "alice: two", "alice: five"]);
  assert.deepEqual(await chatLines(chatB), ["alice: three", "alice: four"]);
  assert.equal(await aliceLines(env, source), 5);
  const channel = await env.observer.request(subjects.statsQuery("channel"), { source }, {
    schema: ChannelStatsReplySchema,
    replyPrefix: subjects.statsAnswers(env.observer.name),
  });
  assert.ok(channel.ok);
  assert.deepEqual(channel.stats.topChatters, [{ name: "alice", lines: 5 }]);
  // Neither service keeps its position in its state dir on host B alone.
  assert.deepEqual(
    [...Deno.readDirSync(`${hostB}`)].map((entry) => entry.name).sort(),
    ["logs"],
    "stats wrote nothing to host B's state dir",
  );
});

Deno.test("cursor and stats files of the file-based version are moved into KV once", async () => {
  await using env = await ServicesEnv.start();
  const { fake } = env;
  const source = { platform: CYTUBE_PLATFORM, channel: fake.channel };
  fake.addUser("alice", 1);
  await waitFor(() => env.connector.client.state.user("alice"), { what: "alice joined" });
  fake.say("alice", "logged by the old version");
  const old = await stored(env.observer, "logged by the old version");

  // What the file-based version left: a cursor at `old` and stats that counted 7 lines.
  const chatPath = `${env.dir}/logs/${CYTUBE_PLATFORM}/${fake.channel}/chat.log`;
  await Deno.mkdir(chatPath.slice(0, chatPath.lastIndexOf("/")), { recursive: true });
  const oldLine = "[01/01/2026 00:00:00] alice: logged by the old version\n";
  await Deno.writeTextFile(chatPath, oldLine);
  await Deno.writeTextFile(
    `${env.dir}/logs/.chatlog-cursor.json`,
    JSON.stringify({
      lastSeq: old,
      sizes: { [`${CYTUBE_PLATFORM}/${fake.channel}/chat.log`]: oldLine.length },
      playing: {},
    }),
  );
  const now = Date.now();
  await Deno.mkdir(`${env.dir}/stats`, { recursive: true });
  await Deno.writeTextFile(
    `${env.dir}/stats/stats.json`,
    JSON.stringify({
      version: 1,
      lastSeq: old,
      channels: {
        [`${CYTUBE_PLATFORM}/${fake.channel}`]: {
          source,
          peakChatUsers: { count: 1, at: now },
          peakViewers: { count: 1, at: now },
          users: {
            alice: {
              name: "alice",
              joins: 1,
              leaves: 0,
              chatLines: 7,
              sessionMs: 0,
              firstSeen: now,
              lastSeen: now,
            },
          },
          online: { alice: now },
        },
      },
    }),
  );

  await env.startChatlog();
  await env.startStats();
  fake.say("alice", "new");
  await stored(env.observer, "new");
  await caughtUp(env);
  assert.deepEqual(await chatLines(chatPath), ["alice: logged by the old version", "alice: new"]);
  assert.equal(await aliceLines(env, source), 8);
  await Deno.stat(`${env.dir}/stats/stats.json.migrated`);
  await assert.rejects(Deno.stat(`${env.dir}/stats/stats.json`), Deno.errors.NotFound);
  const cursor = await ServiceState.of(env.observer, "chatlog", "chatlog").load();
  assert.ok(cursor, "the chat log's cursor is in KV");
  assert.ok(JSON.parse(new TextDecoder().decode(cursor)).lastSeq >= old);

  // Started again with another state dir, the moved state is what both continue from.
  await env.chatlog!.close();
  await env.stats!.close();
  const elsewhere = await Deno.makeTempDir({ dir: env.dir, prefix: "elsewhere-" });
  await env.startChatlog(elsewhere);
  await env.startStats(elsewhere);
  fake.say("alice", "elsewhere");
  await stored(env.observer, "elsewhere");
  await caughtUp(env);
  assert.deepEqual(await chatLines(env.chatlog!.chatLogPath(source)), ["alice: elsewhere"]);
  assert.equal(await aliceLines(env, source), 9);
});
