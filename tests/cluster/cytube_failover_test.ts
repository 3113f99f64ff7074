/**
 * CyTube connector failover and many channels (issue 14 points 3 and 4), each part a real
 * process: nats-server, `deno task start plugins` (the sandboxed dice plugin), `deno task start
 * router`, and one or two `deno task start cytube` with the same config against the fake CyTube
 * server. The active connector holds the channel's lease in KV (`rosey_leases`); a standby takes
 * over when it is not renewed, continuing from the chat position the active one left there.
 */
import assert from "node:assert/strict";
import { type NatsServer, REPO_ROOT, waitFor } from "@quicksilver/testbed";
import { type FakeCytube, startFakeCytube } from "../fake_cytube/mod.ts";
import { startHomeNats, StartProcess, withHome } from "./_processes.ts";
import { answers, BOT, botIn } from "./_cytube_bot.ts";

interface Setup {
  home: string;
  server: NatsServer;
  /** Starts `deno task start cytube` with the shared config. */
  cytube(): Promise<StartProcess>;
}

/** nats-server, the plugin host and the router as processes; `fakes[0]` is the site. */
async function withBot(
  fakes: FakeCytube[],
  fn: (setup: Setup) => Promise<void>,
): Promise<void> {
  await withHome(async (home) => {
    await using server = await startHomeNats(home);
    const channels = fakes.map((fake) => fake.channel).join(", ");
    await Deno.writeTextFile(
      `${home}/rosey.yaml`,
      `nats:\n  servers: ["${server.url}"]\n` +
        `plugins:\n  dir: ${REPO_ROOT}/plugins\n  enabled: [dice]\n` +
        `connectors:\n  cytube:\n    enabled: true\n    server: "${fakes[0]!.url}"\n` +
        `    channels: [${channels}]\n` +
        `    user: { name: ${BOT.name}, password: ${BOT.password} }\n`,
    );
    await using plugins = new StartProcess(home, ["plugins"]);
    await plugins.started();
    await using router = new StartProcess(home, ["router"]);
    await router.started();
    const started: StartProcess[] = [];
    try {
      await fn({
        home,
        server,
        cytube: async () => {
          const process = new StartProcess(home, ["cytube"]);
          started.push(process);
          await process.started();
          return process;
        },
      });
    } finally {
      for (const process of started) {
        // A paused process would never see the SIGTERM of its disposal.
        try {
          Deno.kill(process.child.pid, "SIGCONT");
        } catch {
          // gone
        }
        await process[Symbol.asyncDispose]();
      }
    }
  });
}

async function answered(fake: FakeCytube, notation: string, logs: () => string): Promise<void> {
  await waitFor(() => answers(fake, notation) > 0, {
    timeoutMs: 20_000,
    what: `the answer to !roll ${notation} in ${fake.channel}`,
  }).catch((error) => {
    throw new Error(
      `${(error as Error).message}\nbot said: ${fake.accepted("chat", BOT.name).join(" | ")}\n` +
        logs(),
    );
  });
}

function fakeOptions(channel: string) {
  return {
    channel,
    accounts: { [BOT.name]: { password: BOT.password, rank: BOT.rank } },
    users: [{ name: "alice" }, { name: "bob" }],
  };
}

Deno.test("one cytube process serves two channels and answers each command in its own channel only", async () => {
  await using betaFake = await startFakeCytube(fakeOptions("beta"));
  // The site partitions its channels: "beta" lives on a second server (partitiondecider.js).
  await using alpha = await startFakeCytube({
    ...fakeOptions("alpha"),
    socketConfig: (url, channel) => ({
      servers: [{ url: channel === "beta" ? betaFake.url : url, secure: false }],
    }),
  });
  await withBot([alpha, betaFake], async ({ cytube }) => {
    const connector = await cytube();
    await waitFor(() => botIn(alpha) && botIn(betaFake), {
      timeoutMs: 20_000,
      what: "the bot in both channels",
    });
    alpha.say("alice", "!roll 2d1");
    betaFake.say("bob", "!roll 4d1");
    await answered(alpha, "2d1", () => connector.stderr);
    await answered(betaFake, "4d1", () => connector.stderr);
    // A last command in each: every earlier answer has been delivered by then.
    alpha.say("alice", "!roll 6d1");
    betaFake.say("bob", "!roll 7d1");
    await answered(alpha, "6d1", () => connector.stderr);
    await answered(betaFake, "7d1", () => connector.stderr);
    assert.deepEqual(
      [answers(alpha, "2d1"), answers(alpha, "4d1"), answers(alpha, "7d1")],
      [1, 0, 0],
      alpha.accepted("chat", BOT.name).join(" | "),
    );
    assert.deepEqual(
      [answers(betaFake, "4d1"), answers(betaFake, "2d1"), answers(betaFake, "6d1")],
      [1, 0, 0],
      betaFake.accepted("chat", BOT.name).join(" | "),
    );
  });
});

Deno.test("when the active connector is SIGKILLed the standby joins within 10 s, answers the gap once and the backlog never twice", async () => {
  await using fake = await startFakeCytube(fakeOptions("alpha"));
  await withBot([fake], async ({ cytube }) => {
    const active = await cytube();
    await waitFor(() => botIn(fake), { timeoutMs: 20_000, what: "the active bot in the channel" });
    const standby = await cytube();
    const logs = () => `active:\n${active.stderr}\nstandby:\n${standby.stderr}`;
    fake.say("alice", "!roll 2d1");
    await answered(fake, "2d1", logs);
    // The standby is in the channel only as an anonymous watcher: not logged in, silent.
    await waitFor(() => fake.connections.anonymous === 1, {
      timeoutMs: 20_000,
      what: "the standby watching the channel",
    });
    assert.equal(fake.users.filter((user) => user.name === BOT.name).length, 1);
    const socketsBefore = fake.connections.total;

    active.child.kill("SIGKILL");
    const killedAt = Date.now();
    await waitFor(() => !botIn(fake), {
      timeoutMs: 10_000,
      what: "the dead bot's socket to close",
    });
    // Said while no connector is in the channel: CyTube replays it to the standby on join.
    fake.say("alice", "!roll 3d1");
    await waitFor(() => botIn(fake) && fake.connections.total > socketsBefore, {
      timeoutMs: 10_000,
      what: "the standby in the channel within 10 s of the kill",
    }).catch((error) => {
      throw new Error(`${(error as Error).message}\n${logs()}`);
    });
    const recoveredMs = Date.now() - killedAt;
    assert.ok(recoveredMs < 10_000, `standby joined after ${recoveredMs} ms`);

    fake.say("bob", "!roll 5d1");
    await answered(fake, "5d1", logs);
    await answered(fake, "3d1", logs);
    fake.say("bob", "!roll 9d1");
    await answered(fake, "9d1", logs);
    assert.deepEqual(
      ["2d1", "3d1", "5d1", "9d1"].map((notation) => answers(fake, notation)),
      [1, 1, 1, 1],
      fake.accepted("chat", BOT.name).join(" | "),
    );
  });
});

Deno.test("a paused active connector that resumes after the standby took over leaves the channel", async () => {
  await using fake = await startFakeCytube(fakeOptions("alpha"));
  await withBot([fake], async ({ cytube }) => {
    const active = await cytube();
    await waitFor(() => botIn(fake), { timeoutMs: 20_000, what: "the active bot in the channel" });
    const standby = await cytube();
    const logs = () => `active:\n${active.stderr}\nstandby:\n${standby.stderr}`;
    fake.say("alice", "!roll 2d1");
    await answered(fake, "2d1", logs);
    const socketsBefore = fake.connections.total;

    Deno.kill(active.child.pid, "SIGSTOP");
    // Reaches the paused process's socket buffer too: read on resume, it must not be answered
    // again (the standby answers it from CyTube's replay).
    fake.say("alice", "!roll 3d1");
    await waitFor(() => fake.connections.total > socketsBefore && botIn(fake), {
      timeoutMs: 10_000,
      what: "the standby in the channel while the active one is paused",
    }).catch((error) => {
      throw new Error(`${(error as Error).message}\n${logs()}`);
    });
    Deno.kill(active.child.pid, "SIGCONT");
    await waitFor(() => active.stderr.includes("lease lost"), {
      timeoutMs: 10_000,
      what: "the resumed connector to see it lost the lease",
    }).catch((error) => {
      throw new Error(`${(error as Error).message}\n${logs()}`);
    });
    fake.say("bob", "!roll 5d1");
    await answered(fake, "5d1", logs);
    await answered(fake, "3d1", logs);
    fake.say("bob", "!roll 9d1");
    await answered(fake, "9d1", logs);
    assert.deepEqual(
      ["2d1", "3d1", "5d1", "9d1"].map((notation) => answers(fake, notation)),
      [1, 1, 1, 1],
      fake.accepted("chat", BOT.name).join(" | "),
    );
    // One bot session; the resumed process stands by again, watching anonymously.
    await waitFor(() => fake.connections.open === 2 && fake.connections.anonymous === 1, {
      timeoutMs: 20_000,
      what: "one session and one watcher in the channel",
    });
    assert.equal(fake.users.filter((user) => user.name === BOT.name).length, 1);
  });
});

Deno.test("NATS unreachable for everyone longer than the lease: the active connector stays in the channel and what was said meanwhile is answered once", async () => {
  // One line per user: the router's per-user rate limit must not be what answers them.
  const users = Array.from({ length: 20 }, (_, n) => `user${n + 1}`);
  await using fake = await startFakeCytube({
    ...fakeOptions("alpha"),
    users: [{ name: "alice" }, { name: "bob" }, ...users.map((name) => ({ name }))],
  });
  await withBot([fake], async ({ cytube, server }) => {
    const active = await cytube();
    await waitFor(() => botIn(fake), { timeoutMs: 20_000, what: "the active bot in the channel" });
    const standby = await cytube();
    const logs = () => `active:\n${active.stderr}\nstandby:\n${standby.stderr}`;
    fake.say("alice", "!roll 2d1");
    await answered(fake, "2d1", logs);
    await waitFor(() => fake.connections.anonymous === 1, {
      timeoutMs: 20_000,
      what: "the standby watching the channel",
    });
    const socketsBefore = fake.connections.total;

    // The server stops answering everyone (as JetStream does during a leader election of the
    // lease bucket's stream) for longer than the lease's 4 s: no connector can renew or read.
    const pid = server.pid!;
    Deno.kill(pid, "SIGSTOP");
    const said: string[] = [];
    try {
      // Past the active one's fence (3 s after its last renewal): it holds what it hears now.
      await waitFor(() => active.stderr.includes("lease suspended"), {
        timeoutMs: 10_000,
        what: "the active connector to suspend",
      });
      // More lines than CyTube replays to a joiner (15): a connector that left would lose some.
      for (let n = 1; n <= 20; n++) {
        const notation = `${n}d2`;
        said.push(notation);
        fake.say(users[n - 1]!, `!roll ${notation}`);
      }
      const until = Date.now() + 2000;
      await waitFor(() => Date.now() >= until, { what: "the outage to outlast the lease" });
    } finally {
      Deno.kill(pid, "SIGCONT");
    }
    for (const notation of said) await answered(fake, notation, logs);
    // A last command once dice is free again (20 at once make it say "busy"): every earlier
    // answer, and any second one, has been delivered by the time it is answered.
    await waitFor(() => {
      if (answers(fake, "1d9") > 0) return true;
      fake.say("alice", "!roll 1d9");
      return false;
    }, { timeoutMs: 20_000, intervalMs: 1500, what: "the answer to a last command" });
    assert.deepEqual(
      said.map((notation) => answers(fake, notation)),
      said.map(() => 1),
      fake.accepted("chat", BOT.name).join(" | "),
    );
    assert.equal(fake.connections.total, socketsBefore, `the channel moved\n${logs()}`);
    assert.ok(!standby.stderr.includes("lease acquired"), "the standby took over");
  });
});
