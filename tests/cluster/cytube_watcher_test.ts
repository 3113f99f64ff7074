/**
 * The standby CyTube connector as a hot watcher (issue 14, connector failover): it sits in the
 * channel without logging in, hears every line, and says and publishes nothing until it takes
 * the lease over. Then the chat of the gap is published once, and an action the dead holder
 * had said but not acked is not said again. Real processes (`deno task start cytube`, router,
 * plugins with dice) against nats-server and the fake CyTube server, `nats.delivery: durable`.
 */
import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import {
  actionConsumerName,
  ensureCoreStreams,
  EventBus,
  KvLease,
  mintUser,
  subjects,
} from "@quicksilver/core";
import { ALL_RIGHTS, REPO_ROOT, waitFor } from "@quicksilver/testbed";
import { type FakeCytube, startFakeCytube } from "../fake_cytube/mod.ts";
import { startHomeNats, StartProcess, withHome } from "./_processes.ts";
import { answers, BOT, botIn } from "./_cytube_bot.ts";

const CHANNEL = "alpha";

interface Setup {
  home: string;
  /** A user with every right in the application account, for looking at the streams. */
  tester: EventBus;
  start(component: string): Promise<StartProcess>;
}

/** nats-server and a rosey.yaml in a fresh home; components started by `start` are stopped. */
async function withServer(
  fake: FakeCytube,
  extraCytube: string,
  fn: (setup: Setup) => Promise<void>,
): Promise<void> {
  await withHome(async (home) => {
    await using server = await startHomeNats(home);
    await Deno.writeTextFile(
      `${home}/rosey.yaml`,
      `nats:\n  servers: ["${server.url}"]\n  delivery: durable\n` +
        `plugins:\n  dir: ${REPO_ROOT}/plugins\n  enabled: [dice]\n` +
        `connectors:\n  cytube:\n    enabled: true\n    server: "${fake.url}"\n` +
        `    channels: [${CHANNEL}]\n` +
        `    user: { name: ${BOT.name}, password: ${BOT.password} }\n` + extraCytube,
    );
    const user = await mintUser(server.authority, { name: "tester", permissions: ALL_RIGHTS });
    const tester = await EventBus.connect({
      servers: server.url,
      name: "tester",
      creds: user.creds,
    });
    const started: StartProcess[] = [];
    try {
      await fn({
        home,
        tester,
        start: async (component) => {
          const process = new StartProcess(home, [component]);
          started.push(process);
          await process.started();
          return process;
        },
      });
    } finally {
      for (const process of started.reverse()) await process[Symbol.asyncDispose]();
      await tester.close();
    }
  });
}

/** The chatMsg frames a socket sent that answer `notation`, by socket id. */
function answerSockets(fake: FakeCytube, notation: string): string[] {
  return fake.received.filter((frame) =>
    frame.event === "chatMsg" &&
    String((frame.args[0] as { msg?: unknown })?.msg ?? "").includes(`rolled ${notation}:`)
  ).map((frame) => frame.socketId);
}

Deno.test("a line the SIGKILLed connector said but had not acked is not said again by the standby; one it had taken but not said is said once", async () => {
  // A burst of 3, then one line per 10 s for the bot (server and connector agree; the
  // connector keeps one line of headroom): after the warm-up the dead connector says the first
  // answer at once and must hold the second for 11 s, so both are in its hands, unacked, when
  // it dies; the first one's echo is held back, so its ack cannot have happened.
  await using fake = await startFakeCytube({
    channel: CHANNEL,
    accounts: { [BOT.name]: { password: BOT.password, rank: BOT.rank } },
    users: [{ name: "alice" }, { name: "bob" }, { name: "carol" }, { name: "dave" }],
    minAntiflood: { burst: 3, sustained: 0.1 },
  });
  await withServer(
    fake,
    `    chatLimit: { burst: 3, perSecond: 0.1 }\n`,
    async ({ tester, start }) => {
      await start("plugins");
      await start("router");
      const active = await start("cytube");
      await waitFor(() => botIn(fake), {
        timeoutMs: 20_000,
        what: "the active bot in the channel",
      });
      const standby = await start("cytube");
      const logs = () => `active:\n${active.stderr}\nstandby:\n${standby.stderr}`;
      await waitFor(() => fake.connections.anonymous === 1, {
        timeoutMs: 20_000,
        what: "the standby watching the channel",
      });
      const jsm = await jetstreamManager(tester.connection);
      const consumer = actionConsumerName("cytube", CHANNEL);
      const ackPending = async () => {
        const info = await jsm.consumers.info("ROSEY_ACTIONS", consumer);
        return { ackPending: info.num_ack_pending, pending: info.num_pending };
      };

      // Warm-up: dice is routable and the bot answers.
      fake.say("dave", "!roll 1d1");
      await waitFor(() => answers(fake, "1d1") === 1, {
        timeoutMs: 30_000,
        what: "the warm-up answer",
      }).catch((error) => {
        throw new Error(`${(error as Error).message}\n${logs()}`);
      });
      const release = fake.holdEchoes(BOT.name);
      fake.say("alice", "!roll 2d1");
      fake.say("bob", "!roll 3d1");
      // One of the two is said (the channel shows it), the other waits for the pacing.
      await waitFor(() => answers(fake, "2d1") + answers(fake, "3d1") === 1, {
        timeoutMs: 20_000,
        what: "the first answer in the channel",
      });
      let inHand = { ackPending: 0, pending: 0 };
      await waitFor(async () => (inHand = await ackPending()).ackPending === 2, {
        timeoutMs: 20_000,
        what: "both answers taken by the active connector, unacked",
      }).catch((error) => {
        throw new Error(`${(error as Error).message}: ${JSON.stringify(inHand)}\n${logs()}`);
      });
      const [said, held] = answers(fake, "2d1") === 1 ? ["2d1", "3d1"] : ["3d1", "2d1"];
      const deadSocket = answerSockets(fake, said)[0]!;
      active.child.kill("SIGKILL");
      release();
      await waitFor(() => !botIn(fake), {
        timeoutMs: 10_000,
        what: "the dead bot's socket to close",
      });
      // Said while no bot session is in the channel: the watcher hears it.
      fake.say("carol", "!roll 4d1");

      await waitFor(() => answers(fake, held) === 1 && answers(fake, "4d1") === 1, {
        timeoutMs: 45_000,
        what: "the held answer and the gap's answer from the standby",
      }).catch((error) => {
        throw new Error(
          `${(error as Error).message}\nbot said: ${
            fake.accepted("chat", BOT.name).join(" | ")
          }\n${logs()}`,
        );
      });
      // Every action handled (the one the channel showed acked without a word).
      await waitFor(async () => {
        inHand = await ackPending();
        return inHand.ackPending === 0 && inHand.pending === 0;
      }, { timeoutMs: 20_000, what: "every action acked" });
      assert.deepEqual(
        [said, held, "4d1"].map((notation) => answers(fake, notation)),
        [1, 1, 1],
        fake.accepted("chat", BOT.name).join(" | "),
      );
      assert.deepEqual(answerSockets(fake, said), [deadSocket], "said by the dead connector only");
      assert.equal(answerSockets(fake, held).length, 1);
      assert.notEqual(answerSockets(fake, held)[0], deadSocket, "said by the standby");
    },
  );
});

Deno.test("a standby watches the channel without a login, says and publishes nothing, and on takeover publishes what it heard once", async () => {
  await using fake = await startFakeCytube({
    channel: CHANNEL,
    accounts: { [BOT.name]: { password: BOT.password, rank: BOT.rank } },
    users: [{ name: "alice" }, { name: "mona", rank: 2 }],
  });
  await withServer(fake, "", async ({ tester, start }) => {
    // The test holds the channel's lease: the process started below can only stand by.
    await ensureCoreStreams(tester, { delivery: "durable" });
    const lease = await KvLease.start(tester, {
      key: `cytube.${CHANNEL}`,
      holder: "the test",
      onAcquired: () => {},
      onLost: () => {},
    });
    await waitFor(() => lease.state === "active", { what: "the test holding the lease" });
    // From the first line on, everything after it is new: the gap is answered.
    lease.setData({ time: 0, seen: [] });
    const heard: { subject: string; text?: string; user?: string; rank?: number }[] = [];
    for (const subject of [subjects.allEvents(), subjects.allPlatform()]) {
      tester.connection.subscribe(subject, {
        callback: (_error, msg) => {
          const body = msg.json<
            { payload?: { text?: string; user?: { name?: string; rank?: number } } }
          >();
          heard.push({
            subject: msg.subject,
            ...(body?.payload?.text !== undefined ? { text: body.payload.text } : {}),
            ...(body?.payload?.user?.name !== undefined ? { user: body.payload.user.name } : {}),
            ...(body?.payload?.user?.rank !== undefined ? { rank: body.payload.user.rank } : {}),
          });
        },
      });
    }
    await tester.flush();

    const standby = await start("cytube");
    await waitFor(() => fake.connections.anonymous === 1, {
      timeoutMs: 20_000,
      what: "the standby watching the channel",
    }).catch((error) => {
      throw new Error(`${(error as Error).message}\n${standby.stderr}`);
    });
    // More lines than CyTube replays to a joiner (15): the first ones only the watcher heard.
    const lines = Array.from({ length: 20 }, (_, n) => `line ${n + 1} of the gap`);
    for (const line of lines) fake.say("alice", line);
    fake.say("mona", "a moderator's line in the gap");
    await tester.flush();
    assert.equal(heard.length, 0, `the standby published: ${JSON.stringify(heard)}`);
    assert.equal(fake.users.some((u) => u.name === BOT.name), false, "no bot logged in");
    const framesWhileStandby = fake.received.map((frame) => frame.event);
    assert.deepEqual(
      [...new Set(framesWhileStandby)],
      ["joinChannel"],
      "the standby sent nothing but its join",
    );

    await lease.close(); // released: the standby takes over at once
    await waitFor(() => botIn(fake), { timeoutMs: 20_000, what: "the standby logged in" });
    const gap = () => heard.filter((h) => h.subject === subjects.event("message"));
    await waitFor(() => gap().length >= lines.length + 1, {
      timeoutMs: 20_000,
      what: "the gap's lines published",
    }).catch((error) => {
      throw new Error(`${(error as Error).message}: ${JSON.stringify(gap())}\n${standby.stderr}`);
    });
    // A last line, live: every copy of the gap's lines has arrived by the time it does.
    fake.say("alice", "after the takeover");
    await waitFor(() => gap().some((h) => h.text === "after the takeover"), {
      timeoutMs: 20_000,
      what: "a live line",
    });
    assert.deepEqual(
      gap().map((h) => h.text),
      [...lines, "a moderator's line in the gap", "after the takeover"],
      "each line published once, in order",
    );
    // The rank is the one the channel showed (the watcher's userlist), not "unknown" because the
    // new session had not received its own userlist yet.
    assert.equal(gap().find((h) => h.user === "mona")?.rank, 2);
    const aliceRank = fake.users.find((u) => u.name === "alice")?.rank;
    assert.equal(gap().find((h) => h.user === "alice")?.rank, aliceRank);
    assert.equal(fake.chatAttempts.length, 0, "the bot said nothing");
  });
});
