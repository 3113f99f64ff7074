/**
 * A plugin host on a machine without the installation's keys (issue 13 point 3): the operator
 * makes the plugin signing key and the host's own `.creds` with `deno task auth` where the keys
 * are, the host runs `deno task start plugins` with only those two files, and its plugin answers.
 */
import assert from "node:assert/strict";
import { EventBus, parseScopedKeyFile } from "@quicksilver/core";
import { mintPluginUser, pluginNatsRights } from "@quicksilver/sandbox";
import { REPO_ROOT, waitFor } from "@quicksilver/testbed";
import { ClusterProcess, startHomeNats, StartProcess, withHome } from "./_processes.ts";

async function auth(args: string[]): Promise<void> {
  const made = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${REPO_ROOT}/scripts/auth.ts`, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(made.success, new TextDecoder().decode(made.stderr));
}

Deno.test("a plugin host holding only the plugin signing key and its .creds serves !roll 1d1", async () => {
  await withHome(async (keys) => {
    await withHome(async (host) => {
      await using server = await startHomeNats(keys);
      await auth([
        "plugin-host-key",
        "--home",
        keys,
        "--servers",
        server.url,
        "--out",
        `${host}/plugin-host.nk`,
      ]);
      await auth(["creds", "plugins", "--home", keys, "--out", `${host}/plugins.creds`]);
      assert.equal((await Deno.stat(`${host}/plugin-host.nk`)).mode! & 0o777, 0o600);
      await Deno.writeTextFile(
        `${keys}/rosey.yaml`,
        `nats:\n  servers: ["${server.url}"]\nplugins:\n  enabled: []\n`,
      );
      await Deno.writeTextFile(
        `${host}/rosey.yaml`,
        `nats:\n  servers: ["${server.url}"]\n  credentials:\n    plugins: plugins.creds\n` +
          `    plugin-signing-key: plugin-host.nk\n` +
          `plugins:\n  dir: ${REPO_ROOT}/plugins\n  enabled: [dice]\n`,
      );
      await using router = new StartProcess(keys, ["router"]);
      await router.started();
      await using plugins = new StartProcess(host, ["plugins"]);
      await plugins.started();
      await using shell = new StartProcess(keys, ["--only", "shell"]);
      await shell.started();
      await shell.type("!roll 1d1");
      await waitFor(() => /you rolled 1d1: \[1\] = 1/.test(shell.stdout), {
        timeoutMs: 20_000,
        what: "the dice answer in the console",
      }).catch((error) => {
        throw new Error(`${(error as Error).message}\n${shell.stdout}\n${plugins.stderr}`);
      });
      // The host holds no account key: it could mint nothing but plugin users.
      await assert.rejects(Deno.stat(`${host}/.rosey/auth`));
      const connz = await (await fetch(`${server.monitorUrl}/connz?auth=1`)).json();
      const dice = connz.connections.find((c: { name: string }) => c.name === "plugin-dice");
      assert.ok(dice, "dice is connected");
    });
  });
});

Deno.test("on a cluster the plugin key pushed to one node works on every node", async () => {
  await withHome(async (home) => {
    await using cluster = await ClusterProcess.start(home);
    const ca = `${home}/.rosey/cluster/tls/ca.pem`;
    await auth([
      "plugin-host-key",
      "--home",
      home,
      "--servers",
      cluster.url(0),
      "--ca",
      ca,
      "--out",
      `${home}/plugin-host.nk`,
    ]);
    const key = parseScopedKeyFile(await Deno.readTextFile(`${home}/plugin-host.nk`), "key");
    const rights = pluginNatsRights({ name: "dice", events: [] });
    // The full resolver replicates the update: the third node accepts the key's users too.
    for (const node of [0, 2]) {
      const user = await mintPluginUser(key, rights);
      const bus = await waitFor(async () => {
        try {
          return await EventBus.connect({
            servers: cluster.url(node),
            name: rights.identity,
            creds: user.creds,
            tls: { ca },
            waitOnFirstConnect: false,
          });
        } catch {
          return undefined;
        }
      }, { timeoutMs: 10_000, what: `a plugin user of the key on node ${node + 1}` });
      await bus.close();
    }
  });
});

Deno.test("a plugin host with neither the keys nor the plugin signing key is refused with the fix", async () => {
  await withHome(async (host) => {
    await Deno.writeTextFile(
      `${host}/rosey.yaml`,
      `nats:\n  servers: ["127.0.0.1:1"]\n  credentials:\n    plugins: /nonexistent.creds\n`,
    );
    await using plugins = new StartProcess(host, ["plugins"]);
    assert.equal(await plugins.exitCode(), 2);
    assert.match(
      plugins.stderr,
      /nats\.credentials\.plugin-signing-key: .*deno task auth plugin-host-key/,
    );
    await Deno.writeTextFile(
      `${host}/rosey.yaml`,
      `nats:\n  servers: ["127.0.0.1:1"]\n  credentials:\n    plugin-signing-key: bad.nk\n`,
    );
    await Deno.writeTextFile(`${host}/bad.nk`, "not a key");
    await using bad = new StartProcess(host, ["plugins"]);
    assert.equal(await bad.exitCode(), 2);
    assert.match(bad.stderr, /bad\.nk is not a Quicksilver scoped signing key file/);
  });
});
