/**
 * End-to-end figures on the real bot: `scripts/dev.ts` runs as its own process (nats-server,
 * plugin manager with five sandboxed plugins, router, monitor) exactly as an operator runs it;
 * this process plays a platform connector ("bench"), publishes normalized `!roll` messages and
 * times each until the router's chat action for it arrives. Each message rolls `1d1+<n>` with
 * its own n, and dice echoes the notation, so each reply is matched to its message while users
 * and channels stay few, as in a real channel (a soak must not grow per-channel state).
 */
import {
  ChatActionSchema,
  compiledValidator,
  connectorRole,
  createEnvelope,
  EventBus,
  loadOrCreateAuthority,
  mintUser,
  PluginStatusSchema,
  subjects,
  takeActions,
} from "../../core/mod.ts";
import { sampleProcess } from "../../sandbox/limits/mod.ts";
import { CORE_DENO_FLAGS } from "../core_flags.ts";
import { freePort, REPO_ROOT } from "@quicksilver/testbed";
import { smapsField } from "./plugin_memory.ts";
import type { NamedProcess } from "./process_cpu.ts";
import { type LatencySummary, round, summarize } from "./stats.ts";
import { z } from "zod";

export interface RateFigure {
  targetPerSecond: number;
  sent: number;
  answered: number;
  achievedPerSecond: number;
  latency: LatencySummary;
}

export interface ProcessMemory {
  name: string;
  pid: number;
  rssBytes: number;
  /** Proportional set size: shared pages split among the processes sharing them. */
  pssBytes: number;
}

export interface BotUnderTest extends AsyncDisposable {
  readonly home: string;
  readonly pid: number;
  readonly connector: EventBus;
  readonly admin: EventBus;
  /** Sends `count` commands at `perSecond` (open loop) and waits for the answers. */
  drive(perSecond: number, seconds: number): Promise<RateFigure & { samples: number[] }>;
  /** RSS and PSS of the core process, nats-server and each running plugin. */
  memory(): Promise<BotMemory>;
  /**
   * Every process of the bot by a stable name (`core`, `nats-server`, `plugin <name>`), and this
   * benchmark process as `load generator`: what {@linkcode cpuSeconds} samples.
   */
  processes(): Promise<NamedProcess[]>;
  /** nats-server's message counters so far (its `/varz`): messages in from and out to clients. */
  natsMessages(): Promise<{ in: number; out: number }>;
}

export interface BotMemory {
  core: ProcessMemory;
  nats?: ProcessMemory;
  plugins: ProcessMemory[];
  /** PSS of every process of the bot together (core, nats-server, plugins), bytes. */
  totalPssBytes: number;
}

const BENCH_PLATFORM = "bench";
const ADMIN_NAME = "bench-admin";

/** How the bot under test is configured beyond its plugins. */
export interface BotScenario {
  /** Run the chat log, stats and moderator services (default true: the whole bot). */
  services?: boolean;
  /** CPU limit (cores) per plugin name, where the default 0.5 should not apply. */
  pluginCpu?: Record<string, number>;
  /**
   * `nats.delivery` (default `live`). `durable`: the router reads the events stream through its
   * durable consumer and this load generator, playing the connector, takes the answers from
   * `ROSEY_ACTIONS` through `takeActions`, as a connector does in that mode.
   */
  delivery?: "live" | "durable";
}

/** Starts `deno task dev` in a temp home with the given plugins and lifted rate limits. */
export async function startBotUnderTest(
  plugins: string[],
  scenario: BotScenario = {},
): Promise<BotUnderTest> {
  const home = await Deno.makeTempDir({ prefix: "quicksilver-bench-" });
  const natsPort = freePort();
  const monitorUrl = `http://127.0.0.1:${freePort()}`;
  await Deno.writeTextFile(
    `${home}/rosey.yaml`,
    [
      "nats:",
      `  url: "127.0.0.1:${natsPort}"`,
      `  monitoring: "${monitorUrl}"`,
      `  delivery: ${scenario.delivery ?? "live"}`,
      "connectors:",
      "  shell:",
      "    enabled: false",
      "router:",
      "  timeoutMs: 5000",
      "  rateLimits:",
      "    perUser: { burst: 1000000, perSecond: 1000000 }",
      "    perPlugin: { burst: 1000000, perSecond: 1000000 }",
      "plugins:",
      `  dir: ${REPO_ROOT}/plugins`,
      `  enabled: [${plugins.join(", ")}]`,
      ...Object.entries(scenario.pluginCpu ?? {}).flatMap(([name, cpu]) => [
        `  ${name}:`,
        `    limits: { cpu: ${cpu} }`,
      ]),
      "services:",
      ...["chatlog", "stats", "moderator"].map((service) =>
        `  ${service}: { enabled: ${scenario.services ?? true} }`
      ),
      "monitoring:",
      "  metricsPort: 0",
      "logging:",
      "  level: warn",
      "",
    ].join("\n"),
  );
  // QUICKSILVER_BENCH_PROFILE=<dir> writes a V8 CPU profile of the core process there.
  const profileDir = Deno.env.get("QUICKSILVER_BENCH_PROFILE");
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      ...CORE_DENO_FLAGS,
      ...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []),
      `${REPO_ROOT}/scripts/dev.ts`,
      "--home",
      home,
      "--no-shell",
    ],
    cwd: home,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  /** Stops the bot (its nats-server and plugins with it) and removes its home. */
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // gone already
    }
    await child.status;
    await Deno.remove(home, { recursive: true }).catch(() => undefined);
  };
  try {
    const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    const deadline = Date.now() + 60_000;
    while (!seen.includes("Quicksilver is running")) {
      if (Date.now() > deadline) throw new Error(`the bot did not start:\n${seen}`);
      const { value, done } = await stderr.read();
      if (done) throw new Error(`the bot exited during start-up:\n${seen}`);
      seen += value;
    }
    // Keep draining stderr so the child never blocks on a full pipe.
    const drained = (async () => {
      while (!(await stderr.read()).done) { /* discard */ }
    })().catch(() => undefined);

    const authority = await loadOrCreateAuthority(`${home}/.rosey`);
    const role = connectorRole(BENCH_PLATFORM);
    const connectorUser = await mintUser(authority, role);
    const connector = await EventBus.connect({
      servers: `127.0.0.1:${natsPort}`,
      name: role.name,
      creds: connectorUser.creds,
    });
    const adminUser = await mintUser(authority, {
      name: ADMIN_NAME,
      permissions: {
        publish: { allow: [subjects.adminPlugins("list")] },
        subscribe: { allow: [`_INBOX.${ADMIN_NAME}.>`] },
      },
    });
    const admin = await EventBus.connect({
      servers: `127.0.0.1:${natsPort}`,
      name: ADMIN_NAME,
      creds: adminUser.creds,
    });

    const pending = new Map<string, number>();
    let onAnswer: (() => void) | undefined;
    const answers: number[] = [];
    let lastAnswerAt = 0;
    const chat = compiledValidator(ChatActionSchema);
    const answered = takeActions(connector, {
      platform: BENCH_PLATFORM,
      delivery: scenario.delivery ?? "live",
    }, (value, context) => {
      if (context.action !== "chat") return;
      const action = chat.safeParse(value);
      if (!action.success) return;
      const key = /rolled 1d1\+(\d+)/.exec(action.data.text)?.[1];
      const sentAt = key === undefined ? undefined : pending.get(key);
      if (sentAt === undefined || key === undefined) return;
      pending.delete(key);
      lastAnswerAt = performance.now();
      answers.push(lastAnswerAt - sentAt);
      onAnswer?.();
    });
    await answered.ready;

    let sequence = 0;
    const sendOne = (user: number) => {
      const key = String(++sequence);
      pending.set(key, performance.now());
      connector.publish(
        subjects.event("message"),
        createEnvelope("message", { platform: BENCH_PLATFORM, channel: `room${user % 4}` }, {
          user: { name: `user${user}`, rank: 1 },
          text: `!roll 1d1+${key}`,
        }),
      );
    };

    // Wait until dice answers (the plugins are up and the router has the table).
    const ready = Date.now() + 60_000;
    for (;;) {
      answers.length = 0;
      sendOne(0);
      await connector.flush();
      await new Promise((resolve) => setTimeout(resolve, 200));
      if (answers.length > 0) break;
      if (Date.now() > ready) throw new Error("dice never answered through the router");
    }

    const drive = async (perSecond: number, seconds: number) => {
      answers.length = 0;
      pending.clear();
      const total = Math.round(perSecond * seconds);
      // Arrivals are spread evenly, 1 ms apart at most: sending a burst every 10 ms measured mostly
      // the queueing inside each burst (the 10th command waits for the 9 before it).
      const tickMs = 1;
      const perTick = perSecond * tickMs / 1000;
      let sent = 0;
      let owed = 0;
      const start = performance.now();
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          // Catch up on ticks the event loop delayed, so the offered rate stays honest.
          const due = Math.min(total, Math.round(((performance.now() - start) / tickMs) * perTick));
          owed = due - sent;
          for (let i = 0; i < owed; i++) sendOne(sent++ % 50);
          if (sent >= total) {
            clearInterval(timer);
            resolve();
          }
        }, tickMs);
      });
      const sendSeconds = (performance.now() - start) / 1000;
      const waitUntil = Date.now() + 10_000;
      while (answers.length < total && Date.now() < waitUntil) {
        await new Promise<void>((resolve) => {
          onAnswer = () => {
            if (answers.length >= total) resolve();
          };
          setTimeout(resolve, 200);
        });
      }
      onAnswer = undefined;
      const busySeconds = Math.max(sendSeconds, (lastAnswerAt - start) / 1000);
      const samples = [...answers];
      return {
        targetPerSecond: perSecond,
        sent: total,
        answered: samples.length,
        achievedPerSecond: Math.round(samples.length / busySeconds),
        latency: summarize(samples),
        samples,
      };
    };

    const runningPlugins = async () => {
      const list = await admin.request(subjects.adminPlugins("list"), {}, {
        schema: z.object({ plugins: z.array(PluginStatusSchema) }).passthrough(),
      });
      return list.plugins.flatMap((p) =>
        p.pid === undefined || p.state !== "running" ? [] : [{ name: p.name, pid: p.pid }]
      );
    };
    const natsPid = await pidListening(natsPort);

    const processes = async (): Promise<NamedProcess[]> => [
      { name: "core", pid: child.pid },
      ...(natsPid ? [{ name: "nats-server", pid: natsPid }] : []),
      ...(await runningPlugins()).map((p) => ({ name: `plugin ${p.name}`, pid: p.pid })),
      { name: "load generator", pid: Deno.pid },
    ];

    const memory = async (): Promise<BotMemory> => {
      const plugins: ProcessMemory[] = [];
      for (const p of await runningPlugins()) {
        plugins.push({
          name: p.name,
          pid: p.pid,
          rssBytes: await rssOf(p.pid),
          pssBytes: await smapsField(p.pid, "Pss"),
        });
      }
      const core: ProcessMemory = {
        name: "core (dev: router, manager, monitor, services)",
        pid: child.pid,
        rssBytes: await rssOf(child.pid),
        pssBytes: await smapsField(child.pid, "Pss"),
      };
      const nats: ProcessMemory | undefined = natsPid
        ? {
          name: "nats-server",
          pid: natsPid,
          rssBytes: await rssOf(natsPid),
          pssBytes: await smapsField(natsPid, "Pss"),
        }
        : undefined;
      const all = [core, ...(nats ? [nats] : []), ...plugins];
      return {
        core,
        ...(nats ? { nats } : {}),
        plugins,
        totalPssBytes: all.reduce((sum, p) => sum + p.pssBytes, 0),
      };
    };
    const close = async () => {
      await connector.close();
      await admin.close();
      await stop();
      await drained;
    };
    return {
      home,
      pid: child.pid,
      connector,
      admin,
      drive,
      memory,
      processes,
      natsMessages: async () => {
        const varz = await (await fetch(`${monitorUrl}/varz`)).json() as {
          in_msgs: number;
          out_msgs: number;
        };
        return { in: varz.in_msgs, out: varz.out_msgs };
      },
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    // A bot that did not come up is not left running.
    await stop();
    throw error;
  }
}

/** Resident set size of a process (bytes; 0 if it is gone), sampled as the watchdog does. */
async function rssOf(pid: number): Promise<number> {
  return (await sampleProcess(pid))?.rssBytes ?? 0;
}

/** The pid of the nats-server listening on `port` (found through /proc; Linux only). */
async function pidListening(port: number): Promise<number | undefined> {
  try {
    for await (const entry of Deno.readDir("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      const cmdline = await Deno.readTextFile(`/proc/${entry.name}/cmdline`).catch(() => "");
      if (cmdline.includes("nats-server") && cmdline.includes(`\0${port}\0`)) {
        return Number(entry.name);
      }
    }
  } catch {
    // no /proc: not Linux
  }
  return undefined;
}

/** Sustainable: every command answered, >= 95 % of the offered rate achieved, p99 < 100 ms. */
export function isSustainable(figure: RateFigure): boolean {
  return figure.answered === figure.sent &&
    figure.achievedPerSecond >= figure.targetPerSecond * 0.95 && figure.latency.p99 < 100;
}

/**
 * Drives `rate` for `seconds`, `times` times, and returns every run with the median one (by p99)
 * singled out. Three processes and nats-server share two cores on a VM whose neighbours also
 * run, so a single window can catch a stall of the host: the median of three is the figure,
 * and every run is printed beside it.
 */
export async function driveRepeatedly(
  bot: BotUnderTest,
  rate: number,
  seconds: number,
  times = 3,
): Promise<
  { runs: (RateFigure & { samples: number[] })[]; median: RateFigure & { samples: number[] } }
> {
  const runs: (RateFigure & { samples: number[] })[] = [];
  for (let i = 0; i < times; i++) runs.push(await bot.drive(rate, seconds));
  const byP99 = [...runs].sort((a, b) => a.latency.p99 - b.latency.p99);
  return { runs, median: byP99[Math.floor((byP99.length - 1) / 2)]! };
}

/**
 * Steps the offered rate up until the bot falls behind (each step's median of three runs, see
 * {@linkcode driveRepeatedly}); returns every step's median figures and each run's p99.
 */
export async function findSustainableRate(
  bot: BotUnderTest,
  rates: number[],
  seconds: number,
): Promise<{ steps: (RateFigure & { runsP99: number[] })[]; highest: number }> {
  const steps: (RateFigure & { runsP99: number[] })[] = [];
  let highest = 0;
  for (const rate of rates) {
    const { runs, median } = await driveRepeatedly(bot, rate, seconds);
    const { samples: _samples, ...figure } = median;
    steps.push({ ...figure, runsP99: runs.map((run) => run.latency.p99) });
    if (!isSustainable(figure)) break;
    highest = rate;
  }
  return { steps, highest };
}

export function mb(bytes: number): number {
  return round(bytes / 1048576, 1);
}
