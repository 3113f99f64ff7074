/**
 * `deno task plugins <list|start|stop|restart|reload|check FILE>`.
 *
 * `check` works offline: it vets the plugin's module graph, loads its definition in a process
 * with no permissions, and prints what it would be allowed to do (Deno flags, NATS subjects,
 * limits) or why it is refused. The other commands talk to the running plugin manager over
 * `rosey.admin.plugins.*`.
 */
import { parseArgs } from "node:util";
import { BusRequestError, type PluginStatus, subjects } from "../core/mod.ts";
import { type AdminReply, checkPlugin, formatCheckReport } from "../sandbox/mod.ts";
import { connectCliBus } from "./_cli_bus.ts";
import { DEFAULT_STATE_DIR, REPO_ROOT } from "@quicksilver/testbed";

const USAGE = `usage: deno task plugins <command>
  list                 plugins, their state, restarts, violations and why they stopped
  start NAME           start (also out of quarantine)
  stop NAME            stop gracefully
  restart NAME         restart with fresh credentials
  reload               re-read the plugins folder, restart changed plugins
  check FILE [--json]  offline: what the plugin may do, or why it is refused
options: --server 127.0.0.1:4222  --state .rosey`;

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    server: { type: "string", default: "127.0.0.1:4222" },
    state: { type: "string", default: `${REPO_ROOT}/${DEFAULT_STATE_DIR}` },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
const [command, arg] = positionals;

if (values.help || !command) {
  console.log(USAGE);
  Deno.exit(command ? 0 : 2);
}

if (command === "check") {
  if (!arg) {
    console.error(
      `check needs a plugin file, e.g. deno task plugins check plugins/dice.ts\n\n${USAGE}`,
    );
    Deno.exit(2);
  }
  const report = await checkPlugin(arg, { server: values.server! });
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
  console.error(`${command} failed: ${reply.error.message}`);
  Deno.exit(1);
}
if (values.json) {
  console.log(JSON.stringify(reply, null, 2));
  Deno.exit(0);
}
if (reply.message) console.log(reply.message);
const rows = [["NAME", "STATE", "PID", "RESTARTS", "VIOLATIONS", "COMMANDS", "REASON"]];
for (const p of reply.plugins as PluginStatus[]) {
  rows.push([
    p.name,
    p.state,
    p.pid === undefined ? "-" : String(p.pid),
    String(p.restarts),
    String(p.violations),
    p.manifest?.commands.map((c) => `!${c.name}`).join(" ") || "-",
    p.reason ?? "",
  ]);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const row of rows) {
  console.log(
    row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i]!)).join("  "),
  );
}
