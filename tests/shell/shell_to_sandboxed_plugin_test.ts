import assert from "node:assert/strict";
import { connectorRole } from "@quicksilver/core";
import { CommandRouter, routerRole } from "../../services/router/mod.ts";
import { PluginManager } from "@quicksilver/sandbox";
import { TestNats, waitFor, within } from "@quicksilver/testing";
import { ShellConnector } from "../../connectors/shell/mod.ts";
import { REPO_ROOT } from "@quicksilver/testbed";

Deno.test("typing !help then !roll in the shell is answered by the real sandboxed dice plugin", async () => {
  await using nats = await TestNats.start();
  const dataDir = await Deno.makeTempDir({ prefix: "quicksilver-shell-e2e-" });
  const manager = new PluginManager({
    authority: nats.authority,
    servers: nats.url,
    pluginFiles: [`${REPO_ROOT}/plugins/dice.ts`],
    dataDir,
  });
  const input = new TransformStream<Uint8Array, Uint8Array>();
  const typing = input.writable.getWriter();
  let printed = "";
  const output = new WritableStream<Uint8Array>({
    write: (chunk) => void (printed += new TextDecoder().decode(chunk)),
  });
  const type = (line: string) => typing.write(new TextEncoder().encode(`${line}\n`));
  const r = routerRole();
  const c = connectorRole("shell");
  let router: CommandRouter | undefined;
  let shell: ShellConnector | undefined;
  try {
    await manager.start();
    router = await CommandRouter.start(await nats.connect(r.name, r.permissions));
    await waitFor(() => router!.table.resolve("roll")?.running, { what: "dice running" });
    shell = await ShellConnector.start(await nats.connect(c.name, c.permissions), {
      input: input.readable,
      output,
    });

    await type("!help");
    await waitFor(() => /\[bot\] Commands: .*!roll/.test(printed), { what: "the help list" });
    // A one-sided die is deterministic: the README's acceptance example.
    await type("!roll 1d1");
    await waitFor(() => /^\[bot\] .*= 1$/m.test(printed), { what: "the roll's result" });
    await type("!roll 1d0");
    await waitFor(() => /\[bot\] A die needs/.test(printed), { what: "the plugin's usage error" });
    await typing.close();
    assert.equal(await within(shell.done, 10_000, "the shell to end at EOF"), "eof");
  } finally {
    await shell?.close();
    await router?.close();
    await manager.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => undefined);
  }
});
