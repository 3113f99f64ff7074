/**
 * `deno task start <component>`: each component its own process against a nats-server that
 * already runs (issue 13 point 1). The plugin host, the router and the console connector run as
 * three processes and `!roll 1d1` is answered; a missing credential or TLS file is a config
 * error that names the file, the key and the fix.
 */
import assert from "node:assert/strict";
import { REPO_ROOT, waitFor } from "@quicksilver/testbed";
import { startHomeNats, StartProcess, withHome } from "./_processes.ts";

Deno.test("plugin host, router and console as separate processes answer !roll 1d1", async () => {
  await withHome(async (home) => {
    await using server = await startHomeNats(home);
    await Deno.writeTextFile(
      `${home}/rosey.yaml`,
      `nats:\n  servers: ["${server.url}"]\n` +
        `plugins:\n  dir: ${REPO_ROOT}/plugins\n  enabled: [dice]\n`,
    );
    await using plugins = new StartProcess(home, ["plugins"]);
    await plugins.started();
    await using router = new StartProcess(home, ["router"]);
    await router.started();
    await using shell = new StartProcess(home, ["--only", "shell"]);
    await shell.started();
    await shell.type("!roll 1d1");
    await waitFor(() => /you rolled 1d1: \[1\] = 1/.test(shell.stdout), {
      timeoutMs: 20_000,
      what: "the dice answer in the console",
    }).catch((error) => {
      throw new Error(`${(error as Error).message}\n${shell.stdout}\n${router.stderr}`);
    });
    const connz = await (await fetch(`${server.monitorUrl}/connz`)).json();
    const names = connz.connections.map((c: { name: string }) => c.name);
    assert.ok(names.includes("svc-router") && names.includes("plugin-dice"), names.join(", "));
  });
});

Deno.test("a component without credentials is refused with the key and the fix", async () => {
  await withHome(async (home) => {
    await Deno.writeTextFile(`${home}/rosey.yaml`, `nats:\n  servers: ["127.0.0.1:1"]\n`);
    await using router = new StartProcess(home, ["router"]);
    assert.equal(await router.exitCode(), 2);
    assert.match(router.stderr, /rosey\.yaml: nats\.credentials\.router: no NATS credentials/);
    assert.match(router.stderr, /ROSEY_NATS_CREDS_ROUTER/);
  });
});

Deno.test("a credentials or TLS file that is not there is named with its key", async () => {
  await withHome(async (home) => {
    await Deno.writeTextFile(
      `${home}/rosey.yaml`,
      `nats:\n  servers: ["127.0.0.1:1"]\n  credentials:\n    chatlog: /nonexistent/chatlog.creds\n`,
    );
    await using chatlog = new StartProcess(home, ["chatlog"]);
    assert.equal(await chatlog.exitCode(), 2);
    assert.match(
      chatlog.stderr,
      /nats\.credentials\.chatlog: cannot read .*\/nonexistent\/chatlog\.creds/,
    );
    await using tls = new StartProcess(home, ["chatlog"], {
      ROSEY_NATS_TLS_CA: "/nonexistent/ca.pem",
    });
    assert.equal(await tls.exitCode(), 2);
    assert.match(tls.stderr, /nats\.tls\.ca: the file "\/nonexistent\/ca\.pem" does not exist/);
    await using unknown = new StartProcess(home, ["routr"]);
    assert.equal(await unknown.exitCode(), 2);
    assert.match(unknown.stderr, /unknown component "routr"/);
  });
});

Deno.test("a component on a machine without the keys runs with a .creds file from deno task auth", async () => {
  await withHome(async (keys) => {
    await withHome(async (elsewhere) => {
      await using server = await startHomeNats(keys);
      const made = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          `${REPO_ROOT}/scripts/auth.ts`,
          "creds",
          "router",
          "--home",
          keys,
          "--out",
          `${elsewhere}/router.creds`,
        ], // deno-fmt-ignore
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(made.success, new TextDecoder().decode(made.stderr));
      assert.equal((await Deno.stat(`${elsewhere}/router.creds`)).mode! & 0o777, 0o600);
      await Deno.writeTextFile(
        `${elsewhere}/rosey.yaml`,
        `nats:\n  servers: ["${server.url}"]\n  credentials:\n    router: router.creds\n`,
      );
      await using router = new StartProcess(elsewhere, ["router"]);
      await router.started();
      const connz = await (await fetch(`${server.monitorUrl}/connz`)).json();
      const names = connz.connections.map((c: { name: string }) => c.name);
      assert.ok(names.includes("svc-router"), names.join(", "));
      // Nothing else could connect from there: no keys, no other .creds.
      await assert.rejects(Deno.stat(`${elsewhere}/.rosey/auth`));
      await using chatlog = new StartProcess(elsewhere, ["chatlog"]);
      assert.equal(await chatlog.exitCode(), 2);
      assert.match(chatlog.stderr, /nats\.credentials\.chatlog: .*deno task auth creds chatlog/);
    });
  });
});

Deno.test("a plugin host whose nats.servers names a node by hostname is refused with the entry and the fix", async () => {
  await withHome(async (home) => {
    // Its plugins dial every server: a name would need a lookup the sandbox may not make.
    await Deno.writeTextFile(
      `${home}/rosey.yaml`,
      `nats:\n  servers: ["tls://10.0.0.1:4222", "tls://nats2.example.org:4222"]\n`,
    );
    await using plugins = new StartProcess(home, ["plugins"]);
    assert.equal(await plugins.exitCode(), 2);
    assert.match(
      plugins.stderr,
      /rosey\.yaml: nats\.servers: .*servers\[1\] "tls:\/\/nats2\.example\.org:4222" is not an IP literal host:port.*write the node's IP address/,
    );
  });
});
