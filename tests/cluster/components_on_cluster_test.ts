/**
 * Issue 13's acceptance: `deno task cluster`, then the plugin host (dice), the router, the chat
 * log and the CyTube connector (against the fake CyTube server) as separate `deno task start`
 * processes, each connected to a different node over TLS, with `nats.delivery: durable`:
 * `!roll 1d1` typed in the channel is answered. Then, under a steady load of uniquely tagged
 * commands from several users, the router's node is put in lame duck mode (it moves its clients
 * to the other nodes and stops), comes back, and the connector's node is killed with SIGKILL:
 * every command typed is answered exactly once, and the chat log holds every line.
 */
import assert from "node:assert/strict";
import { REPO_ROOT, waitFor } from "@quicksilver/testbed";
import { startFakeCytube } from "../fake_cytube/mod.ts";
import { ClusterProcess, StartProcess, withHome } from "./_processes.ts";

const BOT = { name: "rosey", password: "hunter2", rank: 3 } as const;
const CHANNEL = "nodes";
const USERS = Array.from({ length: 8 }, (_, n) => `user${n + 1}`);
/** Commands a second while a node stops and another dies (the brief: 20-50). */
const RATE = 30;
/**
 * Lifted for the run, as `deno task chaos` does: the router's rate limits, and CyTube's
 * always-on chat limit (MIN_ANTIFLOOD, 20 burst and 10 lines/s per socket, calzoneman/sync
 * src/channel/chat.js) in the fake and in the connector, or the bot could not answer 30/s.
 */
const LIFTED = { burst: 1_000_000, perSecond: 1_000_000 };
/** dice: "<user> rolled 1d1+<id>: 1 + <id> = <id + 1>". */
const ANSWER = /rolled 1d1\+(\d+)\b/;

Deno.test("components on three nodes over TLS answer every command once while a node stops in lame duck and another is killed under load", async () => {
  await withHome(async (home) => {
    // Sandboxed plugins run as their own uids and must traverse to their data dirs.
    await Deno.chmod(home, 0o711);
    await using cluster = await ClusterProcess.start(home);
    await using fake = await startFakeCytube({
      channel: CHANNEL,
      registered: true,
      accounts: { [BOT.name]: { password: BOT.password, rank: BOT.rank } },
      users: USERS.map((name) => ({ name })),
      minAntiflood: { burst: LIFTED.burst, sustained: LIFTED.perSecond },
    });
    const logs = `${home}/logs`;
    await Deno.writeTextFile(
      `${home}/rosey.yaml`,
      JSON.stringify({
        nats: { tls: { ca: ".rosey/cluster/tls/ca.pem" }, delivery: "durable" },
        connectors: {
          shell: { enabled: false },
          cytube: {
            enabled: true,
            server: fake.url,
            channel: CHANNEL,
            user: { name: BOT.name, password: BOT.password },
            chatLimit: LIFTED,
          },
        },
        router: { rateLimits: { perUser: LIFTED, perPlugin: LIFTED, say: LIFTED } },
        plugins: { dir: `${REPO_ROOT}/plugins`, enabled: ["dice"] },
        logging: { dir: logs },
      }),
    );
    // One node each; a client learns the others from the server's INFO. The plugin host's
    // sandboxed plugins ignore INFO and dial only its listed servers, here n1, which neither
    // stops nor dies (a plugin's node dying: tests/cluster/plugin_node_death_test.ts).
    const on = (i: number) => ({ ROSEY_NATS_SERVERS: cluster.url(i) });
    // The router first, alone: each process creates the core streams, and concurrent
    // creations on a fresh cluster can fail.
    await using router = new StartProcess(home, ["router"], on(1));
    await router.started();
    await using plugins = new StartProcess(home, ["plugins"], on(0));
    await using chatlog = new StartProcess(home, ["chatlog"], on(1));
    await using cytube = new StartProcess(home, ["cytube"], on(2));
    for (const process of [plugins, chatlog, cytube]) await process.started();
    assert.match(router.stderr, /\(TLS\)/);
    let leadersBeforeKill = "";
    const all = () =>
      `--router\n${router.stderr.slice(-4000)}\n--cytube\n${cytube.stderr.slice(-4000)}\n` +
      `--plugins\n${plugins.stderr.slice(-3000)}\n--chatlog\n${chatlog.stderr.slice(-2000)}\n` +
      `--cluster\n${cluster.stderr.slice(-2000)}\n--leaders before the kill: ${leadersBeforeKill}`;
    const botLines = () => fake.accepted("chat", BOT.name);

    await waitFor(() => fake.users.some((user) => user.name === BOT.name), {
      timeoutMs: 30_000,
      what: "the bot in the channel",
    });
    fake.say("user1", "!roll 1d1");
    await waitFor(() => botLines().some((line) => line.includes("rolled 1d1:")), {
      timeoutMs: 30_000,
      what: "the answer to !roll 1d1",
    }).catch((error) => {
      throw new Error(`${(error as Error).message}\n${all()}`);
    });

    // The load: `!roll 1d1+<n>` at RATE a second, user after user, each n once.
    let typed = 0;
    let typing = true;
    const startedAt = Date.now();
    const load = (async () => {
      while (typing) {
        const due = Math.floor(((Date.now() - startedAt) / 1000) * RATE);
        for (; typed < due; typed++) fake.say(USERS[typed % USERS.length]!, `!roll 1d1+${typed}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const answers = () => {
      const count = new Map<number, number>();
      for (const line of botLines()) {
        const match = ANSWER.exec(line);
        if (match) count.set(Number(match[1]), (count.get(Number(match[1])) ?? 0) + 1);
      }
      return count;
    };
    const answeredUpTo = (n: number) => {
      const count = answers();
      for (let id = 0; id < n; id++) if (!count.has(id)) return false;
      return true;
    };
    const unanswered = (n: number) => {
      const count = answers();
      return Array.from({ length: n }, (_, id) => id).filter((id) => !count.has(id));
    };
    /** Waits until every command typed before now is answered, within `timeoutMs`. */
    const allAnswered = async (what: string, timeoutMs: number) => {
      const upTo = typed;
      await waitFor(() => answeredUpTo(upTo), { timeoutMs, what }).catch((error) => {
        throw new Error(
          `${(error as Error).message}: unanswered ${unanswered(upTo).join(", ")}\n${all()}`,
        );
      });
    };

    try {
      await waitFor(() => typed >= RATE * 2, { what: "two seconds of load" });
      await allAnswered("the first two seconds of load", 10_000);

      // Lame duck (SIGUSR2, `nats-server --signal ldm`): the router's and the chat log's node
      // stops taking clients, closes its own after its grace period, and stops.
      Deno.kill(cluster.pids[1]!, "SIGUSR2");
      await waitFor(() => /node n2 stopped/.test(cluster.stderr), {
        timeoutMs: 60_000,
        what: "node n2 to leave lame duck mode and stop",
      });
      await waitFor(() => /"reconnected to NATS".*"bus":"svc-router"/.test(router.stderr), {
        timeoutMs: 20_000,
        what: "the router to reconnect to another node",
      });
      // Answered while the node is gone (no election needed: its leaders stepped down).
      await allAnswered("the commands typed during the lame duck stop", 15_000);

      // The node comes back (maintenance over): a kill of another node must leave a quorum.
      await cluster.restartNode(1);
      await allAnswered("the commands typed while n2 rejoined", 15_000);

      // kill -9 of the CyTube connector's node under load: the connector moves to another node;
      // the streams and consumers its node led elect new leaders (4-9 s, nats-server raft.go).
      leadersBeforeKill = await leaders(cluster.monitor[2]!);
      Deno.kill(cluster.pids[2]!, "SIGKILL");
      await waitFor(() => /"reconnected to NATS".*"bus":"connector-cytube/.test(cytube.stderr), {
        timeoutMs: 20_000,
        what: "the connector to reconnect to another node",
      }).catch((error) => {
        throw new Error(`${(error as Error).message}\n${all()}`);
      });
      // Load goes on past one JetStream election and then some.
      const killedAt = Date.now();
      await waitFor(() => Date.now() - killedAt > 12_000, {
        timeoutMs: 15_000,
        what: "the load to outlast the election",
      });
    } finally {
      typing = false;
      await load;
    }
    await allAnswered(`every one of the ${typed} commands answered`, 20_000);
    // A last command once everything else is answered: a second answer to an earlier one (a
    // redelivery) would have been said before it, in the one chat.
    fake.say("user1", "!roll 2d1");
    await waitFor(() => botLines().some((line) => line.includes("rolled 2d1:")), {
      timeoutMs: 20_000,
      what: "the answer to the last command",
    });
    const twice = [...answers()].filter(([, n]) => n > 1).map(([id]) => id);
    assert.deepEqual(twice, [], `commands answered more than once\n${all()}`);
    assert.ok(typed >= RATE * 20, `the load ran (${typed} commands typed)`);

    // The chat log: every line typed, once.
    const file = `${logs}/cytube/${CHANNEL}/chat.log`;
    const logged = async () => {
      const text = await Deno.readTextFile(file).catch(() => "");
      const count = new Map<number, number>();
      for (const match of text.matchAll(/: !roll 1d1\+(\d+)$/gm)) {
        count.set(Number(match[1]), (count.get(Number(match[1])) ?? 0) + 1);
      }
      return count;
    };
    await waitFor(async () => (await logged()).size === typed, {
      timeoutMs: 20_000,
      what: `the chat log to hold the ${typed} commands`,
    }).catch(async (error) => {
      const count = await logged();
      const missing = Array.from({ length: typed }, (_, id) => id).filter((id) => !count.has(id));
      throw new Error(`${(error as Error).message}: missing ${missing.join(", ")}\n${all()}`);
    });
    const loggedTwice = [...await logged()].filter(([, n]) => n > 1).map(([id]) => id);
    assert.deepEqual(loggedTwice, [], "lines the chat log wrote twice");
  });
});

/** "stream: leader (consumer: leader, ...)" for every stream, from a node's `/jsz`. */
async function leaders(monitorPort: number): Promise<string> {
  const url = `http://127.0.0.1:${monitorPort}/jsz?accounts=true&streams=true&consumers=true`;
  interface Detail {
    name: string;
    cluster?: { leader?: string };
    consumer_detail?: Detail[];
  }
  const jsz = await (await fetch(url)).json() as {
    account_details?: { stream_detail?: Detail[] }[];
  };
  return (jsz.account_details ?? []).flatMap((account) => account.stream_detail ?? []).map((s) =>
    `${s.name}: ${s.cluster?.leader} (${
      (s.consumer_detail ?? []).map((c) => `${c.name}: ${c.cluster?.leader}`).join(", ")
    })`
  ).join("; ");
}
