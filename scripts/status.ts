/**
 * `deno task status`: a table of the running bot's components and plugins (state, pid, uptime,
 * restarts, CPU, RSS, messages, violations), asked of the monitor service over NATS.
 */
import { parseArgs } from "node:util";
import { BusRequestError, subjects } from "../core/mod.ts";
import { type StatusTable, StatusTableSchema } from "../services/monitor/mod.ts";
import { connectCliBus } from "./_cli_bus.ts";
import { DEFAULT_STATE_DIR, REPO_ROOT } from "@quicksilver/testbed";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    server: { type: "string", default: "127.0.0.1:4222" },
    state: { type: "string", default: `${REPO_ROOT}/${DEFAULT_STATE_DIR}` },
    json: { type: "boolean", default: false },
  },
});

const bus = await connectCliBus({
  name: "cli-status",
  server: values.server!,
  stateDir: values.state!,
  publish: subjects.adminStatus(),
  expiresInSeconds: 60,
});
let table: StatusTable;
try {
  table = await bus.request(subjects.adminStatus(), {}, {
    timeoutMs: 3000,
    schema: StatusTableSchema,
  }) as StatusTable;
} catch (error) {
  const why = error instanceof BusRequestError && error.code === "no-responders"
    ? "no monitor service is running (start the bot with `deno task dev`)"
    : String(error);
  console.error(`status unavailable: ${why}`);
  await bus.close();
  Deno.exit(1);
}
await bus.close();

if (values.json) {
  console.log(JSON.stringify(table, null, 2));
  Deno.exit(0);
}

const mb = (bytes?: number) => bytes === undefined ? "-" : `${(bytes / 1048576).toFixed(1)} MB`;
const duration = (ms?: number) => {
  if (ms === undefined) return "-";
  const s = Math.floor(ms / 1000);
  return s < 60
    ? `${s}s`
    : s < 3600
    ? `${Math.floor(s / 60)}m${s % 60}s`
    : `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
};
const rows: string[][] = [[
  "NAME",
  "KIND",
  "STATE",
  "PID",
  "UPTIME",
  "RESTARTS",
  "CPU",
  "RSS",
  "MESSAGES",
  "VIOLATIONS",
]];
for (const c of table.components) {
  rows.push([
    c.component,
    "core",
    c.state,
    String(c.pid ?? "-"),
    duration(c.uptimeMs),
    "-",
    c.stats.cpuPercent === undefined ? "-" : `${c.stats.cpuPercent.toFixed(1)}%`,
    mb(c.rssBytes),
    String(c.stats.messages ?? "-"),
    String(c.stats.violations ?? "-"),
  ]);
}
for (const p of table.plugins) {
  rows.push([
    p.name,
    "plugin",
    p.state,
    String(p.pid ?? "-"),
    duration(p.startedAt ? table.time - p.startedAt : undefined),
    String(p.restarts),
    p.cpuPercent === undefined ? "-" : `${p.cpuPercent.toFixed(1)}%`,
    mb(p.rssBytes),
    String(p.messages ?? "-"),
    String(p.violations),
  ]);
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join("  "));
