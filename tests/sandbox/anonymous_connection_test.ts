/**
 * A plugin that opens a NATS connection of its own without credentials (here: dial, CONNECT, and
 * close before the server answers, so /proc has nothing left to show) is reported once, by name,
 * on `rosey.security.violation`; a plugin whose runner only reconnected is never blamed. Whose
 * connection it was comes from the audit logs and the server, read after the refusal, so
 * neither when the plugins started nor how busy the machine is decides it.
 */
import assert from "node:assert/strict";
import {
  type CommandResult,
  CommandResultSchema,
  type EventBus,
  type SecurityViolation,
  SecurityViolationSchema,
  subjects,
} from "@quicksilver/core";
import { type AdminReply, PluginManager } from "@quicksilver/sandbox";
import { TestNats, waitFor } from "@quicksilver/testing";

/**
 * `bystander` (answers only), `nats_anonymous_quick` (dials, sends CONNECT, closes at once) and
 * `nats_made_up_jwt` (its own connection with a JWT of nobody's).
 */
const PLUGINS = new URL("./anonymous_plugins", import.meta.url).pathname;
const QUICK = "nats_anonymous_quick";
/** Shows a made-up JWT on its own connection. */
const MADE_UP = "nats_made_up_jwt";
const DICE = new URL("../../plugins/dice.ts", import.meta.url).pathname;

async function rollDice(bus: EventBus): Promise<CommandResult> {
  return await bus.request(subjects.commandExecute("dice"), {
    command: "roll",
    args: ["1d6"],
    rawArgs: "1d6",
    user: { name: "bystander", rank: 1 },
    source: { platform: "shell", channel: "test" },
    messageId: crypto.randomUUID(),
    deadlineMs: 3000,
  }, { schema: CommandResultSchema, timeoutMs: 5000 });
}

async function admin(bus: EventBus, op: string, plugin: string): Promise<AdminReply> {
  return await bus.request<AdminReply>(subjects.adminPlugins(op), { plugin }, {
    timeoutMs: 30_000,
  });
}

async function withManager(
  autoStart: string[],
  body: (
    context: { nats: TestNats; client: EventBus; violations: SecurityViolation[] },
  ) => Promise<void>,
) {
  await using nats = await TestNats.start();
  const dataRoot = await Deno.makeTempDir({ prefix: "quicksilver-anonymous-" });
  const client = await nats.connect("security-observer");
  const violations: SecurityViolation[] = [];
  client.subscribe(subjects.securityViolation(), (v) => void violations.push(v), {
    schema: SecurityViolationSchema,
  });
  await client.flush();
  const manager = new PluginManager({
    authority: nats.authority,
    servers: nats.url,
    pluginsDir: PLUGINS,
    pluginFiles: [DICE],
    dataDir: dataRoot,
    autoStart,
    serverLogFile: nats.server.options.logFile,
    monitorUrl: nats.server.monitorUrl,
    timings: { heartbeatMs: 250, heartbeatTimeoutMs: 5000, stopGraceMs: 1000 },
    quarantineAfterViolations: 1000,
    plugins: {
      [QUICK]: { config: { server: nats.url } },
      [MADE_UP]: { config: { server: nats.url } },
    },
  });
  try {
    await manager.start();
    await body({ nats, client, violations });
  } finally {
    await manager.stop();
    await Deno.remove(dataRoot, { recursive: true }).catch(() => undefined);
  }
}

const anonymousReports = (violations: SecurityViolation[]) =>
  violations.filter((v) => v.kind === "nats-anonymous");

Deno.test("a plugin's own anonymous NATS connection is reported once with its name, even when it hides its socket at once beside other plugins starting", async () => {
  // All launched together: the other runners dial the server in the same seconds.
  await withManager(["bystander", "dice", QUICK], async ({ client, violations }) => {
    const seen = await waitFor(
      () => anonymousReports(violations).find((v) => v.plugin === QUICK),
      { timeoutMs: 20_000, what: `nats-anonymous reported for ${QUICK}` },
    );
    assert.match(seen.detail, /connection of its own/);
    assert.ok((await rollDice(client)).ok, "dice answers");
    // The stop's reply comes after anything the manager reported for the running launch.
    assert.ok((await admin(client, "stop", QUICK)).ok);
    assert.deepEqual(
      anonymousReports(violations).map((v) => v.plugin),
      [QUICK],
      "reported once, and only for the plugin that dialled",
    );
    for (const innocent of ["bystander", "dice"]) {
      assert.equal(violations.filter((v) => v.plugin === innocent).length, 0, innocent);
    }
  });
});

Deno.test("a plugin whose runner reconnected after a nats-server restart is not blamed for another's anonymous connection", async () => {
  await withManager(["dice"], async ({ nats, client, violations }) => {
    assert.ok((await rollDice(client)).ok);
    await nats.server.kill();
    await nats.server.start();
    // The dice's runner dialled the server again (audited) and reconnected.
    await waitFor(async () => (await rollDice(client).catch(() => null))?.ok === true, {
      timeoutMs: 20_000,
      what: "dice answering after the restart",
    });
    assert.ok((await admin(client, "start", QUICK)).ok);
    await waitFor(
      () => anonymousReports(violations).find((v) => v.plugin === QUICK),
      { timeoutMs: 20_000, what: `nats-anonymous reported for ${QUICK}` },
    );
    assert.ok((await admin(client, "stop", QUICK)).ok);
    assert.deepEqual(anonymousReports(violations).map((v) => v.plugin), [QUICK]);
    assert.equal(violations.filter((v) => v.plugin === "dice").length, 0, "dice is not blamed");
  });
});

Deno.test("a made-up JWT on a plugin's own connection does not pass for its runner's reconnect", async () => {
  await withManager(["dice", MADE_UP], async ({ client, violations }) => {
    await waitFor(
      () => anonymousReports(violations).find((v) => v.plugin === MADE_UP),
      { timeoutMs: 20_000, what: `nats-anonymous reported for ${MADE_UP}` },
    );
    assert.ok((await admin(client, "stop", MADE_UP)).ok);
    assert.deepEqual(anonymousReports(violations).map((v) => v.plugin), [MADE_UP]);
    assert.equal(violations.filter((v) => v.plugin === "dice").length, 0, "dice is not blamed");
  });
});
