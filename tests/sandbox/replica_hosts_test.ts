/**
 * Two plugin managers (two plugin hosts, each its own state dir, the same account) running the
 * same plugin must not take each other's replica for their own: a host that stops leaves the
 * other's replica serving, and a kill switch tripped on one reaches the replica on the other.
 */
import assert from "node:assert/strict";
import {
  CommandResultSchema,
  type EventBus,
  type SecurityViolation,
  SecurityViolationSchema,
  subjects,
} from "@quicksilver/core";
import { PluginManager } from "@quicksilver/sandbox";
import { TestNats, waitFor } from "@quicksilver/testing";

const DICE = new URL("../../plugins/dice.ts", import.meta.url).pathname;
const CPU_SPIN = new URL("./hostile/cpu_spin.ts", import.meta.url).pathname;

async function roll(client: EventBus): Promise<string> {
  const result = await client.request(subjects.commandExecute("dice"), {
    command: "roll",
    args: ["1d1"],
    rawArgs: "1d1",
    user: { name: "alice", rank: 1 },
    source: { platform: "shell", channel: "test" },
    messageId: crypto.randomUUID(),
    deadlineMs: 3000,
  }, { timeoutMs: 4000, schema: CommandResultSchema });
  return result.ok ? result.reply.join("\n") : result.error.message;
}

async function twoManagers(
  nats: TestNats,
  fn: (a: PluginManager, b: PluginManager, client: EventBus) => Promise<void>,
  plugin = DICE,
) {
  const dirs = [await Deno.makeTempDir(), await Deno.makeTempDir()];
  const managers = dirs.map((dataDir, i) =>
    new PluginManager({
      authority: nats.authority,
      servers: nats.url,
      pluginFiles: [plugin],
      dataDir,
      hostId: `host-${"ab"[i]}`,
      timings: { heartbeatMs: 250, heartbeatTimeoutMs: 2000, stopGraceMs: 1000 },
      restartPolicy: { initialDelayMs: 100 },
    })
  ) as [PluginManager, PluginManager];
  try {
    for (const manager of managers) await manager.start();
    await fn(...managers, await nats.connect("client"));
  } finally {
    for (const manager of managers) await manager.stop();
    for (const dir of dirs) await Deno.remove(dir, { recursive: true }).catch(() => undefined);
  }
}

Deno.test("a plugin host that stops cleanly leaves the other host's replica serving", async () => {
  await using nats = await TestNats.start();
  await twoManagers(nats, async (a, b, client) => {
    const before = b.supervisor("dice").status();
    assert.equal(before.state, "running");
    await a.stop();
    for (let i = 0; i < 10; i++) assert.match(await roll(client), /rolled 1d1: \[1\] = 1/);
    const after = b.supervisor("dice").status();
    assert.equal(after.state, "running");
    assert.equal(after.pid, before.pid, "host b's replica was not stopped by host a's stop");
    assert.equal(after.restarts, 0);
  });
});

Deno.test("a kill switch tripped on one plugin host quarantines the plugin's replica on every host", async () => {
  await using nats = await TestNats.start();
  await twoManagers(nats, async (a, b, client) => {
    assert.match(await roll(client), /rolled/);
    await a.killSwitch("dice", "test: a violation on host a");
    const status = await waitFor(() => {
      const s = b.supervisor("dice").status();
      return s.state === "quarantined" ? s : undefined;
    }, { timeoutMs: 10_000, what: "host b's dice quarantined" });
    assert.match(status.reason ?? "", /kill switch: on plugin host host-a: test: a violation/);
    await assert.rejects(() => roll(client), /no-responders|nobody serves/);
    assert.deepEqual(
      b.listEveryHost().filter((s) => s.name === "dice").map((s) => [s.host, s.state]),
      [["host-a", "quarantined"], ["host-b", "quarantined"]],
    );
  });
});

Deno.test("a replica that hangs is found although the other host's replica keeps beating", async () => {
  await using nats = await TestNats.start();
  await twoManagers(nats, async (a, b, client) => {
    const ping = () =>
      client.request(subjects.commandExecute("cpu_spin"), {
        command: "spin",
        args: [],
        rawArgs: "",
        user: { name: "alice", rank: 1 },
        source: { platform: "shell", channel: "test" },
        messageId: crypto.randomUUID(),
        deadlineMs: 1000,
      }, { timeoutMs: 1500, schema: CommandResultSchema }).catch(() => undefined);
    const reports: SecurityViolation[] = [];
    client.subscribe(subjects.securityViolation(), (v) => void reports.push(v), {
      schema: SecurityViolationSchema,
    });
    await client.flush();
    // One replica takes the command and blocks its event loop for good: its heartbeats stop,
    // while the other host's replica of the same plugin beats on the same subject.
    await ping();
    const report = await waitFor(
      () => reports.find((v) => v.plugin === "cpu_spin" && v.kind === "unresponsive"),
      { timeoutMs: 15_000, what: "the hung replica found unresponsive by its own host" },
    );
    assert.match(report.detail, /no heartbeat for \d+ ms/);
    const restarts = () => [a, b].map((m) => m.supervisor("cpu_spin").status().restarts);
    await waitFor(() => restarts().some((n) => n > 0), {
      timeoutMs: 10_000,
      what: "the hung replica relaunched by its host",
    });
    assert.deepEqual(restarts().sort(), [0, 1], "only the hung replica's host relaunched it");
    assert.equal(reports.filter((v) => v.kind === "unresponsive").length, 1);
  }, CPU_SPIN);
});
