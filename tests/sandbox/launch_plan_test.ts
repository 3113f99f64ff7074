import assert from "node:assert/strict";
import { subjects } from "@quicksilver/core";
import {
  allowedNet,
  checkPlugin,
  deniedPluginSubjects,
  FORBIDDEN_DENO_FLAGS,
  LaunchConfigSchema,
  parsePluginSettings,
  planLaunch,
  pluginNatsRights,
  pluginServerAddresses,
} from "@quicksilver/sandbox";

const description = {
  manifest: {
    name: "weather",
    version: "1.0.0",
    description: "",
    commands: [],
    events: ["user.join"],
  },
  extras: { net: ["api.open-meteo.com:443", "evil.example:443"], memoryMb: 512 },
};

Deno.test("one manifest gives both sandboxes: Deno flags and NATS rights, grants only narrow", () => {
  const settings = parsePluginSettings("weather", { grants: { net: ["api.open-meteo.com:443"] } });
  const plan = planLaunch({
    name: "weather",
    description,
    settings,
    servers: ["127.0.0.1:4222"],
    dataDir: "/data/weather",
    entryFile: "/rt/weather.ts",
    configPath: "/repo/deno.json",
  });
  for (const flag of FORBIDDEN_DENO_FLAGS) {
    assert.ok(
      !plan.denoArgs.some((a) => a === flag || a.startsWith(`${flag}=`)),
      `${flag} must not be granted`,
    );
  }
  for (const flag of ["--no-prompt", "--cached-only", "--frozen", "--no-remote"]) {
    assert.ok(plan.denoArgs.includes(flag));
  }
  assert.ok(plan.denoArgs.includes("--allow-net=127.0.0.1:4222,api.open-meteo.com:443"));
  assert.ok(plan.denoArgs.includes("--allow-read=/data/weather"));
  assert.ok(plan.denoArgs.includes("--allow-write=/data/weather"));
  assert.deepEqual(plan.notGranted, [
    "net evil.example:443",
    "memoryMb 512 (set plugins.weather.limits.memoryMb)",
  ]);
  assert.ok(plan.nats.permissions.subscribe.allow.includes("_INBOX.plugin-weather.>"));
  assert.equal(plan.nats.permissions.responses?.max, 1);
});

Deno.test("a plugin may dial every NATS server of its host, and only those and its grants", () => {
  // The host's nats.servers as an operator writes them: schemes, a duplicate, its node first.
  const servers = pluginServerAddresses(
    "tls://10.0.0.2:4223,tls://10.0.0.1:4222,10.0.0.3:4224,tls://10.0.0.2:4223",
  );
  assert.deepEqual(servers, ["10.0.0.2:4223", "10.0.0.1:4222", "10.0.0.3:4224"]);
  const plan = planLaunch({
    name: "weather",
    description,
    settings: parsePluginSettings("weather", { grants: { net: ["api.open-meteo.com:443"] } }),
    servers,
    dataDir: "/data/weather",
    entryFile: "/rt/weather.ts",
    configPath: "/repo/deno.json",
  });
  const net = plan.denoArgs.filter((a) => a.startsWith("--allow-net"));
  assert.deepEqual(net, [
    "--allow-net=10.0.0.2:4223,10.0.0.1:4222,10.0.0.3:4224,api.open-meteo.com:443",
  ]);
  assert.deepEqual(allowedNet(servers, plan.granted.net), [
    "10.0.0.2:4223",
    "10.0.0.1:4222",
    "10.0.0.3:4224",
    "api.open-meteo.com:443",
  ]);
  // The runner's launch config carries the same list, in order.
  const config = LaunchConfigSchema.parse({
    mode: "run",
    name: "weather",
    servers,
    creds: "x",
    dataDir: "/data/weather",
    storageBucket: "plugin_weather",
  });
  assert.deepEqual(config.mode === "run" && config.servers, servers);
});

Deno.test("a NATS server a sandboxed plugin could not dial is a clear error naming it", () => {
  assert.throws(
    () => pluginServerAddresses(["tls://10.0.0.1:4222", "tls://nats2.example.org:4222"]),
    /servers\[1\] "tls:\/\/nats2.example.org:4222" is not an IP literal host:port.*write the node's IP address/,
  );
  assert.throws(() => pluginServerAddresses(["10.0.0.1:4222", "300.0.0.1:4222"]), /servers\[1\]/);
  assert.throws(() => pluginServerAddresses([]), /servers is empty/);
  // A hostname never reaches a runner either.
  assert.equal(
    LaunchConfigSchema.safeParse({
      mode: "run",
      name: "weather",
      servers: ["localhost:4222"],
      creds: "x",
      dataDir: "/d",
      storageBucket: "plugin_weather",
    }).success,
    false,
  );
});

Deno.test("an operator grant can never reopen the platform, security, admin or JetStream API subjects", () => {
  for (
    const subject of [
      ">",
      subjects.all(),
      subjects.platformAction("cytube", "chat"),
      "$JS.API.STREAM.NAMES",
      "$SYS.>",
    ]
  ) {
    assert.throws(
      () => pluginNatsRights({ name: "x", events: [] }, { publish: [subject] }),
      /which no plugin may use; remove it from plugins.x.grants.publish/,
    );
  }
  assert.throws(
    () => pluginNatsRights({ name: "x", events: ["nope"] }),
    /"nope" is not a normalized event type/,
  );
  assert.ok(deniedPluginSubjects().includes("$JS.API.>"));
});

Deno.test("no grant lets a plugin send command requests: only the router may, it decides rank", () => {
  for (
    const subject of [
      subjects.commandExecute("dice"),
      subjects.allCommandExecutes(),
      subjects.allCommands(),
      subjects.pluginCommands("dice"),
    ]
  ) {
    assert.throws(
      () => pluginNatsRights({ name: "x", events: [] }, { publish: [subject] }),
      /which no plugin may use; remove it from plugins.x.grants.publish/,
      subject,
    );
  }
  const rights = pluginNatsRights({ name: "x", events: [] });
  assert.ok(rights.permissions.publish.deny.includes(subjects.allCommandExecutes()));
  // Its own requests still reach it: the deny is for publishing only.
  assert.ok(!rights.permissions.subscribe.deny.includes(subjects.allCommandExecutes()));
});

Deno.test("bad settings name the key and the fix", () => {
  assert.throws(
    () => parsePluginSettings("dice", { grants: { net: ["no port"] } }),
    /plugins\.dice\.grants\.net\[0\]: "no port" is not a host name; write host:port/,
  );
  assert.throws(
    () => parsePluginSettings("dice", { limits: { memoryMb: 1 } }),
    /plugins\.dice\.limits\.memoryMb/,
  );
});

Deno.test("plugins check explains dice and refuses an import from outside the plugin", async () => {
  const dice = await checkPlugin(new URL("../../plugins/dice.ts", import.meta.url).pathname);
  assert.ok(dice.ok, dice.problems.join("; "));
  assert.deepEqual(dice.description?.manifest.commands.map((c) => c.name), ["roll", "flip"]);
  const hostile = await checkPlugin(
    new URL("./hostile/import_outside.ts", import.meta.url).pathname,
  );
  assert.equal(hostile.ok, false);
  assert.match(hostile.problems.join(" "), /deno\.json, a file outside the plugin/);
});
