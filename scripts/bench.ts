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
import { measureColdStart } from "./bench/cold_start.ts";
import { measurePluginMemory } from "./bench/plugin_memory.ts";
import {
  type BotMemory,
  type BotUnderTest,
  driveRepeatedly,
  findSustainableRate,
  isSustainable,
  mb,
  type RateFigure,
  startBotUnderTest,
} from "./bench/end_to_end.ts";
import { cpuPerCommandUs, cpuSeconds } from "./bench/process_cpu.ts";
import { measureCluster } from "./bench/cluster.ts";
import { measurePersistence, PERSISTENCE_VARIANTS } from "./bench/persistence_cost.ts";
import { latencyHistogramSvg, round } from "./bench/stats.ts";
import { REPO_ROOT, startEphemeralNatsServer } from "@quicksilver/testbed";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    messages: { type: "string", default: "200000" },
    requests: { type: "string", default: "5000" },
    seconds: { type: "string", default: "5" },
    minutes: { type: "string", default: "10" },
    out: { type: "string", default: `${REPO_ROOT}/.rosey/bench` },
    "memory-plugins": { type: "string", default: "20" },
    rates: { type: "string", default: "300,1000" },
  },
});

const FIVE_PLUGINS = ["dice", "eightball", "quotes", "countdown", "trivia"].filter((name) => {
  try {
    return Deno.statSync(`${REPO_ROOT}/plugins/${name}.ts`).isFile;
  } catch {
    return false;
  }
});

const log = createLogger({ level: "warn", fields: { component: "bench" } });
const print = (rows: string[][]) => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join("  "));
};

/** How long the soak drives the bot before its first window (JIT; see `soak`). */
const SOAK_JIT_WARM_UP_SECONDS = 15;

if (positionals[0] === "soak") {
  await soak(Number(values.minutes));
  Deno.exit(0);
}
if (positionals[0] === "persistence") {
  await persistenceOnly(Number(values.seconds));
  Deno.exit(0);
}
if (positionals[0] === "cluster") {
  await clusterOnly(values.rates.split(",").map(Number), Math.max(10, Number(values.seconds)));
  Deno.exit(0);
}
if (positionals[0] === "delivery") {
  await deliveryOnly(Number(values.seconds));
  Deno.exit(0);
}
if (positionals[0] === "whole") {
  await wholeBotOnly(Number(values.seconds));
  Deno.exit(0);
}

console.log(
  `# Quicksilver benchmark (${Deno.build.os}, ${navigator.hardwareConcurrency} cores, deno ${Deno.version.deno})`,
);

// --- 1. raw NATS baseline and the EventBus, two Deno processes -------------------------------
const baseline = await (async () => {
  await using nats = await startEphemeralNatsServer({ logger: log });
  return await measureBaseline(nats.server, {
    messages: Number(values.messages),
    requests: Number(values.requests),
  });
})();
console.log(
  "\n## Raw nats.js vs EventBus (each chat-line envelope validated, as the router does), publisher and subscriber in two processes",
);
{
  const { raw, bus } = baseline;
  const row = (figure: string, rawValue: number, busValue: number) => [
    figure,
    String(rawValue),
    String(busValue),
    String(ratio(busValue, rawValue)),
  ];
  print([
    ["figure", "raw nats.js", "EventBus", "ratio"],
    row(
      "pub->sub msg/s (publisher)",
      raw.throughput.publishPerSecond,
      bus.throughput.publishPerSecond,
    ),
    row(
      "pub->sub msg/s (subscriber)",
      raw.throughput.receivePerSecond,
      bus.throughput.receivePerSecond,
    ),
    ...(["p50", "p90", "p99", "max"] as const).map((q) =>
      row(`request/reply ${q} ms`, raw.requestReply[q], bus.requestReply[q])
    ),
  ]);
}

// --- 2. plugin cold start ----------------------------------------------------------------------
const cold = await measureColdStart("dice", 7);
console.log("\n## Plugin cold start (dice: spawn of the sandboxed process to its first heartbeat)");
print([
  ["launches", "p50 ms", "p90 ms", "max ms", "first launch incl. vetting ms"],
  [
    String(cold.readyMs.count),
    String(cold.readyMs.p50),
    String(cold.readyMs.p90),
    String(cold.readyMs.max),
    String(cold.firstLaunchMs),
  ],
]);

// --- 3. what one more plugin costs ---------------------------------------------------------------
const pluginMemory = await measurePluginMemory(Number(values["memory-plugins"]));
console.log(
  `\n## Plugin memory: ${pluginMemory.plugins} plugins running (copies of dice, idle), PSS from ` +
    "/proc/<pid>/smaps_rollup",
);
print([
  ["plugins", "mean PSS MB (marginal per plugin)", "total PSS MB", "mean RSS MB", "PSS min-max MB"],
  [
    String(pluginMemory.plugins),
    String(pluginMemory.meanPssMb),
    String(pluginMemory.totalPssMb),
    String(pluginMemory.meanRssMb),
    `${Math.min(...pluginMemory.perPluginPssMb)}-${Math.max(...pluginMemory.perPluginPssMb)}`,
  ],
]);

// --- 4. end to end through the real bot ---------------------------------------------------------
// Two configurations, each `deno task dev` as its own process:
// - the whole bot: five plugins, and the chat log, stats and moderator services (every chat line
//   is also delivered to the two durable consumers): latency at 1000 msg/s, and memory;
// - router + one plugin, as the throughput target names it: dice alone with one core
//   (`plugins.dice.limits.cpu: 1`) and the services off: latency at 1000 msg/s and the
//   highest sustainable rate.
const seconds = Number(values.seconds);
type Run = RateFigure & { samples: number[] };
let whole: Run;
let wholeRunsP99: number[];
let memory: BotMemory;
let wholeCpu: Record<string, number>;
let wholeNatsMessages: { in: number; out: number };
{
  await using bot = await startBotUnderTest(FIVE_PLUGINS);
  ({
    median: whole,
    runsP99: wholeRunsP99,
    cpu: wholeCpu,
    natsMessagesPerCommand: wholeNatsMessages,
  } = await measureWholeBot(bot, seconds));
  memory = await bot.memory();
}
let lean: Run;
let leanRunsP99: number[];
let sustainable: Awaited<ReturnType<typeof findSustainableRate>>;
let leanCpu: Record<string, number>;
{
  await using bot = await startBotUnderTest(["dice"], { services: false, pluginCpu: { dice: 1 } });
  await bot.drive(1000, 2);
  await bot.drive(5000, 2); // the hot paths compiled at a high rate too
  const processes = await bot.processes();
  const before = await cpuSeconds(processes);
  const repeated = await driveRepeatedly(bot, 1000, seconds);
  leanCpu = cpuPerCommandUs(before, await cpuSeconds(processes), sumSent(repeated.runs));
  lean = repeated.median;
  leanRunsP99 = repeated.runs.map((run) => run.latency.p99);
  // Step up from 1000 msg/s only while the bot keeps up; 1000 itself counts when it does.
  sustainable = isSustainable(lean)
    ? await findSustainableRate(bot, [2000, 5000, 10000, 15000, 20000], Math.min(seconds, 3))
    : { steps: [], highest: 0 };
  if (isSustainable(lean) && sustainable.highest === 0) sustainable.highest = 1000;
}
const rawHop = baseline.raw.requestReply;
console.log(
  "\n## End to end: normalized message -> router -> sandboxed plugin -> chat action (deno task dev as its own process)",
);
print([
  [
    "configuration",
    "offered msg/s",
    "answered",
    "achieved msg/s",
    "p50 ms",
    "p90 ms",
    "p99 ms",
    "max ms",
    "p99 / raw hop p99",
    "p99 of each run",
  ],
  ...([
    ["whole bot", whole, wholeRunsP99],
    ["router + dice", lean, leanRunsP99],
    ...sustainable.steps.map((step) => ["router + dice", step, step.runsP99] as const),
  ] as const).map(([name, f, runs]) => [
    name,
    String(f.targetPerSecond),
    `${f.answered}/${f.sent}`,
    String(f.achievedPerSecond),
    String(f.latency.p50),
    String(f.latency.p90),
    String(f.latency.p99),
    String(f.latency.max),
    String(ratio(f.latency.p99, rawHop.p99)),
    runs.join(" / "),
  ]),
]);
console.log(
  "each row is the median of three runs by p99 (the VM's neighbours make single runs noisy)",
);
console.log(
  `highest sustainable rate, router + dice (all answered, >= 95% of offered, p99 < 100 ms): ` +
    `${sustainable.highest} msg/s`,
);

const pipelined = baseline.raw.pipelined;
// The highest rate every command was answered at (the sustainable steps), and the best one
// achieved at all: both as a share of one raw request/reply hop kept busy in the same run.
const bestAchieved = Math.max(
  lean.achievedPerSecond,
  ...sustainable.steps.filter((step) => step.answered === step.sent).map((s) =>
    s.achievedPerSecond
  ),
);
const rateVsPipelined = {
  rawPipelinedPerSecond: pipelined.perSecond,
  inFlight: pipelined.inFlight,
  sustainableRatio: ratio(sustainable.highest, pipelined.perSecond),
  bestAchievedPerSecond: bestAchieved,
  bestAchievedRatio: ratio(bestAchieved, pipelined.perSecond),
};
console.log(
  `end-to-end rate vs raw pipelined request/reply (${pipelined.inFlight} in flight: ` +
    `${pipelined.perSecond}/s): sustainable ${rateVsPipelined.sustainableRatio}, ` +
    `best achieved ${bestAchieved}/s = ${rateVsPipelined.bestAchievedRatio}`,
);

printCpu([["whole bot", wholeCpu], ["router + dice", leanCpu]]);
printMemory(memory);

// --- 5. targets (reported, never asserted) -------------------------------------------------------
const receiveRatio = (figure: { receivePerSecond: number }) =>
  ratio(figure.receivePerSecond, baseline.raw.throughput.receivePerSecond);
const busRatio = receiveRatio(baseline.bus.throughput);
const targets = [
  [
    "end-to-end p99 <= 5 ms at 1000 msg/s (router + one plugin)",
    lean.latency.p99 <= 5,
    `${lean.latency.p99} ms`,
  ],
  [
    "end-to-end p99 <= 5 ms at 1000 msg/s (whole bot, median of three)",
    whole.latency.p99 <= 5,
    `${whole.latency.p99} ms (runs: ${wholeRunsP99.join(" / ")})`,
  ],
  [
    ">= 10,000 commands/s sustained (router + one plugin)",
    sustainable.highest >= 10000,
    `${sustainable.highest}/s`,
  ],
  [
    "EventBus throughput >= 50% of raw",
    busRatio >= 0.5,
    `${Math.round(100 * busRatio)}%`,
  ],
  ["plugin cold start <= 300 ms median", cold.readyMs.p50 <= 300, `${cold.readyMs.p50} ms`],
  ["core RSS <= 100 MB", memory.core.rssBytes <= 100 * 1048576, `${mb(memory.core.rssBytes)} MB`],
  [
    `marginal PSS per plugin <= 30 MB (${pluginMemory.plugins} plugins running)`,
    pluginMemory.meanPssMb <= 30,
    `${pluginMemory.meanPssMb} MB (mean PSS of the plugin processes)`,
  ],
] as const;
console.log("\n## Targets");
print([["target", "met", "measured"], ...targets.map(([t, ok, v]) => [t, ok ? "yes" : "NO", v])]);

await Deno.mkdir(values.out!, { recursive: true });
const svgPath = `${values.out}/latency.svg`;
await Deno.writeTextFile(
  svgPath,
  latencyHistogramSvg([
    { name: "raw nats.js request/reply (one hop)", samples: baseline.samples.rawRequestReply },
    { name: "EventBus request/reply", samples: baseline.samples.busRequestReply },
    { name: "end to end at 1000 msg/s, router + dice", samples: lean.samples },
    { name: "end to end at 1000 msg/s, whole bot", samples: whole.samples },
  ]),
);
console.log(`\nlatency histogram: ${svgPath}`);

const { samples: _ws, ...wholeFigures } = whole;
const { samples: _ls, ...leanFigures } = lean;
console.log(JSON.stringify({
  time: new Date().toISOString(),
  loadAverage: loadAverage(),
  baseline: {
    throughput: baseline.raw.throughput,
    requestReply: baseline.raw.requestReply,
    pipelined: baseline.raw.pipelined,
  },
  eventBus: {
    throughput: baseline.bus.throughput,
    requestReply: baseline.bus.requestReply,
    throughputRatio: busRatio,
  },
  coldStart: { readyMs: cold.readyMs, firstLaunchMs: cold.firstLaunchMs },
  pluginMarginalPssMb: pluginMemory.meanPssMb,
  wholeBotPssMb: mb(memory.totalPssBytes),
  cpuPerCommandUs: { wholeBot: wholeCpu, routerAndPlugin: leanCpu },
  natsMessagesPerCommand: { wholeBot: wholeNatsMessages },
  rateVsPipelined,
  pluginMemory: {
    plugins: pluginMemory.plugins,
    meanPssMb: pluginMemory.meanPssMb,
    totalPssMb: pluginMemory.totalPssMb,
    meanRssMb: pluginMemory.meanRssMb,
  },
  endToEnd: {
    wholeBot: {
      at1000: wholeFigures,
      runsP99: wholeRunsP99,
      p99VsRawHop: ratio(whole.latency.p99, rawHop.p99),
    },
    routerAndPlugin: {
      at1000: leanFigures,
      runsP99: leanRunsP99,
      p99VsRawHop: ratio(lean.latency.p99, rawHop.p99),
      steps: sustainable.steps,
      highestSustainable: sustainable.highest,
    },
  },
  memory: {
    coreBytes: memory.core.rssBytes,
    natsBytes: memory.nats?.rssBytes,
    plugins: Object.fromEntries(memory.plugins.map((p) => [p.name, p.rssBytes])),
    pss: {
      coreBytes: memory.core.pssBytes,
      natsBytes: memory.nats?.pssBytes,
      plugins: Object.fromEntries(memory.plugins.map((p) => [p.name, p.pssBytes])),
      totalBytes: memory.totalPssBytes,
    },
  },
  targets: Object.fromEntries(targets.map(([t, ok]) => [t, ok])),
}));

/**
 * `deno task bench soak`: the whole bot at 1000 msg/s for N minutes; per 30 s window its p99 and
 * the PSS of every process (core, nats-server, plugins, and the sum). Growth is measured after a
 * warm-up of the first fifth of the windows (at least one: 2 minutes of a 10-minute soak): JIT and
 * buffers in every process, and nats-server's Go heap, which grows with the stream's cache for
 * its first minutes, are not leaks. Before the first window the bot is driven at the same rate
 * for {@linkcode SOAK_JIT_WARM_UP_SECONDS} (its figures printed, not a window): the core's and
 * plugins' first seconds are V8 compiling the hot path (a first window measured from a cold
 * start had p99 5.9 ms, the nine after it 3.4-4.3 ms).
 */
async function soak(minutes: number) {
  console.log(
    `# soak: whole bot (${FIVE_PLUGINS.join(", ")} and the services), 1000 msg/s for ` +
      `${minutes} min, p99 and PSS every 30 s`,
  );
  await using bot = await startBotUnderTest(FIVE_PLUGINS);
  const idle = await bot.memory();
  const warm = await bot.drive(1000, SOAK_JIT_WARM_UP_SECONDS);
  const { samples: _warmSamples, ...warmFigures } = warm;
  const jitWarmUp = { ...warmFigures, seconds: SOAK_JIT_WARM_UP_SECONDS };
  console.log(
    `start-up (not a window): ${SOAK_JIT_WARM_UP_SECONDS} s at 1000 msg/s, ` +
      `${warm.answered}/${warm.sent} answered, p50 ${warm.latency.p50} ms, ` +
      `p99 ${warm.latency.p99} ms`,
  );
  const header = [
    "minute",
    "answered",
    "p50 ms",
    "p99 ms",
    "whole bot PSS MB",
    "core PSS MB",
    "nats PSS MB",
    "plugins PSS MB (max)",
    "load average",
  ];
  console.log(header.join("  "));
  const rounds = Math.max(2, Math.round(minutes * 2));
  const windows: SoakWindow[] = [];
  const warmUpWindows = Math.max(1, Math.ceil(rounds / 5));
  let first = idle;
  let last = idle;
  for (let i = 0; i < rounds; i++) {
    const figure = await bot.drive(1000, 30);
    last = await bot.memory();
    if (i === warmUpWindows - 1) first = last;
    const window = {
      minute: (i + 1) / 2,
      sent: figure.sent,
      answered: figure.answered,
      p50: figure.latency.p50,
      p99: figure.latency.p99,
      wholeBotPssMb: mb(last.totalPssBytes),
      corePssMb: mb(last.core.pssBytes),
      natsPssMb: last.nats ? mb(last.nats.pssBytes) : undefined,
      pluginPssMbMax: mb(Math.max(0, ...last.plugins.map((p) => p.pssBytes))),
      loadAverage: loadAverage(),
    };
    windows.push(window);
    console.log([
      window.minute,
      `${window.answered}/${window.sent}`,
      window.p50,
      window.p99,
      window.wholeBotPssMb,
      window.corePssMb,
      window.natsPssMb ?? "-",
      window.pluginPssMbMax,
      window.loadAverage ?? "-",
    ].join("  "));
  }
  const growth = last.totalPssBytes - first.totalPssBytes;
  const worstP99 = Math.max(...windows.map((w) => w.p99));
  // One window against another compares two points of the core's GC cycle (its PSS swings by
  // ~40 MB between major GCs): the trend is the median of the later half of the windows after
  // warm-up against the median of the earlier half.
  const trend = (pick: (w: SoakWindow) => number | undefined) => {
    const values = windows.slice(warmUpWindows).map(pick).filter((v) => v !== undefined);
    const half = Math.floor(values.length / 2);
    const median = (list: number[]) => [...list].sort((a, b) => a - b)[list.length >> 1] ?? 0;
    return round(median(values.slice(values.length - half)) - median(values.slice(0, half)), 1);
  };
  const pssTrendMb = {
    wholeBot: trend((w) => w.wholeBotPssMb),
    core: trend((w) => w.corePssMb),
    nats: trend((w) => w.natsPssMb),
    pluginMax: trend((w) => w.pluginPssMbMax),
  };
  console.log(
    `whole bot PSS: ${mb(idle.totalPssBytes)} MB idle, ${mb(first.totalPssBytes)} MB after ` +
      `warm-up (${warmUpWindows} windows), ${mb(last.totalPssBytes)} MB at the end; trend after ` +
      `warm-up (median of the later half of the windows - of the earlier half): whole bot ` +
      `${pssTrendMb.wholeBot} MB, core ${pssTrendMb.core}, nats-server ${pssTrendMb.nats}, ` +
      `plugins (max) ${pssTrendMb.pluginMax}; worst window p99 ${worstP99} ms ` +
      `(${windows.filter((w) => w.p99 <= 5).length}/${windows.length} windows <= 5 ms)`,
  );
  console.log(JSON.stringify({
    soakMinutes: minutes,
    jitWarmUp,
    warmUpWindows,
    windows,
    worstP99,
    pssTrendMb,
    wholeBotPss: {
      idleBytes: idle.totalPssBytes,
      afterWarmUpBytes: first.totalPssBytes,
      endBytes: last.totalPssBytes,
      growthBytes: growth,
    },
    processes: Object.fromEntries(
      [last.core, ...(last.nats ? [last.nats] : []), ...last.plugins].map((p) => {
        const start = [first.core, ...(first.nats ? [first.nats] : []), ...first.plugins]
          .find((q) => q.name === p.name);
        return [p.name, { pssAfterWarmUpBytes: start?.pssBytes, pssEndBytes: p.pssBytes }];
      }),
    ),
  }));
}

/** One 30 s window of the soak (`windows[]` in its JSON line). */
interface SoakWindow {
  minute: number;
  sent: number;
  answered: number;
  p50: number;
  p99: number;
  wholeBotPssMb: number;
  corePssMb: number;
  natsPssMb: number | undefined;
  pluginPssMbMax: number;
  loadAverage: number | undefined;
}

function sumSent(runs: RateFigure[]): number {
  return runs.reduce((sum, run) => sum + run.sent, 0);
}

/**
 * The whole bot at 1000 msg/s: a warm-up, then three measured runs (see `driveRepeatedly`),
 * with each process's CPU per command over the three.
 */
async function measureWholeBot(bot: BotUnderTest, seconds: number) {
  // Warm-up (JIT, connection buffers, the plugins' first commands) is not measured.
  await bot.drive(1000, 2);
  const processes = await bot.processes();
  const before = await cpuSeconds(processes);
  const messagesBefore = await bot.natsMessages();
  const repeated = await driveRepeatedly(bot, 1000, seconds);
  const commands = sumSent(repeated.runs);
  const cpu = cpuPerCommandUs(before, await cpuSeconds(processes), commands);
  const messagesAfter = await bot.natsMessages();
  return {
    median: repeated.median,
    runsP99: repeated.runs.map((run) => run.latency.p99),
    cpu,
    /** Messages nats-server took in and sent out per command (all clients, its `/varz`). */
    natsMessagesPerCommand: {
      in: round((messagesAfter.in - messagesBefore.in) / commands, 2),
      out: round((messagesAfter.out - messagesBefore.out) / commands, 2),
    },
  };
}

function printCpu(configurations: [string, Record<string, number>][]) {
  console.log("\n## CPU per command at 1000 msg/s (us, /proc/<pid>/stat over the three runs)");
  const names = [...new Set(configurations.flatMap(([, cpu]) => Object.keys(cpu)))];
  print([
    ["process", ...configurations.map(([name]) => name)],
    ...names.map((name) => [name, ...configurations.map(([, cpu]) => String(cpu[name] ?? "-"))]),
  ]);
}

function printMemory(memory: BotMemory) {
  console.log(
    `\n## Memory with ${memory.plugins.length} plugins running (${FIVE_PLUGINS.join(", ")})`,
  );
  print([
    ["process", "pid", "RSS MB", "PSS MB"],
    ...[memory.core, ...(memory.nats ? [memory.nats] : []), ...memory.plugins].map((p) => [
      memory.plugins.includes(p) ? `plugin ${p.name}` : p.name,
      String(p.pid),
      String(mb(p.rssBytes)),
      String(mb(p.pssBytes)),
    ]),
    ["whole bot", "", "", String(mb(memory.totalPssBytes))],
  ]);
}

/** `deno task bench whole`: the whole bot's figures alone (latency, CPU, PSS), in ~1 minute. */
async function wholeBotOnly(seconds: number) {
  console.log(`# whole bot at 1000 msg/s (${FIVE_PLUGINS.join(", ")} and the services)`);
  await using bot = await startBotUnderTest(FIVE_PLUGINS);
  const { median, runsP99, cpu, natsMessagesPerCommand } = await measureWholeBot(bot, seconds);
  const memory = await bot.memory();
  print([
    ["answered", "p50 ms", "p90 ms", "p99 ms", "max ms", "p99 of each run"],
    [
      `${median.answered}/${median.sent}`,
      String(median.latency.p50),
      String(median.latency.p90),
      String(median.latency.p99),
      String(median.latency.max),
      runsP99.join(" / "),
    ],
  ]);
  printCpu([["whole bot", cpu]]);
  printMemory(memory);
  const { samples: _samples, ...figures } = median;
  console.log(JSON.stringify({
    time: new Date().toISOString(),
    loadAverage: loadAverage(),
    wholeBot: { at1000: figures, runsP99 },
    cpuPerCommandUs: cpu,
    natsMessagesPerCommand,
    wholeBotPssMb: mb(memory.totalPssBytes),
  }));
}

/**
 * `deno task bench delivery`: router + dice at 1000 msg/s in `nats.delivery: live` and `durable`
 * (docs/SCALING.md), same bot otherwise (dice alone with one core, services off), each the median
 * of three runs by p99: what durable delivery costs a command.
 */
async function deliveryOnly(seconds: number) {
  console.log("# router + dice at 1000 msg/s, nats.delivery live vs durable");
  const rows: [string, RateFigure & { samples: number[] }, number[]][] = [];
  for (const delivery of ["live", "durable"] as const) {
    await using bot = await startBotUnderTest(["dice"], {
      services: false,
      pluginCpu: { dice: 1 },
      delivery,
    });
    await bot.drive(1000, 2);
    const repeated = await driveRepeatedly(bot, 1000, seconds);
    rows.push([delivery, repeated.median, repeated.runs.map((run) => run.latency.p99)]);
  }
  print([
    ["delivery", "answered", "p50 ms", "p90 ms", "p99 ms", "max ms", "p99 of each run"],
    ...rows.map(([delivery, f, runs]) => [
      delivery,
      `${f.answered}/${f.sent}`,
      String(f.latency.p50),
      String(f.latency.p90),
      String(f.latency.p99),
      String(f.latency.max),
      runs.join(" / "),
    ]),
  ]);
  console.log(JSON.stringify({
    time: new Date().toISOString(),
    loadAverage: loadAverage(),
    routerAndPlugin: Object.fromEntries(
      rows.map(([delivery, { samples: _samples, ...f }, runsP99]) => [
        delivery,
        { at1000: f, runsP99 },
      ]),
    ),
  }));
}

/** The 1-minute load average (Linux), to print beside figures from a shared machine. */
function loadAverage(): number | undefined {
  try {
    return Number(Deno.readTextFileSync("/proc/loadavg").split(" ")[0]);
  } catch {
    return undefined;
  }
}

/**
 * `deno task bench persistence`: nats-server's CPU per chat line for each way the chat log and
 * stats may read `ROSEY_EVENTS` (1000 lines/s, no bot), each variant three times, interleaved.
 */
async function persistenceOnly(seconds: number) {
  console.log("# the persistence path alone: 1000 chat lines/s into ROSEY_EVENTS, two readers");
  const rows = [[
    "variant",
    "nats-server us/line",
    "client us/line",
    "nats-server PSS MB",
    "load average",
  ]];
  const figures = [];
  for (let pass = 0; pass < 3; pass++) {
    for (const variant of PERSISTENCE_VARIANTS) {
      const figure = await measurePersistence(variant, { rate: 1000, seconds });
      figures.push({ ...figure, loadAverage: loadAverage() });
      rows.push([
        variant,
        String(figure.natsUsPerLine),
        String(figure.clientUsPerLine),
        String(figure.natsPssMb),
        String(loadAverage()),
      ]);
      console.log(rows.at(-1)!.join("  "));
    }
  }
  console.log(JSON.stringify({ time: new Date().toISOString(), persistence: figures }));
}

/**
 * `deno task bench cluster [--rates 300,1000] [--seconds 10]`: 1 vs 2 routers and 1 vs 2
 * plugin hosts on the local three-node TLS cluster, through the fake CyTube server.
 */
async function clusterOnly(rates: number[], seconds: number) {
  console.log(
    `# Cluster: 3 TLS nodes, every component its own process, chat typed in the fake CyTube ` +
      `channel to the bot's answer there (${seconds} s per row)`,
  );
  const rows = [[
    "routers",
    "plugin hosts",
    "delivery",
    "offered msg/s",
    "sent",
    "answered",
    "answered twice",
    "p50 ms",
    "p99 ms",
  ]];
  print(rows);
  const figures = await measureCluster(rates, seconds, (f) => {
    const row = [f.routers, f.pluginHosts, f.delivery, f.offeredPerSecond, f.sent, f.answered]
      .concat([f.answeredTwice, f.p50 ?? "-", f.p99 ?? "-"]).map(String);
    rows.push(row);
    console.log(row.join("  "));
  });
  console.log();
  print(rows);
  console.log(JSON.stringify({ time: new Date().toISOString(), cluster: figures }));
}
