/**
 * Issue 13's acceptance: `deno task cluster`, then the plugin host (dice), the router, the chat
 * log and the console connector as separate `deno task start` processes, each connected to a
 * different node over TLS: `!roll 1d1` typed in the console is answered; then the router's node
 * stops (SIGTERM), the router moves to another node by itself, and every command is answered;
 * then kill -9 of the console's node: it moves to the last node, and commands are answered.
 */
import assert from "node:assert/strict";
import { waitFor } from "@quicksilver/testbed";
import { ClusterProcess, StartProcess, withHome } from "./_processes.ts";
import { REPO_ROOT } from "@quicksilver/testbed";

const ANSWER = /you rolled 1d1: \[1\] = 1/g;

Deno.test("components on three nodes over TLS answer commands, also after a node stops", async () => {
  await withHome(async (home) => {
    await using cluster = await ClusterProcess.start(home);
    await Deno.writeTextFile(
      `${home}/rosey.yaml`,
      `nats:\n  tls: { ca: .rosey/cluster/tls/ca.pem }\n` +
        `plugins:\n  dir: ${REPO_ROOT}/plugins\n  enabled: [dice]\n` +
        // One user types every command: the per-user limit (4 in a burst) is not under test.
        `router:\n  rateLimits:\n    perUser: { burst: 100, perSecond: 100 }\n`,
    );
    const on = (i: number) => ({ ROSEY_NATS_SERVERS: cluster.url(i) });
    await using plugins = new StartProcess(home, ["plugins"], on(0));
    await plugins.started();
    await using router = new StartProcess(home, ["router"], on(1));
    await router.started();
    await using chatlog = new StartProcess(home, ["chatlog"], on(2));
    await chatlog.started();
    await using shell = new StartProcess(home, ["shell"], on(2));
    await shell.started();
    assert.match(router.stderr, /\(TLS\)/);

    const answered = () => shell.stdout.match(ANSWER)?.length ?? 0;
    const replies = () => shell.stdout.match(/^\[bot\]/gm)?.length ?? 0;
    await shell.type("!roll 1d1");
    await waitFor(() => answered() === 1, { timeoutMs: 20_000, what: "the first answer" })
      .catch((error) => {
        throw new Error(`${(error as Error).message}\n${shell.stdout}\n${router.stderr}`);
      });

    // The router's node stops; the router reconnects to a node it learnt from the cluster (its
    // INFO lists them all), and from then on every command is answered. (Commands typed in the
    // fraction of a second the router is away can be lost: core NATS, see docs/SCALING.md.)
    Deno.kill(cluster.pids[1]!, "SIGTERM");
    await waitFor(() => /"reconnected to NATS".*"bus":"svc-router"/.test(router.stderr), {
      timeoutMs: 20_000,
      what: "the router to reconnect to another node",
    });
    for (let i = 2; i <= 6; i++) {
      await shell.type("!roll 1d1");
      await waitFor(() => replies() === i, { timeoutMs: 30_000, what: `answer ${i}` })
        .catch((error) => {
          throw new Error(
            `${
              (error as Error).message
            }\n${shell.stdout}\n--router\n${router.stderr}\n--shell\n${shell.stderr}\n--plugins\n${plugins.stderr}`,
          );
        });
    }
    assert.equal(answered(), 6, `every command answered by dice:\n${shell.stdout}`);

    // Then kill -9 of the node the console and the chat log are on: they move to the last node,
    // where the plugin host is, and commands are answered again.
    Deno.kill(cluster.pids[2]!, "SIGKILL");
    await waitFor(() => /"reconnected to NATS".*"bus":"connector-shell"/.test(shell.stderr), {
      timeoutMs: 20_000,
      what: "the console to reconnect to another node",
    }).catch((error) => {
      throw new Error(`${(error as Error).message}\n${shell.stderr}`);
    });
    for (let i = 7; i <= 9; i++) {
      await shell.type("!roll 1d1");
      await waitFor(() => replies() === i, { timeoutMs: 30_000, what: `answer ${i}` })
        .catch((error) => {
          throw new Error(
            `${
              (error as Error).message
            }\n${shell.stdout}\n--router\n${router.stderr}\n--shell\n${shell.stderr}`,
          );
        });
    }
    assert.equal(answered(), 9, `every command answered by dice:\n${shell.stdout}`);
  });
});
