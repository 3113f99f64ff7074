/**
 * `deno task dev`: the whole bot on one machine. Starts nats-server, mints one identity per
 * service, starts the plugin manager, the router and the enabled connectors, and with no
 * config opens a local console chat (the shell connector) where `!help` and `!roll 1d6` work.
 *
 * stdout belongs to the chat; logs go to `.rosey/logs/rosey.log` (and warnings to stderr).
 * Ctrl-C, end of input, or `/quit` stops everything in order: connectors, router, plugin
 * manager, then nats-server. A changed plugin file is reloaded.
 *
 * Flags: `--config <file>` (default `rosey.yaml` if present, else built-in defaults),
 * `--no-shell`, `--home <dir>` (run in another dir: its own `.rosey/` state, for tests).
 */
import { parseArgs } from "node:util";
import {
  ConfigError,
  createLogger,
  ensureCoreStreams,
  EventBus,
  type Logger,
  mintUser,
  type ServiceRole,
  streamAdminRole,
} from "@quicksilver/core";
import { COMPONENTS, loadConfig, type QuicksilverConfig, sectionOf } from "../app/mod.ts";
import { ShellConnector, shellConnectorRole } from "../connectors/shell/mod.ts";
import {
  NatsServer,
  NatsServerNotFoundError,
  NatsServerStartError,
  REPO_ROOT,
} from "@quicksilver/testbed";
import { type PluginHost, startPluginHost } from "./_dev_plugins.ts";
import { teeLogger } from "./_dev_logger.ts";

const USAGE = `usage: deno task dev [--config rosey.yaml] [--no-shell] [--home <dir>]`;

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    config: { type: "string" },
    "no-shell": { type: "boolean", default: false },
    home: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});
if (flags.help) {
  console.log(USAGE);
  Deno.exit(0);
}

const home = flags.home ? await Deno.realPath(flags.home) : REPO_ROOT;
let config: QuicksilverConfig;
try {
  config = await loadConfig(flags.config, { baseDir: home });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    Deno.exit(2);
  }
  throw error;
}
const shellWanted = config.connectors.shell.enabled && !flags["no-shell"];

// --- logging: everything to the file; on stderr only warnings while the chat owns the terminal
const logDir = config.logging.dir.startsWith("/")
  ? config.logging.dir
  : `${home}/${config.logging.dir}`;
await Deno.mkdir(logDir, { recursive: true });
const logPath = `${logDir}/rosey.log`;
const logFile = await Deno.open(logPath, { create: true, append: true });
const fileEncoder = new TextEncoder();
const log: Logger = teeLogger(
  createLogger({
    level: config.logging.level,
    format: "json",
    sink: (line) => void logFile.writeSync(fileEncoder.encode(line + "\n")),
  }),
  createLogger({
    level: shellWanted ? "warn" : config.logging.level,
    ...(config.logging.format ? { format: config.logging.format } : {}),
  }),
).child({ component: "dev" });

// --- shutdown: one path, whatever triggers it --------------------------------------------------
const stack: { what: string; stop: () => Promise<void> }[] = [];
let stopping: Promise<void> | undefined;
function shutdown(reason: string): Promise<void> {
  stopping ??= (async () => {
    log.info("stopping", { reason });
    // Reverse start order: connectors, router, plugin manager, buses, then nats-server.
    for (const { what, stop } of stack.reverse()) {
      try {
        await withDeadline(stop(), 10_000, what);
      } catch (error) {
        log.warn(`${what} did not stop cleanly`, { error: String(error) });
      }
    }
    logFile.close();
  })();
  return stopping;
}
const signals = new AbortController();
const stopOnSignal = (signal: Deno.Signal) => {
  const listener = () => {
    if (stopping) {
      console.error("stopping already; exiting now");
      Deno.exit(130);
    }
    signals.abort(signal);
  };
  Deno.addSignalListener(signal, listener);
  stack.unshift({
    what: `${signal} listener`,
    stop: () => Promise.resolve(Deno.removeSignalListener(signal, listener)),
  });
};
stopOnSignal("SIGINT");
stopOnSignal("SIGTERM");

try {
  await main();
} catch (error) {
  const known = error instanceof NatsServerNotFoundError || error instanceof NatsServerStartError;
  console.error(known ? (error as Error).message : `deno task dev failed: ${String(error)}`);
  if (!known) log.error("start-up failed", { error: String(error) });
  await shutdown("start-up failed");
  Deno.exit(1);
}

async function main() {
  // --- nats-server ---------------------------------------------------------------------------
  const [host, port] = splitHostPort(config.nats.url);
  let stateDir = `${home}/.rosey`;
  let natsUrl = config.nats.url;
  let serverLogFile: string | undefined;
  let authority;
  if (config.nats.managed) {
    if (home !== REPO_ROOT) await Deno.copyFile(`${REPO_ROOT}/nats.conf`, `${home}/nats.conf`);
    const server = await NatsServer.start({
      configPath: `${home}/nats.conf`,
      cwd: home,
      port,
      httpPort: Number(new URL(config.nats.monitoring).port || 8222),
      logger: log.child({ component: "nats" }),
    });
    stack.push({ what: "nats-server", stop: () => server.stop() });
    natsUrl = server.url;
    authority = server.authority;
    stateDir = `${home}/${server.options.stateDir}`;
    serverLogFile = server.options.logFile;
  } else {
    const { loadOrCreateAuthority } = await import("@quicksilver/core");
    authority = await loadOrCreateAuthority(stateDir);
    log.info("using a nats-server already running", { url: `${host}:${port}` });
  }
  /**
   * `jetstream`: the component publishes or consumes durably, so it needs nats.js. The others
   * (router, monitor, moderator) run on the lite client: on the router's hot path nats.js's
   * socket writes and per-request error objects were ~12 % of the core's CPU.
   */
  const connectAs = async (
    role: ServiceRole,
    needs: { jetstream: boolean } = { jetstream: true },
  ): Promise<EventBus> => {
    const user = await mintUser(authority, { name: role.name, permissions: role.permissions });
    const bus = await EventBus.connect({
      servers: natsUrl,
      name: role.name,
      creds: user.creds,
      logger: log,
      connectTimeoutMs: 10_000,
      client: needs.jetstream ? "nats.js" : "lite",
    });
    stack.push({ what: `${role.name} connection`, stop: () => bus.drain() });
    return bus;
  };

  // --- core streams: created once by a stream-admin identity, before anyone publishes events
  const admin = await connectAs(streamAdminRole());
  await ensureCoreStreams(admin);
  await admin.drain();

  // --- plugin manager: resolves once the plugins started at boot run, so that the first line
  // typed (or piped) already finds their commands --------------------------------------------
  const plugins: PluginHost = await startPluginHost({
    config,
    natsUrl,
    authority,
    stateDir,
    ...(serverLogFile ? { serverLogFile, monitorUrl: config.nats.monitoring } : {}),
    logger: log,
  });
  stack.push({ what: "plugin manager", stop: () => plugins.stop() });

  // --- services, then connectors: every component in app/components.ts whose section says
  // it runs, each on a bus connected as its own role --------------------------------------------
  const notices: string[] = [];
  for (const component of COMPONENTS) {
    const section = sectionOf(config, component);
    if (!component.enabled(section)) continue;
    const bus = await connectAs(component.role(), { jetstream: component.jetstream });
    const running = await component.start(bus, {
      section,
      bot: config.bot,
      healthIntervalMs: config.monitoring.healthIntervalMs,
      dirs: { logs: logDir, state: stateDir },
      logger: log,
    });
    stack.push({ what: component.name, stop: () => running.close() });
    if (running.notice) notices.push(running.notice);
  }
  let shell: ShellConnector | undefined;
  if (shellWanted) {
    shell = await ShellConnector.start(await connectAs(shellConnectorRole()), {
      input: Deno.stdin.readable,
      output: Deno.stdout.writable,
      user: config.connectors.shell.user,
      rank: config.connectors.shell.rank,
      channel: config.connectors.shell.channel,
      commandPrefix: config.bot.commandPrefix,
      botName: config.bot.name,
      replyTimeoutMs: config.router.timeoutMs + 1000,
      banner: Deno.stdin.isTerminal(),
      logger: log,
    });
    const started = shell;
    stack.push({ what: "shell connector", stop: () => started.close() });
  }

  // --- plugin reloads ------------------------------------------------------------------------
  const watcher = watchPlugins(config.plugins.dir, plugins, log);
  stack.push({ what: "plugin watcher", stop: () => watcher.stop() });

  const monitoring = config.nats.managed ? config.nats.monitoring : "(not managed here)";
  for (const notice of notices.filter((line) => !line.startsWith("metrics "))) {
    console.error(notice);
  }
  const metricsNotice = notices.find((line) => line.startsWith("metrics "));
  const metrics = metricsNotice ? `, ${metricsNotice}` : "";
  console.error(
    `Quicksilver is running: NATS ${natsUrl}, monitoring ${monitoring}${metrics}, ` +
      `logs ${relative(logPath)}. ${shell ? "Ctrl-C or /quit to stop." : "Ctrl-C to stop."}`,
  );

  const reason = await Promise.race([
    new Promise<string>((resolve) =>
      signals.signal.addEventListener("abort", () => resolve(String(signals.signal.reason)), {
        once: true,
      })
    ),
    ...(shell ? [shell.done.then((why) => `shell ${why}`)] : []),
  ]);
  await shutdown(reason);
  Deno.exit(0);
}

/** Reloads a plugin when its file changes; saves come in bursts, so changes are debounced. */
function watchPlugins(dir: string, plugins: PluginHost, log: Logger): { stop(): Promise<void> } {
  let watcher: Deno.FsWatcher;
  try {
    watcher = Deno.watchFs(dir, { recursive: false });
  } catch (error) {
    log.warn("not watching plugins for changes", { dir, error: String(error) });
    return { stop: () => Promise.resolve() };
  }
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const loop = (async () => {
    for await (const event of watcher) {
      for (const path of event.paths) {
        const match = /\/([a-z][a-z0-9_-]{0,31})\.ts$/.exec(path);
        if (!match) continue;
        const name = match[1]!;
        clearTimeout(timers.get(name));
        timers.set(
          name,
          setTimeout(() => {
            timers.delete(name);
            log.info("plugin file changed; reloading", { plugin: name });
            plugins.reload(name).catch((error) =>
              log.warn("reload failed", { plugin: name, error: String(error) })
            );
          }, 250),
        );
      }
    }
  })();
  return {
    stop: async () => {
      for (const timer of timers.values()) clearTimeout(timer);
      watcher.close();
      await loop.catch(() => undefined);
    },
  };
}

function splitHostPort(url: string): [string, number] {
  const colon = url.lastIndexOf(":");
  return [url.slice(0, colon), Number(url.slice(colon + 1))];
}

function relative(path: string): string {
  const cwd = Deno.cwd();
  return path.startsWith(`${cwd}/`) ? path.slice(cwd.length + 1) : path;
}

async function withDeadline(promise: Promise<void>, ms: number, what: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no stop within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
