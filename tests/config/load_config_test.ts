import assert from "node:assert/strict";
import { CONFIG_FILE_NAME, ConfigError, subjects } from "@quicksilver/core";
import { isPluginEnabled, loadConfig, parseConfig } from "../../app/mod.ts";
import { CORE_DENO_FLAGS } from "../../scripts/core_flags.ts";
import { REPO_ROOT } from "@quicksilver/testbed";
import { cytubeChannels } from "../../connectors/cytube/mod.ts";

const FILE = { file: CONFIG_FILE_NAME, baseDir: "/srv/rosey", env: () => undefined };

function errorOf(text: string, env: (name: string) => string | undefined = () => undefined) {
  try {
    parseConfig(text, { ...FILE, env });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    return error;
  }
  assert.fail("expected the config to be refused");
}

Deno.test("without a config file the defaults run the shell and every plugin", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const config = await loadConfig(undefined, { baseDir: dir });
    assert.equal(config.file, undefined);
    assert.equal(config.connectors.shell.enabled, true);
    assert.equal(config.connectors.shell.user, "you");
    assert.equal(config.connectors.shell.rank, 3);
    assert.equal(config.connectors.cytube.enabled, false);
    assert.equal(config.bot.commandPrefix, "!");
    assert.equal(config.router.timeoutMs, 5000);
    assert.equal(config.plugins.dir, `${dir}/plugins`);
    assert.equal(isPluginEnabled(config, "dice"), true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the example file is valid and means what its comments say", async () => {
  const config = await loadConfig(`${REPO_ROOT}/rosey.example.yaml`);
  assert.equal(config.nats.url, "127.0.0.1:4222");
  assert.deepEqual(config.connectors.cytube.channels, ["mychannel"]);
  assert.deepEqual(config.router.rateLimits.perUser, { burst: 5, perSecond: 0.5 });
  assert.equal(config.plugins.dir, `${REPO_ROOT}/plugins`);
});

Deno.test("per-plugin grants and limits are read in the sandbox's field names", () => {
  const config = parseConfig(
    `
plugins:
  enabled: [weather, dice]
  disabled: [dice]
  weather:
    grants:
      net: [api.open-meteo.com, "example.org:8443"]
      subscribe: [${subjects.event("user.join")}]
    limits: { memoryMb: 128, cpu: 0.25 }
    config: { units: metric }
  quiet:
    enabled: false
`,
    FILE,
  );
  assert.equal(config.plugins.dir, "/srv/rosey/plugins");
  const weather = config.plugins.settings.weather!;
  assert.deepEqual(weather.grants.net, ["api.open-meteo.com:443", "example.org:8443"]);
  assert.deepEqual(weather.grants.subscribe, [subjects.event("user.join")]);
  assert.deepEqual(weather.limits, { memoryMb: 128, cpu: 0.25 });
  assert.deepEqual(weather.config, { units: "metric" });
  assert.equal(isPluginEnabled(config, "weather"), true);
  assert.equal(isPluginEnabled(config, "dice"), false, "disabled wins over enabled");
  assert.equal(isPluginEnabled(config, "trivia"), false, "not in the enabled list");
  assert.equal(isPluginEnabled(config, "quiet"), false);
});

Deno.test("a bad value is refused with the file, the key path and a fix", () => {
  assert.equal(
    errorOf("plugins:\n  weather:\n    grants:\n      net: [api]\n").message,
    'rosey.yaml: plugins.weather.grants.net[0]: "api" is not a host name; write host:port, ' +
      'e.g. "api.open-meteo.com:443" (a bare host means port 443)',
  );
  const timeout = errorOf("router:\n  timeoutMs: soon\n");
  assert.equal(timeout.key, "router.timeoutMs");
  assert.match(timeout.message, /got "soon"; write milliseconds, e\.g\. timeoutMs: 5000/);
  assert.match(
    errorOf("connectors:\n  cytube:\n    enabled: true\n").message,
    /connectors\.cytube\.channels: missing; .* e\.g\. channels: \["mychannel"\]/,
  );
  assert.match(errorOf("logging:\n  level: loud\n").message, /write debug, info, warn or error/);
  assert.match(errorOf("nats:\n  url: nope\n").message, /nats\.url: "nope" is not host:port/);
  assert.equal(
    errorOf("nats:\n  delivery: jetstream\n").message,
    'rosey.yaml: nats.delivery: "jetstream" is not a delivery mode; write "live" (one machine) ' +
      'or "durable" (several command dispatchers, docs/SCALING.md)',
  );
});

Deno.test("nats.delivery is live unless durable is asked for", () => {
  assert.equal(parseConfig("", FILE).nats.delivery, "live");
  assert.equal(parseConfig("nats:\n  delivery: durable\n", FILE).nats.delivery, "durable");
});

Deno.test("a typo in a key is refused with a suggestion instead of ignored", () => {
  assert.equal(
    errorOf("connectors:\n  cytube:\n    chanel: mine\n").message,
    'rosey.yaml: connectors.cytube: unknown key "chanel"; did you mean "channel"? ' +
      "(known keys: enabled, server, channel, channels, channelPassword, user, chatLimit, lease)",
  );
  assert.match(errorOf("rooter: {}\n").message, /unknown key "rooter"; did you mean "router"\?/);
});

Deno.test("connectors.cytube.channels lists several channels; the single channel key still works", () => {
  const many = parseConfig("connectors:\n  cytube:\n    channels: [one, two]\n", FILE);
  assert.deepEqual(cytubeChannels(many.connectors.cytube), ["one", "two"]);
  assert.deepEqual(many.connectors.cytube.lease, { enabled: true, renewMs: 1000, expireMs: 4000 });
  const old = parseConfig("connectors:\n  cytube:\n    channel: mine\n", FILE);
  assert.deepEqual(cytubeChannels(old.connectors.cytube), ["mine"]);
  assert.equal(
    errorOf("connectors:\n  cytube:\n    channel: a\n    channels: [b]\n").message,
    'rosey.yaml: connectors.cytube.channels: given together with channel; keep one: move "a" ' +
      "into channels and remove channel",
  );
  assert.match(
    errorOf("connectors:\n  cytube:\n    channels: [a, A]\n").message,
    /connectors\.cytube\.channels: lists "a" twice \(CyTube channel names ignore case\)/,
  );
  assert.match(
    errorOf("connectors:\n  cytube:\n    channels: []\n").message,
    /connectors\.cytube\.channels: empty; list at least one channel/,
  );
  assert.match(
    errorOf('connectors:\n  cytube:\n    channels: [ok, "no/pe"]\n').message,
    /connectors\.cytube\.channels\[1\]: "no\/pe" is not a channel name/,
  );
  assert.match(
    errorOf(
      "connectors:\n  cytube:\n    channels: [a]\n    lease: { renewMs: 1000, expireMs: 1500 }\n",
    )
      .message,
    /connectors\.cytube\.lease\.expireMs: 1500 is less than twice renewMs \(1000\).*expireMs: 4000/,
  );
});

Deno.test("broken YAML is refused with its line and column", () => {
  const error = errorOf("bot:\n  name: a\n    prefix: b\n");
  assert.match(error.message, /^rosey\.yaml: line 2, column 9: not valid YAML/);
  assert.match(errorOf("- a\n- b\n").message, /must be a mapping of sections/);
});

Deno.test("secrets come from the environment, and a missing variable names key and variable", () => {
  const env = (name: string) => ({ CYTUBE_PASSWORD: "hunter2" } as Record<string, string>)[name];
  const text = `
connectors:
  cytube:
    channel: mine
    user: { name: RoseyBot, password: "\${CYTUBE_PASSWORD}" }
    channelPassword: "\${CHANNEL_PW:-open sesame}"
bot:
  name: "costs $\${5}"
`;
  const config = parseConfig(text, { ...FILE, env });
  assert.equal(config.connectors.cytube.user?.password, "hunter2");
  assert.equal(config.connectors.cytube.channelPassword, "open sesame");
  assert.equal(config.bot.name, "costs ${5}");
  const missing = errorOf(text, () => undefined);
  assert.equal(missing.key, "connectors.cytube.user.password");
  assert.match(missing.message, /environment variable CYTUBE_PASSWORD is not set; set it/);
});

Deno.test("a config file named on the command line must exist", async () => {
  await assert.rejects(
    () => loadConfig("/nonexistent/rosey.yaml"),
    (error: Error) =>
      error instanceof ConfigError &&
      error.message.startsWith("/nonexistent/rosey.yaml: file not found; copy rosey.example.yaml"),
  );
});

Deno.test("services run by default and each can be turned off, with a clear error on a typo", () => {
  const defaults = parseConfig("", FILE);
  assert.deepEqual(defaults.services, {
    chatlog: { enabled: true },
    stats: { enabled: true },
    moderator: { enabled: true },
  });
  const off = parseConfig("services:\n  chatlog: { enabled: false }\n", FILE);
  assert.equal(off.services.chatlog.enabled, false);
  assert.equal(off.services.stats.enabled, true);
  assert.match(
    errorOf("services:\n  stats: { enabled: nope }\n").message,
    /services\.stats\.enabled: expected true or false, got "nope"/,
  );
  assert.match(errorOf("services:\n  chatlogs: {}\n").message, /did you mean "chatlog"\?/);
});

Deno.test("deno task dev runs the core with the flags the benchmark measures", async () => {
  const tasks = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}/deno.json`)).tasks;
  const dev = String(tasks.dev).split(" ");
  assert.deepEqual(dev.slice(0, 3), ["deno", "run", "--allow-all"]);
  assert.deepEqual(dev.slice(3, -1), [...CORE_DENO_FLAGS], "deno.json's dev task");
  assert.equal(dev.at(-1), "scripts/dev.ts");
});

Deno.test("the file and the plugin manager read plugin settings with one rule", async () => {
  const { parsePluginSettings } = await import("@quicksilver/sandbox");
  // A bare host means port 443 in both, and an out-of-range port is refused by both: the
  // sandbox needs host:port because --allow-net=host would open every port of that host.
  const config = parseConfig("plugins:\n  weather:\n    grants:\n      net: [example.org]\n", FILE);
  assert.deepEqual(config.plugins.settings.weather!.grants.net, ["example.org:443"]);
  assert.deepEqual(
    parsePluginSettings("weather", { grants: { net: ["example.org"] } }).grants.net,
    ["example.org:443"],
  );
  assert.match(
    errorOf("plugins:\n  weather:\n    grants:\n      net: ['example.org:99999']\n").message,
    /port 99999; write host:port with a port from 1 to 65535/,
  );
  assert.throws(
    () => parsePluginSettings("weather", { grants: { net: ["example.org:99999"] } }),
    /plugins\.weather\.grants\.net\[0\]: "example.org:99999" has port 99999/,
  );
  assert.throws(
    () => parsePluginSettings("weather", { grants: { publish: ["not a subject"] } }),
    /is not a NATS subject/,
  );
});

Deno.test("router defaults are the router's own, whatever the file leaves out", async () => {
  const { DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_ROUTER_LIMITS } = await import(
    "../../services/router/mod.ts"
  );
  const config = parseConfig("router:\n  rateLimits:\n    say: { burst: 9, perSecond: 2 }\n", FILE);
  assert.equal(config.router.timeoutMs, DEFAULT_COMMAND_TIMEOUT_MS);
  assert.deepEqual(config.router.rateLimits, {
    ...DEFAULT_ROUTER_LIMITS,
    say: { burst: 9, perSecond: 2 },
  });
});

Deno.test("plugin limits are the sandbox's own: out of bounds or unknown is refused in the file", () => {
  const tiny = errorOf("plugins:\n  dice:\n    limits: { memoryMb: 1 }\n");
  assert.equal(tiny.key, "plugins.dice.limits.memoryMb");
  assert.match(tiny.message, /memoryMb: 1 is too small, it must be at least \d+/);
  assert.match(
    errorOf("plugins:\n  dice:\n    limits: { memoryMB: 128 }\n").message,
    /plugins\.dice\.limits: unknown limit "memoryMB"; the limits are memoryMb, cpu/,
  );
});

Deno.test("plugins.hostId names this plugin host, and a bad one is refused with its key and a fix", () => {
  const config = parseConfig("plugins:\n  hostId: plugins-a\n", FILE);
  assert.equal(config.plugins.hostId, "plugins-a");
  assert.equal(config.plugins.settings["hostId"], undefined, "not taken for a plugin's settings");
  assert.match(
    errorOf('plugins:\n  hostId: "a b"\n').message,
    /rosey\.yaml: plugins\.hostId: use letters, digits and \. : @ \/ - _ \(e\.g\. "plugins-a"\)/,
  );
});
