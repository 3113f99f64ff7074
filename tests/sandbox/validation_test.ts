/**
 * What the plugin side refuses, and how it says so: a plugin definition, the launch config the
 * manager writes, and a command request. The checks are the zod/mini schemas the core uses too
 * (core/events, sandbox/runner/launch_config.ts); these tests hold what a plugin author, an
 * operator or a caller would read.
 */
import assert from "node:assert/strict";
import { definePlugin, type PluginDefinition } from "@quicksilver/sdk";
import { PluginTestBed } from "@quicksilver/sdk/testing";
import { checkPlugin, LaunchConfigSchema } from "@quicksilver/sandbox";
import { EVENT_TYPES, subjects, validate } from "@quicksilver/core";

const hello = { hello: { handler: () => "hello" } };
const valid: PluginDefinition = { name: "hello", version: "1.0.0", commands: hello };

Deno.test("definePlugin names the bad field of a definition and what it takes", () => {
  const refused: [Record<string, unknown>, RegExp][] = [
    [{ name: "Hello" }, /^plugin "Hello": name: .*\(use lowercase letters, digits, "_" or "-"/],
    [{ version: "1".repeat(51) }, /^plugin "hello": version: Too big: .*<=50 characters/],
    [{ commands: { "Hi!": hello.hello } }, /: commands\.0\.name: Invalid string: must match/],
    [
      { commands: { hi: { ...hello.hello, aliases: ["ok", "No Way"] } } },
      /commands\.0\.aliases\.1/,
    ],
    [
      { commands: { hi: { ...hello.hello, cooldownMs: -5 } } },
      /commands\.0\.cooldownMs: Too small/,
    ],
    [{ extras: { net: ["api.example.com"] } }, /: extras\.net\.0: must be host:port, e\.g\. api/],
    [{ extras: { memoryMb: 8 } }, /: extras\.memoryMb: Too small: expected number to be >=48$/],
    [{ extras: { publish: [""] } }, /: extras\.publish\.0: Too small/],
    [
      { extras: { disk: 10 } },
      /: extras\.disk: unknown key; extras takes only net, publish, subscribe, memoryMb$/,
    ],
  ];
  for (const [change, message] of refused) {
    assert.throws(
      () => definePlugin({ ...valid, ...change } as PluginDefinition),
      (error: Error) => error.name === "PluginDefinitionError" && message.test(error.message),
      `${JSON.stringify(change)} -> ${message}`,
    );
  }
  const accepted = definePlugin({
    ...valid,
    extras: {
      net: ["*", "api.open-meteo.com:443"],
      subscribe: [subjects.event(EVENT_TYPES.message)],
    },
  });
  assert.equal(accepted.name, "hello");
});

Deno.test("the runner's launch config fills its defaults and names a bad field", () => {
  const run = {
    mode: "run",
    name: "dice",
    servers: ["127.0.0.1:4222"],
    creds: "c",
    dataDir: "/d",
    storageBucket: "plugin_dice",
  };
  assert.deepEqual(validate(LaunchConfigSchema, run), {
    ...run,
    tlsCa: "",
    config: {},
    granted: { net: [], publish: [], subscribe: [] },
    heartbeatMs: 2000,
    hookTimeoutMs: 10_000,
    logLevel: "info",
    reportToken: "",
    launchId: "",
    host: "",
    bot: { name: "", commandPrefix: "!" },
    secrets: {},
  });
  assert.deepEqual(validate(LaunchConfigSchema, { mode: "describe", creds: "x" }), {
    mode: "describe",
  });
  const refused: [Record<string, unknown>, RegExp][] = [
    [{ ...run, mode: "serve" }, /: launch config: mode: must be "run" or "describe"$/],
    [{ ...run, heartbeatMs: 10 }, /: launch config: heartbeatMs: Too small: .*>=50$/],
    [{ ...run, logLevel: "loud" }, /: launch config: logLevel: must be one of debug, info, warn/],
    [
      { ...run, granted: { net: "all" } },
      /: launch config: granted\.net: Invalid input: expected array/,
    ],
    [{ ...run, config: [] }, /: launch config: config: Invalid input: expected record/],
    [{ ...run, creds: "" }, /: launch config: creds: Too small/],
    [{ ...run, storageBucket: "a.b" }, /: launch config: storageBucket: Invalid string/],
    [
      { ...run, secrets: { apiKey: 5 } },
      /: launch config: secrets\.apiKey: Invalid input: expected string/,
    ],
    [{ ...run, bot: { commandPrefix: "" } }, /: launch config: bot\.commandPrefix: Too small/],
  ];
  for (const [value, message] of refused) {
    assert.throws(() => validate(LaunchConfigSchema, value, "launch config"), message);
  }
});

Deno.test("plugins check reports a bad definition in plain words from the sandboxed process", async () => {
  // The describe run loads only zod/mini, which has no messages of its own: the words come from
  // the English locale the core's schemas set (core/events/_zod.ts).
  const report = await checkPlugin(
    new URL("./fixtures/too_little_memory.ts", import.meta.url).pathname,
  );
  assert.equal(report.ok, false);
  assert.match(
    report.problems.join("\n"),
    /plugin "too_little_memory": extras\.memoryMb: Too small: expected number to be >=48/,
  );
});

Deno.test("a malformed command request gets invalid_args naming the field, and the plugin keeps serving", async () => {
  await using bed = await PluginTestBed.start(
    new URL("../../plugins/dice.ts", import.meta.url).pathname,
  );
  await using caller = await bed.nats.connect("malformed-caller");
  const request = {
    command: "roll",
    args: "2d6",
    rawArgs: "2d6",
    user: { name: "alice", rank: 1 },
    source: bed.source,
    messageId: "m-1",
    deadlineMs: 5000,
  };
  const reply = await caller.request(subjects.commandExecute("dice"), request);
  assert.deepEqual(reply, {
    ok: false,
    error: {
      code: "invalid_args",
      message: `${
        subjects.commandExecute("dice")
      }: args: Invalid input: expected array, received string`,
    },
  });
  assert.ok((await bed.command("!roll 1d4")).ok, "dice still answers");
  assert.deepEqual(bed.violations, []);
});
