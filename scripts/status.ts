/**
 * `deno task status`: a table of the running bot's components and plugins (state, pid, uptime,
 * restarts, CPU, RSS, messages, violations), asked of the monitor service over NATS.
 */
import { parseArgs } from "node:util";
import { BusRequestError, subjects } from "../core/mod.ts";
import { type StatusTable, StatusTableSchema } from "../services/monitor/mod.ts";
import { connectCliBus } from "./_cli_bus.ts";
import { formatStatusTable } from "./_status_table.ts";
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

console.log(formatStatusTable(table));
