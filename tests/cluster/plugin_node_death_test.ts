/**
 * A plugin host on a cluster gives its sandboxed plugins every server of its `nats.servers`
 * (their `--allow-net` and their connect options): when the node a plugin is connected to dies,
 * the plugin reconnects to another node by itself. Before, a plugin could dial only the first
 * server: its reconnects were refused by Deno (each reported as a `deno-net` violation), its
 * heartbeats stopped, and the manager restarted it against the same dead server.
 *
 * Real parts: `deno task cluster` (three TLS nodes), `deno task start` for the plugin host
 * (servers A, B, C: A first), the router (node B only) and the console (node C only). And the
 * manager's side: while its own connection is down it hears no heartbeats, which is no reason to
 * kill its plugins as hung.
 */
import assert from "node:assert/strict";
import {
  EventBus,
  loadOrCreateAuthority,
  mintUser,
  type PluginStatus,
  PluginTableSchema,
  type SecurityViolation,
  SecurityViolationSchema,
  subjects,
} from "@quicksilver/core";
import { PLUGIN_MANAGER_IDENTITY, pluginHostRole, PluginManager } from "@quicksilver/sandbox";
import { ALL_RIGHTS, REPO_ROOT, waitFor } from "@quicksilver/testbed";
import { ClusterProcess, StartProcess, withHome } from "./_processes.ts";

const LIFTED = { burst: 1_000_000, perSecond: 1_000_000 };

/** The client names connected to one node (its `/connz`). */
async function clientsOn(cluster: ClusterProcess, node: number): Promise<string[]> {
  const response = await fetch(`http://127.0.0.1:${cluster.monitor[node]}/connz?limit=1000`, {
    signal: AbortSignal.timeout(2000),
  });
  const body = await response.json() as { connections?: { name?: string }[] };
  return (body.connections ?? []).map((c) => c.name ?? "");
}

Deno.test("when the node its plugins are connected to is SIGKILLed, dice moves to another node by itself and keeps answering, with no violation and no restart", async () => {
  await withHome(async (home) => {
    // Sandboxed plugins run as their own uids and must traverse to their data dirs.
    await Deno.chmod(home, 0o711);
    await using cluster = await ClusterProcess.start(home);
    await Deno.writeTextFile(
      `${home}/rosey.yaml`,
      JSON.stringify({
        nats: {
          // Node A first: the plugin host's nearest node, where its plugins connect first.
          servers: [cluster.url(0), cluster.url(1), cluster.url(2)],
          tls: { ca: ".rosey/cluster/tls/ca.pem" },
        },
        // Lifted as in the chaos run: the test types more than a user's burst.
        router: { rateLimits: { perUser: LIFTED, perPlugin: LIFTED, say: LIFTED } },
        plugins: { dir: `${REPO_ROOT}/plugins`, enabled: ["dice"] },
      }),
    );
    // The router first, alone (each process creates the core streams). It and the console
    // connect to nodes that stay up, so that only the plugin's connection is hit.
    await using router = new StartProcess(home, ["router"], {
      ROSEY_NATS_SERVERS: cluster.url(1),
    });
    await router.started();
    await using plugins = new StartProcess(home, ["plugins"]);
    await using shell = new StartProcess(home, ["--only", "shell"], {
      ROSEY_NATS_SERVERS: cluster.url(2),
    });
    await plugins.started();
    await shell.started();
    const all = () =>
      `--plugins\n${plugins.stderr.slice(-6000)}\n--router\n${router.stderr.slice(-2000)}\n` +
      `--shell\n${shell.stdout.slice(-2000)}\n--cluster\n${cluster.stderr.slice(-1500)}`;

    // A watcher on node C: security reports and the plugin host's table.
    const authority = await loadOrCreateAuthority(`${home}/.rosey`);
    const user = await mintUser(authority, { name: "watcher", permissions: ALL_RIGHTS });
    const watcher = await EventBus.connect({
      servers: cluster.url(2),
      name: "watcher",
      creds: user.creds,
      tls: { ca: `${home}/.rosey/cluster/tls/ca.pem` },
    });
    try {
      const violations: SecurityViolation[] = [];
      watcher.subscribe(subjects.securityViolation(), (v) => void violations.push(v), {
        schema: SecurityViolationSchema,
      });
      let dice: PluginStatus | undefined;
      watcher.subscribe(subjects.pluginManifests(), (table) => {
        dice = table.plugins.find((p) => p.name === "dice") ?? dice;
      }, { schema: PluginTableSchema });
      await watcher.flush();

      let n = 0;
      /** Types `!roll 1d1+<n>` and waits for its answer. */
      const roll = async (timeoutMs: number) => {
        const id = ++n;
        await shell.type(`!roll 1d1+${id}`);
        // dice: "you rolled 1d1+<id>: [1] + <id> = <id + 1>"
        const answered = new RegExp(`rolled 1d1\\+${id}: \\[1\\] \\+ ${id} = ${id + 1}\\b`);
        await waitFor(() => answered.test(shell.stdout), {
          timeoutMs,
          what: `the answer to !roll 1d1+${id}`,
        });
      };
      await roll(30_000).catch((error) => {
        throw new Error(`${(error as Error).message}\n${all()}`);
      });
      // The plugin is on node A, as its host's list says.
      assert.ok((await clientsOn(cluster, 0)).includes("plugin-dice"), all());
      await waitFor(() => dice?.state === "running" && dice.pid !== undefined, {
        what: "dice running in the plugin host's table",
      });
      const before = { pid: dice!.pid, restarts: dice!.restarts };

      Deno.kill(cluster.pids[0]!, "SIGKILL");
      const killedAt = Date.now();
      // A command every 250 ms from the kill on, until one is answered: in live delivery the
      // few typed while dice reconnects may be lost (docs/SCALING.md), the next ones are not.
      const firstAfterKill = n + 1;
      let recoveredMs: number | undefined;
      const answeredAny = () => {
        for (let id = firstAfterKill; id <= n; id++) {
          if (
            new RegExp(`rolled 1d1\\+${id}: \\[1\\] \\+ ${id} = ${id + 1}\\b`).test(shell.stdout)
          ) {
            return true;
          }
        }
        return false;
      };
      while (recoveredMs === undefined && Date.now() - killedAt < 15_000) {
        await shell.type(`!roll 1d1+${++n}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
        if (answeredAny()) recoveredMs = Date.now() - killedAt;
      }
      assert.ok(recoveredMs !== undefined, `dice answered again after node A's death\n${all()}`);
      assert.ok(recoveredMs < 10_000, `answered again ${recoveredMs} ms after the kill`);
      // And keeps answering.
      for (let i = 0; i < 5; i++) await roll(5000);
      const clients = [...await clientsOn(cluster, 1), ...await clientsOn(cluster, 2)];
      assert.ok(clients.includes("plugin-dice"), `dice on node B or C: ${clients.join(", ")}`);

      // Past the manager's heartbeat watchdog (3 beats + 1 s = 7 s from the kill) and a table
      // republish: same process, no restart, nothing reported.
      await waitFor(() => Date.now() - killedAt > 12_000, { timeoutMs: 15_000, what: "12 s" });
      await roll(5000);
      assert.equal(dice?.state, "running");
      assert.deepEqual({ pid: dice?.pid, restarts: dice?.restarts }, before, all());
      assert.deepEqual(
        violations.filter((v) => v.plugin === "dice"),
        [],
        "no violation reported for dice",
      );
      assert.doesNotMatch(plugins.stderr, /deno-net|stopped answering|restarting/, all());
      console.log(`dice answered again ${recoveredMs} ms after its node was SIGKILLed`);
    } finally {
      await watcher.close();
    }
  });
});

Deno.test("while the plugin manager's own node is down it hears no heartbeats, and does not take its plugins for hung", async () => {
  await withHome(async (home) => {
    await Deno.chmod(home, 0o711);
    await using cluster = await ClusterProcess.start(home);
    const authority = await loadOrCreateAuthority(`${home}/.rosey`);
    const ca = `${home}/.rosey/cluster/tls/ca.pem`;
    // The manager's own connection is on node B and may not move (as if B were the only node
    // it knew); its plugins dial A and C and stay up.
    const managerUser = await mintUser(authority, pluginHostRole());
    const bus = await EventBus.connect({
      servers: cluster.url(1),
      onlyListedServers: true,
      name: PLUGIN_MANAGER_IDENTITY,
      creds: managerUser.creds,
      tls: { ca },
    });
    const dataDir = `${home}/plugins`;
    const manager = new PluginManager({
      authority,
      bus,
      servers: [cluster.url(0), cluster.url(2)],
      tls: { ca },
      pluginFiles: [`${REPO_ROOT}/plugins/dice.ts`],
      dataDir,
      // Watchdog: 3 beats of 500 ms + 1 s = 2.5 s of silence means hung.
      timings: { heartbeatMs: 500 },
    });
    try {
      await manager.start();
      const dice = () => manager.list().find((p) => p.name === "dice");
      await waitFor(() => dice()?.state === "running", { what: "dice running" });
      const before = { pid: dice()!.pid, restarts: dice()!.restarts };

      Deno.kill(cluster.pids[1]!, "SIGKILL");
      await waitFor(() => bus.status === "disconnected", { what: "the manager cut off" });
      // Twice the watchdog's bound without hearing a beat.
      await new Promise((resolve) => setTimeout(resolve, 5000));
      await cluster.restartNode(1);
      await waitFor(() => bus.status === "connected", {
        timeoutMs: 20_000,
        what: "the manager to reconnect to node B",
      });
      // Past the watchdog's bound again, now hearing the beats.
      await new Promise((resolve) => setTimeout(resolve, 4000));
      assert.equal(dice()?.state, "running");
      assert.deepEqual({ pid: dice()?.pid, restarts: dice()?.restarts }, before);
    } finally {
      await manager.stop();
      await bus.close();
    }
  });
});
