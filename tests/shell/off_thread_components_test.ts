/**
 * `deno task dev` runs the chat log and stats (`offThread` components) in a worker thread of its
 * own process (scripts/_component_thread.ts). For the operator nothing else changes: they connect
 * as their own users, write the same log lines, stop with the rest, and a failure at start
 * fails dev's start-up with the component's own message, as it did in-process.
 */
import assert from "node:assert/strict";
import { DevProcess } from "@quicksilver/testing";
import { freePort, REPO_ROOT, waitFor } from "@quicksilver/testbed";

async function devHome(): Promise<{ home: string; monitorPort: number }> {
  const home = await Deno.makeTempDir({ prefix: "quicksilver-offthread-" });
  const monitorPort = freePort();
  await Deno.writeTextFile(
    `${home}/rosey.yaml`,
    `nats:\n  url: "127.0.0.1:${freePort()}"\n  monitoring: "http://127.0.0.1:${monitorPort}"\n` +
      `plugins:\n  dir: ${REPO_ROOT}/plugins\n  enabled: [dice]\n` +
      `monitoring:\n  metricsPort: 0\n`,
  );
  return { home, monitorPort };
}

async function logLines(home: string): Promise<{ component?: string; msg: string }[]> {
  const text = await Deno.readTextFile(`${home}/.rosey/logs/rosey.log`);
  return text.trim().split("\n").map((line) => JSON.parse(line));
}

Deno.test("in `deno task dev` the chat log and stats, run off the core's thread, write, log and stop with the bot", async () => {
  const { home, monitorPort } = await devHome();
  try {
    const dev = await DevProcess.start(home);
    try {
      const connz = await (await fetch(`http://127.0.0.1:${monitorPort}/connz`)).json();
      const names: string[] = connz.connections.map((c: { name: string }) => c.name);
      assert.ok(names.includes("svc-chatlog") && names.includes("svc-stats"), names.join(", "));
      await dev.type("hello from the test");
      await dev.type("!roll 1d1");
      await dev.waitForOutput(/you rolled 1d1: \[1\] = 1/, "the dice answer");
      // The chat log, in the worker, wrote the line.
      await waitFor(async () => {
        for await (const entry of Deno.readDir(`${home}/.rosey/logs`)) {
          if (!entry.isDirectory) continue;
          const found = await Array.fromAsync(Deno.readDir(`${home}/.rosey/logs/${entry.name}`));
          for (const channel of found) {
            const path = `${home}/.rosey/logs/${entry.name}/${channel.name}/chat.log`;
            const text = await Deno.readTextFile(path).catch(() => "");
            if (text.includes("hello from the test")) return true;
          }
        }
        return false;
      }, { timeoutMs: 10_000, what: "the chat log line" });
    } finally {
      assert.equal(await dev.close(), 0, dev.stderr);
    }
    const lines = await logLines(home);
    // Its lines reach dev's log file as an in-process component's do: JSON, with its component.
    assert.ok(lines.some((l) => l.component === "stats" && l.msg === "stats state loaded"));
    // Stopped in order with the rest: after the connectors, before nats-server.
    const stopping = lines.findIndex((l) => l.msg === "stopping");
    assert.ok(stopping >= 0, "dev logged its stop");
    assert.ok(!lines.slice(stopping).some((l) => /did not stop cleanly/.test(l.msg)), "clean stop");
  } finally {
    await Deno.remove(home, { recursive: true }).catch(() => undefined);
  }
});

Deno.test("a stats service that cannot start in its worker fails `deno task dev` with its own message and leaves nothing running", async () => {
  const { home, monitorPort } = await devHome();
  try {
    await Deno.mkdir(`${home}/.rosey/stats`, { recursive: true });
    await Deno.writeTextFile(`${home}/.rosey/stats/stats.json`, "{ not json");
    const dev = DevProcess.spawn(home);
    const status = await dev.status;
    await dev.close();
    assert.equal(status.code, 1, dev.stderr);
    assert.match(
      dev.stderr,
      /deno task dev failed: StatsStateError: stats: .*stats\.json is not a valid stats state/,
    );
    assert.doesNotMatch(dev.stderr, /Quicksilver is running/);
    // nats-server was stopped with the rest.
    await assert.rejects(fetch(`http://127.0.0.1:${monitorPort}/varz`));
  } finally {
    await Deno.remove(home, { recursive: true }).catch(() => undefined);
  }
});
