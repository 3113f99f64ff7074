/**
 * Plugin replicas (issue 14 point 2): two plugin hosts (`deno task start plugins`, each with its
 * own `--home` and the same account keys) run the same plugins against one nats-server. Commands
 * go to either replica (a queue group); when one host is killed with SIGKILL the other answers
 * within 5 s; a trivia game goes on on the standby with its scores.
 */
import assert from "node:assert/strict";
import { Kvm } from "@nats-io/kv";
import { jetstream } from "@nats-io/jetstream";
import {
  type CommandResult,
  CommandResultSchema,
  EventBus,
  mintUser,
  type PluginSay,
  PluginSaySchema,
  PluginTableSchema,
  subjects,
} from "@quicksilver/core";
import { PluginTableStore } from "../../services/router/mod.ts";
import { LEASE_KEY } from "@quicksilver/sdk";
import { BANK } from "../../plugins/trivia.ts";
import { ALL_RIGHTS, type NatsServer, REPO_ROOT, waitFor } from "@quicksilver/testbed";
import { startHomeNats, StartProcess, withHome } from "./_processes.ts";

const SOURCE = { platform: "shell", channel: "replicas" };

/** Two homes sharing the server's account keys, each with its own rosey.yaml. */
async function twoHosts(
  server: NatsServer,
  homes: [string, string],
  pluginsYaml: string,
): Promise<[StartProcess, StartProcess]> {
  const hosts: StartProcess[] = [];
  for (const [i, home] of homes.entries()) {
    if (i > 0) {
      await Deno.mkdir(`${home}/.rosey/auth`, { recursive: true });
      for await (const entry of Deno.readDir(`${homes[0]}/.rosey/auth`)) {
        await Deno.copyFile(
          `${homes[0]}/.rosey/auth/${entry.name}`,
          `${home}/.rosey/auth/${entry.name}`,
        );
      }
    }
    await Deno.writeTextFile(
      `${home}/rosey.yaml`,
      `nats:\n  servers: ["${server.url}"]\n` +
        `plugins:\n  dir: ${REPO_ROOT}/plugins\n  hostId: host-${"ab"[i]}\n${pluginsYaml}`,
    );
  }
  for (const home of homes) {
    const host = new StartProcess(home, ["plugins"]);
    hosts.push(host);
    await host.started();
  }
  return hosts as [StartProcess, StartProcess];
}

async function client(server: NatsServer): Promise<EventBus> {
  const user = await mintUser(server.authority, { name: "tester", permissions: ALL_RIGHTS });
  return await EventBus.connect({ servers: server.url, name: "tester", creds: user.creds });
}

let messageId = 0;
function command(
  bus: EventBus,
  plugin: string,
  text: string,
  options: { user?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  const [word = "", ...args] = text.replace(/^!/, "").split(/\s+/);
  return bus.request(subjects.commandExecute(plugin), {
    command: word,
    args,
    rawArgs: text.replace(/^!?\S+\s?/, ""),
    user: { name: options.user ?? "alice", rank: 1 },
    source: SOURCE,
    messageId: `replica-${++messageId}`,
    deadlineMs: 4000,
  }, { timeoutMs: options.timeoutMs ?? 5000, schema: CommandResultSchema });
}

const text = (result: CommandResult) =>
  result.ok ? result.reply.join("\n") : `${result.error.code}: ${result.error.message}`;

/** The router's merged table, fed by every host's published tables. */
function watchTable(bus: EventBus): PluginTableStore {
  const table = new PluginTableStore();
  bus.subscribe(subjects.pluginManifests(), (t) => void table.apply(t), {
    schema: PluginTableSchema,
  });
  return table;
}

async function processAlive(host: StartProcess): Promise<boolean> {
  const exited = await Promise.race([
    host.child.status.then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), 10)),
  ]);
  return !exited;
}

async function withServer(fn: (server: NatsServer, homes: [string, string]) => Promise<void>) {
  await withHome(async (a) => {
    await withHome(async (b) => {
      await using server = await startHomeNats(a);
      await fn(server, [a, b]);
    });
  });
}

Deno.test("dice on two plugin hosts: both serve, and after one host is SIGKILLed commands are answered again within 5 s", async () => {
  await withServer(async (server, homes) => {
    const [a, b] = await twoHosts(server, homes, `  enabled: [dice]\n`);
    await using _a = a;
    await using _b = b;
    const bus = await client(server);
    try {
      const table = watchTable(bus);
      await waitFor(
        () => table.plugins.find((p) => p.name === "dice")?.hosts?.length === 2,
        { timeoutMs: 20_000, what: "dice running on host-a and host-b in the merged table" },
      );
      assert.equal(table.resolve("roll")?.running, true);

      const results = await Promise.all(
        Array.from({ length: 40 }, () => command(bus, "dice", "!roll 1d1")),
      );
      assert.deepEqual(
        results.filter((r) => !/rolled 1d1: \[1\] = 1/.test(text(r))).map(text),
        [],
        "every command answered",
      );
      // Each host's count of handled commands (from its replica's heartbeats): the queue group
      // gives each command to one replica, and both got some.
      const handled = () =>
        table.hostStatuses().filter((s) => s.name === "dice").map((s) => s.messages ?? 0);
      await waitFor(
        () =>
          handled().length === 2 && handled().every((n) => n > 0) &&
          handled().reduce((x, y) => x + y) >= 40,
        { timeoutMs: 15_000, what: "both replicas' counts of the 40 commands" },
      );
      assert.equal(
        handled().reduce((x, y) => x + y),
        40,
        `each command handled once: ${handled()}`,
      );

      // Commands at a steady 10/s through the kill: those sent to the dying replica in the
      // moment before the server sees its connection close are lost (live mode has no retry);
      // from at most 5 s after the kill on, every one is answered.
      a.child.kill("SIGKILL");
      const killedAt = performance.now();
      const sent: Promise<{ sentMs: number; ok: boolean }>[] = [];
      const pace = setInterval(() => {
        const sentMs = performance.now() - killedAt;
        sent.push(
          command(bus, "dice", "!roll 1d1", { timeoutMs: 2000 }).then(
            (r) => ({ sentMs, ok: r.ok }),
            () => ({ sentMs, ok: false }),
          ),
        );
      }, 100);
      try {
        await waitFor(() => performance.now() - killedAt >= 8000, {
          timeoutMs: 10_000,
          what: "8 s of commands after the kill",
        });
      } finally {
        clearInterval(pace);
      }
      const outcomes = await Promise.all(sent);
      const lost = outcomes.filter((o) => !o.ok);
      const recoveredMs = lost.length ? Math.max(...lost.map((o) => o.sentMs)) : 0;
      assert.ok(
        recoveredMs < 5000,
        `a command sent ${Math.round(recoveredMs)} ms after the kill was lost`,
      );
      assert.ok(
        outcomes.filter((o) => o.sentMs > recoveredMs).length >= 20,
        "commands after the recovery were sent and answered",
      );
    } finally {
      await bus.close();
    }
  });
});

Deno.test("a trivia game survives the SIGKILL of the plugin host that ran it: the standby asks the next question and the scores are kept", async () => {
  await withServer(async (server, homes) => {
    const [a, b] = await twoHosts(
      server,
      homes,
      `  enabled: [trivia]\n  trivia:\n    config:\n      questionSeconds: 20\n      breakSeconds: 5\n`,
    );
    await using _a = a;
    await using _b = b;
    const bus = await client(server);
    const said: PluginSay[] = [];
    bus.subscribe(subjects.pluginSay("trivia"), (say) => void said.push(say), {
      schema: PluginSaySchema,
    });
    const nextSay = async (prefix: string, timeoutMs: number) => {
      const found = await waitFor(() => said.find((s) => s.text.startsWith(prefix)), {
        timeoutMs,
        what: `"${prefix}..." said`,
      });
      return found.text;
    };
    const rightAnswer = (question: string) => {
      const q = BANK.find((item) => question.includes(`] ${item.text}  `));
      assert.ok(q, `not a bank question: ${question}`);
      return q.answer;
    };
    try {
      assert.match(
        text(await command(bus, "trivia", "!trivia start 3")),
        /^🎲 Trivia: 3 questions/,
      );
      const q1 = await nextSay("❓ Q1/3 ", 15_000);

      // Which host runs the game's clock: the lease's value names the holder's host.
      const kv = await new Kvm(jetstream(bus.connection)).open("plugin_trivia");
      const holder = JSON.parse((await kv.get(LEASE_KEY))!.string()).holder as string;
      const holderIndex = holder.startsWith("host-a/") ? 0 : holder.startsWith("host-b/") ? 1 : -1;
      assert.notEqual(holderIndex, -1, `the lease names no host: ${holder}`);
      const [holderHost, standby] = holderIndex === 0 ? [a, b] : [b, a];

      const first = text(await command(bus, "trivia", `!a ${rightAnswer(q1)}`));
      const scored = /= (\d+) this game\.$/.exec(first);
      assert.ok(scored, first);
      // The next question is due 5 s after the answer: kill the host with the clock before.
      holderHost.child.kill("SIGKILL");
      const killedAt = Date.now();
      await holderHost.child.status;

      const q2 = await nextSay("❓ Q2/3 ", 15_000);
      assert.ok(Date.now() - killedAt < 10_000, "the standby asked within the break + 5 s");
      assert.ok(
        said.findIndex((s) => s.text === q2) > said.findIndex((s) => s.text === q1),
      );
      const second = text(await command(bus, "trivia", `!a ${rightAnswer(q2)}`));
      const again = /\+(\d+) \+(\d+) streak bonus \(2 in a row\) = (\d+) this game\.$/.exec(second);
      assert.ok(again, `the streak and the score go on: ${second}`);
      assert.equal(
        Number(again[3]),
        Number(scored[1]) + Number(again[1]) + Number(again[2]),
        "the points of the first question are kept",
      );
      assert.equal(await processAlive(standby), true, "the standby host still runs");
    } finally {
      await bus.close();
    }
  });
});
