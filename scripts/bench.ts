/**
 * `deno task bench`: prints figures side by side with a raw NATS baseline measured in the same
 * run, writes a latency histogram SVG, and ends with one JSON line holding every figure so
 * runs can be compared (`deno task bench | tail -1 > run.json`).
 *
 * Nothing here asserts a time: tests do not time anything; this reports.
 */
import { parseArgs } from "node:util";
import { createLogger } from "../core/log/mod.ts";
import { measureBaseline, ratio } from "./bench/baseline.ts";
import { latencyHistogramSvg } from "./bench/stats.ts";
import { REPO_ROOT, startEphemeralNatsServer } from "./nats_server.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    messages: { type: "string", default: "200000" },
    requests: { type: "string", default: "5000" },
    out: { type: "string", default: `${REPO_ROOT}/.rosey/bench` },
  },
});

const log = createLogger({ fields: { component: "bench" } });
await using nats = await startEphemeralNatsServer({ logger: log });
const server = nats.server;

console.log(
  `# Quicksilver benchmark (${Deno.build.os}, ${navigator.hardwareConcurrency} cores, deno ${Deno.version.deno})`,
);
const baseline = await measureBaseline(server, {
  messages: Number(values.messages),
  requests: Number(values.requests),
});

const rows: [string, string, string, string][] = [
  ["figure", "raw nats.js", "quicksilver", "ratio"],
  [
    "pub->sub msg/s (publisher)",
    String(baseline.raw.throughput.publishPerSecond),
    String(baseline.bus.throughput.publishPerSecond),
    String(
      ratio(baseline.bus.throughput.publishPerSecond, baseline.raw.throughput.publishPerSecond),
    ),
  ],
  [
    "pub->sub msg/s (subscriber, validated)",
    String(baseline.raw.throughput.receivePerSecond),
    String(baseline.bus.throughput.receivePerSecond),
    String(
      ratio(baseline.bus.throughput.receivePerSecond, baseline.raw.throughput.receivePerSecond),
    ),
  ],
  ...(["p50", "p90", "p99", "max"] as const).map((q): [string, string, string, string] => [
    `request/reply ${q} ms`,
    String(baseline.raw.requestReply[q]),
    String(baseline.bus.requestReply[q]),
    String(ratio(baseline.bus.requestReply[q], baseline.raw.requestReply[q])),
  ]),
];
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join("  "));

await Deno.mkdir(values.out!, { recursive: true });
const svgPath = `${values.out}/latency.svg`;
await Deno.writeTextFile(
  svgPath,
  latencyHistogramSvg([
    { name: "raw nats.js request/reply (one hop)", samples: baseline.samples.rawRequestReply },
    { name: "EventBus request/reply (validated)", samples: baseline.samples.busRequestReply },
  ]),
);
console.log(`latency histogram: ${svgPath}`);

console.log(JSON.stringify({
  baseline: { throughput: baseline.raw.throughput, requestReply: baseline.raw.requestReply },
  eventBus: {
    throughput: baseline.bus.throughput,
    requestReply: baseline.bus.requestReply,
    throughputRatio: ratio(
      baseline.bus.throughput.receivePerSecond,
      baseline.raw.throughput.receivePerSecond,
    ),
  },
}));
