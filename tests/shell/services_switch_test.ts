/**
 * An operator can turn the core services off (`services.<name>.enabled: false`), e.g. to keep no
 * chat logs: the bot still answers, and the service never connects or writes anything.
 */
import assert from "node:assert/strict";
import { DevProcess } from "@quicksilver/testing";
import { freePort, REPO_ROOT } from "@quicksilver/testbed";

Deno.test("with the chat log and stats off the bot answers and keeps no chat log", async () => {
  const home = await Deno.makeTempDir({ prefix: "quicksilver-services-" });
  const monitorPort = freePort();
  await Deno.writeTextFile(
    `${home}/rosey.yaml`,
    `nats:\n  url: "127.0.0.1:${freePort()}"\n  monitoring: "http://127.0.0.1:${monitorPort}"\n` +
      `plugins:\n  dir: ${REPO_ROOT}/plugins\n  enabled: [dice]\n` +
      `monitoring:\n  metricsPort: 0\n` +
      `services:\n  chatlog: { enabled: false }\n  stats: { enabled: false }\n`,
  );
  try {
    await using dev = await DevProcess.start(home);
    await dev.type("hello everyone");
    await dev.type("!roll 1d1");
    await dev.waitForOutput(/you rolled 1d1: \[1\] = 1/, "the dice answer");
    const connz = await (await fetch(`http://127.0.0.1:${monitorPort}/connz`)).json();
    const names: string[] = connz.connections.map((c: { name: string }) => c.name);
    assert.ok(names.includes("svc-router"), JSON.stringify(names));
    assert.ok(!names.includes("svc-chatlog") && !names.includes("svc-stats"), names.join(", "));
    // The chat log would be .rosey/logs/<platform>/<channel>/chat.log, beside the bot's own log.
    const platforms = [];
    for await (const entry of Deno.readDir(`${home}/.rosey/logs`)) {
      if (entry.isDirectory) platforms.push(entry.name);
    }
    assert.deepEqual(platforms, [], "no chat log was written");
  } finally {
    await Deno.remove(home, { recursive: true }).catch(() => undefined);
  }
});
