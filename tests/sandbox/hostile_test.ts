/**
 * The hostile suite: one plugin per attack from the issue and NOTES-SANDBOX. Each must fail, be
 * reported on `rosey.security.violation` with its name, and leave the dice plugin answering,
 * both while the hostile plugin runs and after it is stopped.
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

const HOSTILE = new URL("./hostile", import.meta.url).pathname;
const DICE = new URL("../../plugins/dice.ts", import.meta.url).pathname;

interface Case {
  name: string;
  what: string;
  /** The violation kinds that count as "reported" (any one of them). */
  kinds: string[];
  /** Refused before launch (never ran). */
  refused?: boolean;
  before?: (dataRoot: string) => Promise<void>;
}

const CASES: Case[] = [
  { name: "read_outside", what: "files outside the data dir", kinds: ["deno-read", "deno-write"] },
  {
    name: "symlink",
    what: "a symlink planted in its data dir is refused before launch",
    kinds: ["symlink"],
    refused: true,
    before: async (root) => {
      await Deno.mkdir(`${root}/symlink`, { recursive: true });
      await Deno.symlink("/etc/passwd", `${root}/symlink/planted`);
    },
  },
  {
    name: "symlink",
    what: "creating a symlink is denied",
    kinds: ["deno-read", "deno-write"],
    before: async (root) => await Deno.remove(`${root}/symlink/planted`),
  },
  {
    name: "import_outside",
    what: "static import of a file outside the plugin",
    kinds: ["module-graph"],
    refused: true,
  },
  { name: "import_remote", what: "remote (esm.sh) import", kinds: ["module-graph"], refused: true },
  {
    name: "import_npm",
    what: "npm package not on the allowlist",
    kinds: ["module-graph"],
    refused: true,
  },
  {
    name: "dynamic_import",
    what: "computed imports (npm, remote, outside file)",
    kinds: ["deno-read", "deno-import"],
  },
  { name: "network", what: "network other than NATS", kinds: ["deno-net"] },
  { name: "subprocess", what: "running a subprocess", kinds: ["deno-run", "deno-env"] },
  { name: "env", what: "reading the environment", kinds: ["deno-env"] },
  { name: "kill", what: "signalling a process (Deno.kill, process.kill)", kinds: ["deno-run"] },
  { name: "temp_dir", what: "a temp dir outside its data dir", kinds: ["deno-write"] },
  { name: "open_files", what: "holding every file it may open", kinds: ["open-files-limit"] },
  { name: "log_flood", what: "flooding stdout and stderr", kinds: ["output-flood"] },
  {
    name: "nats_anonymous",
    what: "a NATS connection of its own without credentials",
    kinds: ["nats-anonymous"],
  },
  { name: "ffi", what: "loading native code (FFI)", kinds: ["deno-ffi"] },
  { name: "publish_platform", what: "publishing to rosey.platform.>", kinds: ["nats-publish"] },
  {
    name: "subscribe_security",
    what: "subscribing to rosey.security.>",
    kinds: ["nats-subscribe"],
  },
  { name: "subscribe_inbox", what: "subscribing to _INBOX.>", kinds: ["nats-subscribe"] },
  {
    name: "other_plugin",
    what: "another plugin's subjects",
    kinds: ["nats-subscribe", "nats-publish"],
  },
  { name: "jetstream_api", what: "the JetStream API", kinds: ["nats-publish"] },
  { name: "sub_flood", what: "a subscription flood", kinds: ["nats-max-subscriptions"] },
  { name: "oversize", what: "an oversize payload", kinds: ["nats-max-payload"] },
  { name: "memory_heap", what: "a JS heap bomb", kinds: ["heap-exhausted", "memory-limit"] },
  { name: "memory_buffers", what: "an ArrayBuffer bomb", kinds: ["memory-limit"] },
  {
    name: "memory_workers",
    what: "workers hoarding ArrayBuffers",
    kinds: ["memory-limit", "heap-exhausted"],
  },
];

async function rollDice(bus: EventBus): Promise<CommandResult> {
  return await bus.request(subjects.commandExecute("dice"), {
    command: "roll",
    args: ["2d6"],
    rawArgs: "2d6",
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

Deno.test("hostile plugins fail, are reported on rosey.security.violation, and dice keeps answering", async (t) => {
  await using nats = await TestNats.start();
  const dataRoot = await Deno.makeTempDir({ prefix: "quicksilver-hostile-" });
  const client = await nats.connect("security-observer");
  const violations: SecurityViolation[] = [];
  client.subscribe(subjects.securityViolation(), (v) => void violations.push(v), {
    schema: SecurityViolationSchema,
  });
  await client.flush();
  const memory = { limits: { memoryMb: 128 } };
  const manager = new PluginManager({
    authority: nats.authority,
    servers: nats.url,
    pluginsDir: HOSTILE,
    pluginFiles: [DICE],
    dataDir: dataRoot,
    autoStart: ["dice"],
    serverLogFile: nats.server.options.logFile,
    monitorUrl: nats.server.monitorUrl,
    statsIntervalMs: 300,
    timings: {
      heartbeatMs: 250,
      // A heap bomb spends its last seconds in V8's GC; on a busy machine 2 s of missed beats
      // ended it as "unresponsive" before the heap limit could: this suite checks the heap report.
      heartbeatTimeoutMs: 6000,
      stopGraceMs: 1000,
    },
    restartPolicy: { initialDelayMs: 200, crashLoopCount: 3 },
    // Report everything; the kill switch has its own test.
    quarantineAfterViolations: 1000,
    plugins: {
      memory_heap: memory,
      memory_buffers: memory,
      memory_workers: memory,
      nats_anonymous: { config: { server: nats.url } },
    },
  });
  try {
    await manager.start();
    assert.ok((await rollDice(client)).ok, "dice answers before the suite");
    for (const c of CASES) {
      await t.step(`${c.name}: ${c.what}`, async () => {
        await c.before?.(dataRoot);
        const from = violations.length;
        const started = await admin(client, "start", c.name);
        assert.ok(started.ok, JSON.stringify(started));
        if (c.refused) {
          assert.equal(started.plugins[0]?.state, "refused", started.plugins[0]?.reason ?? "");
        }
        const seen = await waitFor(
          () => violations.slice(from).find((v) => v.plugin === c.name && c.kinds.includes(v.kind)),
          { timeoutMs: 20_000, what: `a ${c.kinds.join("/")} violation from ${c.name}` },
        );
        assert.ok(seen.detail.length > 0);
        assert.ok((await rollDice(client)).ok, "dice answers while the hostile plugin is up");
        const stopped = await admin(client, "stop", c.name);
        assert.ok(stopped.ok, JSON.stringify(stopped));
        assert.ok((await rollDice(client)).ok, "dice answers after");
        assert.equal(manager.supervisor("dice").status().state, "running");
        assert.equal(
          violations.filter((v) => v.plugin === "dice").length,
          0,
          "dice is never blamed",
        );
      });
    }
    await t.step("no file was written outside a data dir", async () => {
      await assert.rejects(Deno.stat("/tmp/quicksilver-hostile-was-here"), Deno.errors.NotFound);
    });
  } finally {
    await manager.stop();
    await Deno.remove(dataRoot, { recursive: true }).catch(() => undefined);
  }
});
