/**
 * `deno task plugins <list|start|stop|restart|reload|check FILE|install|update|remove|sign|keygen>`.
 *
 * `check` works offline: it vets the plugin's module graph, loads its definition in a process
 * with no permissions, and prints what it would be allowed to do (Deno flags, NATS subjects,
 * limits) or why it is refused. The other commands talk to the running plugin manager over
 * `rosey.admin.plugins.*`. `install`, `update` and `remove` work on `.rosey/installed` and tell the
 * running bot, if one runs (sandbox/install/).
 */
import { parseArgs } from "node:util";
import { BusRequestError, type PluginStatus, sanitizeChatText, subjects } from "../core/mod.ts";
import {
  type AdminReply,
  checkPlugin,
  connectBotAdmin,
  createPublisherKey,
  formatCheckReport,
  installedFiles,
  InstallError,
  installPlugin,
  removePlugin,
  sha256Hex,
  signHash,
  updatePlugins,
} from "../sandbox/mod.ts";
import { loadConfig } from "../app/mod.ts";
import { connectCliBus } from "./_cli_bus.ts";
import { plainLine } from "./_status_table.ts";
import { DEFAULT_STATE_DIR, REPO_ROOT } from "@quicksilver/testbed";

const USAGE = `usage: deno task plugins <command>
  list                 plugins, their state, restarts, violations and why they stopped
  start NAME           start (also out of quarantine)
  stop NAME            stop gracefully
  restart NAME         restart with fresh credentials
  reload               re-read the plugins folder, restart changed plugins
  check FILE [--json]  offline: what the plugin may do, or why it is refused
  install <file|url|name> [--yes] [--unsigned]
                       review what a plugin may do, approve, install; the running bot starts it
                       (name: looked up in plugins.indexes; --yes approves only what rosey.yaml
                       grants; --unsigned accepts a file no publisher in plugins.trust signed)
  update [NAME] [--yes] [--unsigned]
                       fetch it again, show the permission and size diff, approve anything new;
                       the old version serves while the new one is fetched and checked, and
                       comes back if the new one fails its first start
  remove NAME [--keep-data]
                       stop and uninstall an installed plugin (and delete its data)
  sign FILE --key SEED-FILE
                       for authors: write FILE.sig (ed25519 over its SHA-256) and print the
                       index entry's sha256, publisher and signature
  keygen SEED-FILE     for authors: a new publisher key (keep the seed file secret)
options: --home DIR (the checkout)  --config rosey.yaml  --server 127.0.0.1:4222  --state .rosey`;

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    server: { type: "string" },
    state: { type: "string" },
    home: { type: "string" },
    config: { type: "string" },
    key: { type: "string" },
    yes: { type: "boolean", default: false },
    unsigned: { type: "boolean", default: false },
    "keep-data": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
const [command, arg] = positionals;

if (values.help || !command) {
  console.log(USAGE);
  Deno.exit(command ? 0 : 2);
}

const home = values.home ? await Deno.realPath(values.home) : REPO_ROOT;
const stateDir = values.state ?? `${home}/${DEFAULT_STATE_DIR}`;
values.state = stateDir;
const explicitServer = values.server;
// The bot's own address (nats.url in rosey.yaml) unless --server says otherwise.
values.server ??= await loadConfig(values.config, { baseDir: home }).then(
  (config) => config.nats.url.replace(/^nats:\/\//, ""),
  () => "127.0.0.1:4222",
);

if (command === "keygen") {
  if (!arg) fail(`keygen needs a file to write the seed to, e.g. deno task plugins keygen my.seed`);
  const key = createPublisherKey();
  await Deno.writeTextFile(arg, key.seed + "\n", { mode: 0o600, createNew: true }).catch(
    (error) => fail(`${arg}: ${error.message} (keygen never overwrites a seed)`),
  );
  console.log(`publisher key: ${key.publicKey}\nseed written to ${arg} (0600): keep it secret`);
  Deno.exit(0);
}

if (command === "sign") {
  if (!arg || !values.key) fail(`sign needs FILE --key SEED-FILE\n\n${USAGE}`);
  const code = await Deno.readFile(arg).catch((error) => fail(`${arg}: ${error.message}`));
  const seed = await Deno.readTextFile(values.key).catch((error) =>
    fail(`${values.key}: ${error.message}`)
  );
  const sha256 = await sha256Hex(code);
  try {
    const signed = signHash(sha256, seed);
    const sig = { sha256, ...signed };
    await Deno.writeTextFile(`${arg}.sig`, JSON.stringify(sig, null, 2) + "\n");
    console.log(`wrote ${arg}.sig\nfor the index entry:\n${JSON.stringify(sig, null, 2)}`);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  Deno.exit(0);
}

if (command === "install" || command === "update" || command === "remove") {
  if (command !== "update" && !arg) {
    fail(
      `${command} needs ${command === "install" ? "a file, URL or index name" : "a plugin name"}`,
    );
  }
  let config;
  try {
    config = await loadConfig(values.config, { baseDir: home });
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  const server = explicitServer ?? config.nats.url.replace(/^nats:\/\//, "");
  const bot = await connectBotAdmin({ server, stateDir });
  const ctx = {
    config,
    stateDir,
    server,
    yes: values.yes,
    unsigned: values.unsigned,
    confirm: askYesNo,
    // Everything said here may carry a plugin's or an index's text (names, versions, reasons).
    say: (text: string) => console.log(sanitizeChatText(text)),
    bot,
    files: installedFiles(`${stateDir}/installed`),
  };
  try {
    if (command === "install") await installPlugin(arg!, ctx);
    else if (command === "update") await updatePlugins(arg, ctx);
    else await removePlugin(arg!, { keepData: values["keep-data"] }, ctx);
  } catch (error) {
    await bot?.close();
    if (error instanceof InstallError) fail(`${command} refused (${error.code}): ${error.message}`);
    throw error;
  }
  await bot?.close();
  Deno.exit(0);
}

if (command === "check") {
  if (!arg) {
    console.error(
      `check needs a plugin file, e.g. deno task plugins check plugins/dice.ts\n\n${USAGE}`,
    );
    Deno.exit(2);
  }
  // The plan with every server plugins would dial (`nats.servers`), unless --server names one.
  const servers = explicitServer ?? await loadConfig(values.config, { baseDir: home }).then(
    (config) => config.nats.servers ?? [config.nats.url],
    () => values.server!,
  );
  const report = await checkPlugin(arg, { servers });
  console.log(values.json ? JSON.stringify(report, null, 2) : formatCheckReport(report));
  Deno.exit(report.ok ? 0 : 1);
}

if (!["list", "start", "stop", "restart", "reload"].includes(command)) {
  console.error(`unknown command "${command}"\n\n${USAGE}`);
  Deno.exit(2);
}
if (["start", "stop", "restart"].includes(command) && !arg) {
  console.error(`${command} needs a plugin name, e.g. deno task plugins ${command} dice`);
  Deno.exit(2);
}

const bus = await connectCliBus({
  name: "cli-plugins",
  server: values.server!,
  stateDir: values.state!,
  publish: subjects.adminPlugins(command),
  expiresInSeconds: 120,
});
let reply: AdminReply;
try {
  reply = await bus.request<AdminReply>(
    subjects.adminPlugins(command),
    arg ? { plugin: arg } : {},
    {
      timeoutMs: 60_000,
    },
  );
} catch (error) {
  const why = error instanceof BusRequestError && error.code === "no-responders"
    ? "no plugin manager is running (start the bot with `deno task dev`)"
    : String(error);
  console.error(`${command} failed: ${why}`);
  await bus.close();
  Deno.exit(1);
}
await bus.close();

if (!reply.ok) {
  console.error(sanitizeChatText(`${command} failed: ${reply.error.message}`));
  Deno.exit(1);
}
if (values.json) {
  console.log(JSON.stringify(reply, null, 2));
  Deno.exit(0);
}
if (reply.message) console.log(sanitizeChatText(reply.message));
const rows = [["NAME", "STATE", "PID", "RESTARTS", "VIOLATIONS", "COMMANDS", "REASON"]];
// Several plugin hosts: one row per replica, named with its host.
const hosts = new Set((reply.plugins as PluginStatus[]).map((p) => p.host).filter(Boolean));
for (const p of reply.plugins as PluginStatus[]) {
  rows.push([
    hosts.size > 1 && p.host ? `${plainLine(`${p.name}@${p.host}`)}` : p.name,
    p.state,
    p.pid === undefined ? "-" : String(p.pid),
    String(p.restarts),
    String(p.violations),
    p.manifest?.commands.map((c) => `!${c.name}`).join(" ") || "-",
    plainLine(p.reason ?? ""),
  ]);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const row of rows) {
  console.log(
    row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i]!)).join("  "),
  );
}

function fail(message: string): never {
  console.error(sanitizeChatText(message));
  Deno.exit(1);
}

/** Reads one answer line from stdin; anything but y/yes (or the end of input) is no. */
async function askYesNo(question: string): Promise<boolean> {
  await Deno.stdout.write(new TextEncoder().encode(question));
  const reader = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
  let line = "";
  while (!line.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    line += value;
  }
  reader.releaseLock();
  return /^\s*y(es)?\s*$/i.test(line.split("\n")[0] ?? "");
}
