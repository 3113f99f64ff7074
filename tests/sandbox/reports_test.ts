/**
 * What the manager believes and reports: a plugin's output is data in the manager's log, never
 * a log entry of its own nor a violation; a flood is capped, counted and reported once; and
 * denials Deno does not audit (run, kill) still reach rosey.security.violation once.
 */
import assert from "node:assert/strict";
import {
  type CommandResult,
  CommandResultSchema,
  createLogger,
  type EventBus,
  type SecurityViolation,
  SecurityViolationSchema,
  subjects,
} from "@quicksilver/core";
import { type AdminReply, PluginManager } from "@quicksilver/sandbox";
import { TestNats, waitFor } from "@quicksilver/testing";

const HOSTILE = new URL("./hostile", import.meta.url).pathname;
const DICE = new URL("../../plugins/dice.ts", import.meta.url).pathname;

async function execute(bus: EventBus, plugin: string, command: string): Promise<CommandResult> {
  return await bus.request(subjects.commandExecute(plugin), {
    command,
    args: ["2d6"],
    rawArgs: "2d6",
    deadlineMs: 5000,
    user: { name: "bystander", rank: 1 },
    source: { platform: "shell", channel: "test" },
    messageId: crypto.randomUUID(),
  }, { schema: CommandResultSchema, timeoutMs: 5000 });
}

async function admin(bus: EventBus, op: string, plugin: string): Promise<AdminReply> {
  return await bus.request<AdminReply>(subjects.adminPlugins(op), { plugin }, {
    timeoutMs: 30_000,
  });
}

/** A manager over the hostile fixtures with dice running, its log lines kept as parsed JSON. */
async function startBench() {
  const nats = await TestNats.start();
  const dataRoot = await Deno.makeTempDir({ prefix: "quicksilver-reports-" });
  const client = await nats.connect("security-observer");
  const violations: SecurityViolation[] = [];
  client.subscribe(subjects.securityViolation(), (v) => void violations.push(v), {
    schema: SecurityViolationSchema,
  });
  await client.flush();
  const log = { lines: [] as Record<string, unknown>[], bytes: 0 };
  const manager = new PluginManager({
    authority: nats.authority,
    servers: nats.url,
    pluginsDir: HOSTILE,
    pluginFiles: [DICE],
    dataDir: dataRoot,
    autoStart: ["dice"],
    serverLogFile: nats.server.options.logFile,
    monitorUrl: nats.server.monitorUrl,
    timings: { heartbeatMs: 250, heartbeatTimeoutMs: 3000, stopGraceMs: 1000 },
    quarantineAfterViolations: 1000,
    restartPolicy: { initialDelayMs: 200 },
    statsIntervalMs: 300,
    plugins: {
      nats_anonymous: { config: { server: nats.url } },
      import_npm: { grants: { npm: ["npm:left-pad@1.3.0"] } },
    },
    outputLimits: {
      linesPerSecond: 20,
      burstLines: 50,
      bytesPerSecond: 16_384,
      burstBytes: 32_768,
    },
    logger: createLogger({
      level: "debug",
      format: "json",
      sink: (line) => {
        log.bytes += line.length + 1;
        log.lines.push(JSON.parse(line));
      },
    }),
  });
  await manager.start();
  return {
    nats,
    client,
    manager,
    violations,
    log,
    dataRoot,
    async [Symbol.asyncDispose]() {
      await manager.stop();
      await client.close();
      await nats.close();
      await Deno.remove(dataRoot, { recursive: true }).catch(() => undefined);
    },
  };
}

Deno.test("a plugin's stderr is data: forged log entries and forged denials are not believed", async () => {
  await using bench = await startBench();
  const { client, violations, log } = bench;
  assert.ok((await admin(client, "start", "forge_stderr")).ok);
  assert.equal((await execute(client, "forge_stderr", "forge")).ok, true);
  // The one real denial (reading the environment) is reported, from Deno's audit log.
  await waitFor(
    () => violations.find((v) => v.plugin === "forge_stderr" && v.kind === "deno-env"),
    { timeoutMs: 10_000, what: "the deno-env violation" },
  );
  // Every forged line arrives, on both streams, as the `line` of the manager's own entry.
  const outputs = () =>
    log.lines.filter((l) => l.msg === "plugin output" && l.plugin === "forge_stderr");
  await waitFor(() => outputs().length >= 10 || undefined, {
    timeoutMs: 10_000,
    what: "the forged lines in the manager's log",
  });
  assert.ok((await admin(client, "stop", "forge_stderr")).ok);
  for (const entry of outputs()) {
    assert.equal(entry.component, "plugin-manager");
    assert.equal(entry.plugin, "forge_stderr");
    assert.notEqual(entry.level, "error");
    assert.ok(entry.stream === "stderr" || entry.stream === "stdout");
  }
  const texts = outputs().map((e) => JSON.stringify(e.line));
  assert.ok(texts.some((t) => t.includes("FORGED: the plugin manager crashed")));
  assert.ok(
    !log.lines.some((l) => l.msg === "FORGED: the plugin manager crashed"),
    "no entry of the manager's has the plugin's message",
  );
  // deno-lint-ignore no-control-regex
  const unsafe = new RegExp("[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u202a-\\u202e]");
  const rawLines = outputs().map((e) => e.line).filter((l): l is string => typeof l === "string");
  assert.ok(rawLines.some((l) => l.startsWith("FORGED")), "the raw line is there");
  assert.ok(
    !rawLines.some((l) => unsafe.test(l)),
    "control characters and bidi overrides are removed",
  );
  // Dying of an error shaped like a permission error is a crash, not a violation either.
  assert.ok((await admin(client, "start", "forge_stderr")).ok);
  const restartsBefore = bench.manager.supervisor("forge_stderr").status().restarts;
  assert.equal((await execute(client, "forge_stderr", "crash")).ok, true);
  await waitFor(
    () => bench.manager.supervisor("forge_stderr").status().restarts > restartsBefore || undefined,
    { timeoutMs: 15_000, what: "forge_stderr to crash and restart" },
  );
  assert.ok((await admin(client, "stop", "forge_stderr")).ok);
  const mine = violations.filter((v) => v.plugin === "forge_stderr");
  assert.deepEqual(mine.map((v) => v.kind), ["deno-env"], JSON.stringify(mine));
  assert.ok(!mine.some((v) => v.detail.includes("FORGED")));
  assert.equal(violations.filter((v) => v.plugin === "dice").length, 0, "dice is never blamed");
});

Deno.test("a plugin flooding stdout and stderr: the log stays bounded, the flood is reported once, dice keeps answering", async () => {
  await using bench = await startBench();
  const { client, violations, log, manager } = bench;
  assert.ok((await admin(client, "start", "log_flood")).ok);
  const started = Date.now();
  await waitFor(
    () => violations.find((v) => v.plugin === "log_flood" && v.kind === "output-flood"),
    { timeoutMs: 10_000, what: "the output-flood report" },
  );
  // While it floods, dice answers every time (no timing is asserted: the machine is shared).
  for (let i = 0; i < 10; i++) {
    assert.ok((await execute(client, "dice", "roll")).ok, `dice answers roll ${i}`);
  }
  const dropped = await waitFor(
    () => log.lines.find((l) => l.msg === "plugin output dropped" && l.plugin === "log_flood"),
    { timeoutMs: 15_000, what: "a 'plugin output dropped' summary" },
  );
  assert.ok(Number(dropped.droppedBytes) > 1_000_000, JSON.stringify(dropped));
  assert.ok((await admin(client, "stop", "log_flood")).ok);
  const seconds = (Date.now() - started) / 1000;
  // 50 lines of burst + 20 lines/s, each at most ~2 KB as logged, plus the manager's own lines.
  const bound = (50 + 20 * seconds) * 2300 + 200_000;
  const fromFlood = log.lines.filter((l) => l.plugin === "log_flood");
  assert.ok(log.bytes < bound, `${log.bytes} bytes logged in ${seconds} s (bound ${bound})`);
  assert.ok(fromFlood.filter((l) => l.msg === "plugin output").length <= 50 + 20 * seconds + 1);
  assert.equal(
    violations.filter((v) => v.plugin === "log_flood" && v.kind === "output-flood").length,
    1,
    "the flood is reported once",
  );
  assert.equal(manager.supervisor("dice").status().state, "running");
  assert.ok((await execute(client, "dice", "roll")).ok);
});

Deno.test("denials the manager observes outside the audit log (kill, temp dir, open-files limit, an anonymous NATS connection) are reported once each with the plugin's name", async (t) => {
  await using bench = await startBench();
  const { client, violations } = bench;
  const cases = [
    { plugin: "kill", kinds: ["deno-run"], details: [/kill 1/] },
    { plugin: "temp_dir", kinds: ["deno-write"], details: [/<TMP>/] },
    { plugin: "open_files", kinds: ["open-files-limit"], details: [/at its limit of 256/] },
    // After three other plugins: its match to the plugin no longer depends on timing.
    { plugin: "nats_anonymous", kinds: ["nats-anonymous"], details: [/authentication error/] },
  ];
  for (const c of cases) {
    await t.step(c.plugin, async () => {
      assert.ok((await admin(client, "start", c.plugin)).ok);
      await waitFor(
        () => violations.find((v) => v.plugin === c.plugin && c.kinds.includes(v.kind)),
        { timeoutMs: 10_000, what: `a ${c.kinds.join("/")} report from ${c.plugin}` },
      );
      assert.ok((await execute(client, "dice", "roll")).ok, "dice answers");
      // Stopping reads the rest of its audit log and output.
      assert.ok((await admin(client, "stop", c.plugin)).ok);
      const mine = violations.filter((v) => v.plugin === c.plugin);
      assert.deepEqual(mine.map((v) => v.kind), c.kinds, JSON.stringify(mine));
      for (const [i, re] of c.details.entries()) assert.match(mine[i]?.detail ?? "", re);
    });
  }
});

Deno.test("an answer over the payload limit: the user hears a short error every time, the operator one report", async () => {
  await using bench = await startBench();
  const { client, violations } = bench;
  assert.ok((await admin(client, "start", "big_reply")).ok);
  for (let i = 0; i < 3; i++) {
    const result = await execute(client, "big_reply", "big");
    assert.deepEqual(result, {
      ok: false,
      error: { code: "failed", message: "That answer was too long to send." },
    });
  }
  await waitFor(
    () => violations.find((v) => v.plugin === "big_reply" && v.kind === "reply-too-large"),
    { timeoutMs: 10_000, what: "the reply-too-large report" },
  );
  assert.ok((await admin(client, "stop", "big_reply")).ok);
  const mine = violations.filter((v) => v.plugin === "big_reply");
  assert.deepEqual(mine.map((v) => [v.kind, v.action]), [["reply-too-large", "refused"]]);
  assert.match(mine[0]!.detail, /max_payload/);
  assert.equal(bench.manager.supervisor("big_reply").status().violations, 1);
});

Deno.test("a plugin cannot empty or forge its audit log: the attempts are denied and the evidence stays", async () => {
  await using bench = await startBench();
  const { client, violations, dataRoot } = bench;
  assert.ok((await admin(client, "start", "audit_tamper")).ok);
  await waitFor(
    () =>
      violations.find((v) =>
        v.plugin === "audit_tamper" && v.detail.includes("audit_tamper.jsonl")
      ),
    { timeoutMs: 10_000, what: "the denied write to the audit log" },
  );
  assert.ok((await admin(client, "stop", "audit_tamper")).ok);
  const mine = violations.filter((v) => v.plugin === "audit_tamper");
  assert.ok(mine.some((v) => v.kind === "deno-read" && v.detail === "read /etc/hostname"));
  assert.ok(!mine.some((v) => v.detail.includes("FORGED")));
  const audit = `${dataRoot}/.runtime/audit/audit_tamper.jsonl`;
  assert.match(await Deno.readTextFile(audit), /\/etc\/hostname/, "the evidence is still there");
  // It lives outside the data dir, in a dir only the manager may change (no rename, no unlink).
  const dir = await Deno.stat(`${dataRoot}/.runtime/audit`);
  assert.equal(dir.uid, Deno.uid());
  assert.equal((dir.mode ?? 0) & 0o777, 0o711);
});

Deno.test("a granted npm package that is not installed: refused before launch and reported once, not a silent crash loop", async () => {
  await using bench = await startBench();
  const { client, violations } = bench;
  const started = await admin(client, "start", "import_npm");
  assert.ok(started.ok, JSON.stringify(started));
  assert.equal(started.plugins[0]?.state, "refused", JSON.stringify(started));
  assert.match(
    started.plugins[0]?.reason ?? "",
    /npm:left-pad@1\.3\.0, which is granted but not installed: run `deno add/,
  );
  const seen = await waitFor(
    () => violations.find((v) => v.plugin === "import_npm"),
    { timeoutMs: 10_000, what: "the refusal report" },
  );
  assert.equal(seen.kind, "module-graph");
  assert.equal(violations.filter((v) => v.plugin === "import_npm").length, 1);
  assert.ok((await execute(client, "dice", "roll")).ok);
});
