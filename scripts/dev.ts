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
  RotatingFile,
  type ServiceRole,
  silentLogger,
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
import { componentKey, shellOptions, startComponent } from "./_assembly.ts";
import { startComponentThread } from "./_component_thread.ts";

const USAGE = `usage: deno task dev [--config rosey.yaml] [--no-shell] [--home <dir>]`;

// --- stop signals: heard from the first line on, start-up included ----------------------------
// A Ctrl-C (SIGINT) or SIGTERM at any moment stops everything started so far and exits. What a
// start-up step is still starting when the signal comes is stopped as soon as it registers
// (`started`); and should this process end before that (a second signal exits at once), the
// kernel ends the rest: nats-server and every plugin run with a parent-death signal
// (`setpriv --pdeathsig`, testbed/nats_server.ts and sandbox/process/launch_command.ts).
const stack: { what: string; stop: () => Promise<void> }[] = [];
const lateStops: Promise<void>[] = [];
let stopping: Promise<void> | undefined;
let log: Logger = silentLogger;
let closeLog = () => {};
let mainDone: Promise<void> = Promise.resolve();
const stopSignals = new AbortController();

/** Thrown by `started` once a stop was asked for: start-up goes no further. */
class StopRequested extends Error {
  override name = "StopRequested";
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => {
    if (stopSignals.signal.aborted) {
      console.error("stopping already; exiting now");
      Deno.exit(130);
    }
    stopSignals.abort(signal);
    void stopAndExit(signal, 0);
  });
}

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
// Rotated by size, so that nothing (a flooding plugin included) can fill the disk through it.
const logFile = RotatingFile.openSync(logPath, {
  maxBytes: Math.round(config.logging.maxFileMb * 1024 * 1024),
  keep: config.logging.keepFiles,
});
log = teeLogger(
  createLogger({
    level: config.logging.level,
    format: "json",
    sink: (line) => logFile.writeLine(line),
  }),
  createLogger({
    level: shellWanted ? "warn" : config.logging.level,
    ...(config.logging.format ? { format: config.logging.format } : {}),
  }),
).child({ component: "dev" });
closeLog = () => logFile.close();

// --- shutdown: one path, whatever triggers it --------------------------------------------------
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
  })();
  return stopping;
}

/**
 * Registers what a start-up step started, to be stopped on shutdown (in reverse order). Once a
 * stop was asked for, it is stopped at once instead, and start-up ends here.
 */
function started(what: string, stop: () => Promise<void>): void {
  if (!stopping) {
    stack.push({ what, stop });
    return;
  }
  lateStops.push(
    withDeadline(stop(), 10_000, what).catch((error) =>
      log.warn(`${what} did not stop cleanly`, { error: String(error) })
    ),
  );
  throw new StopRequested(`stopping (${what} started after the stop signal)`);
}

/**
 * Stops everything, waits (a few seconds at most) for a start-up step in flight, then exits.
 * `fromMain`: called by start-up itself (its end or its failure), so there is nothing to wait for.
 */
async function stopAndExit(reason: string, code: number, fromMain = false): Promise<never> {
  await shutdown(reason);
  // A step still starting (nats-server waiting for health, plugins launching) registers what it
  // started when it returns, and `started` stops it; past the deadline the kernel's parent-death
  // signal ends nats-server and the plugins when we exit.
  if (!fromMain) {
    await withDeadline(mainDone, 3000, "start-up step in flight").catch(() => undefined);
  }
  await Promise.allSettled(lateStops);
  closeLog();
  Deno.exit(code);
}

mainDone = main().catch(async (error) => {
  if (error instanceof StopRequested || stopSignals.signal.aborted) return;
  const known = error instanceof NatsServerNotFoundError || error instanceof NatsServerStartError;
  console.error(known ? (error as Error).message : `deno task dev failed: ${String(error)}`);
  if (!known) log.error("start-up failed", { error: String(error) });
  await stopAndExit("start-up failed", 1, true);
});

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
    started("nats-server", () => server.stop());
    natsUrl = server.url;
    authority = server.authority;
    stateDir = `${home}/${server.options.stateDir}`;
    serverLogFile = server.options.logFile;
  } else {
    const { loadOrCreateAuthority } = await import("@quicksilver/core");
    authority = await loadOrCreateAuthority(stateDir);
    log.info("using a nats-server already running", { url: `${host}:${port}` });
  }
  const connectAs = async (role: ServiceRole): Promise<EventBus> => {
    const user = await mintUser(authority, { name: role.name, permissions: role.permissions });
    const bus = await EventBus.connect({
      servers: natsUrl,
      name: role.name,
      creds: user.creds,
      logger: log,
      connectTimeoutMs: 10_000,
    });
    started(`${role.name} connection`, () => bus.drain());
    return bus;
  };

  // --- core streams: created once by a stream-admin identity, before anyone publishes events
  const admin = await connectAs(streamAdminRole());
  await ensureCoreStreams(admin, { delivery: config.nats.delivery });
  await admin.drain();

  // --- plugin manager: resolves once the plugins started at boot run, so that the first line
  // typed (or piped) already finds their commands --------------------------------------------
  const plugins: PluginHost = await startPluginHost({
    config,
    servers: natsUrl,
    authority,
    stateDir,
    ...(serverLogFile ? { serverLogFile, monitorUrl: config.nats.monitoring } : {}),
    logger: log,
  });
  started("plugin manager", () => plugins.stop());

  // --- services, then connectors: every component in app/components.ts whose section says
  // it runs, each on a bus connected as its own role --------------------------------------------
  const notices: string[] = [];
  const enabled = COMPONENTS.filter((component) => component.enabled(sectionOf(config, component)));
  const offThread = enabled.filter((component) => component.offThread);
  for (const component of enabled) {
    if (component.offThread) {
      // All of them in one worker thread, started where the first one stands in the list.
      if (component === offThread[0]) {
        const creds: Record<string, string> = {};
        for (const each of offThread) {
          const { name, permissions } = each.role();
          creds[componentKey(each)] = (await mintUser(authority, { name, permissions })).creds;
        }
        const thread = await startComponentThread({
          configFile: flags.config,
          home,
          keys: offThread.map(componentKey),
          nats: { url: natsUrl },
          creds,
          dirs: { logs: logDir, state: stateDir },
          logLevel: config.logging.level,
        }, log);
        started(offThread.map((each) => each.name).join(", "), () => thread.stop());
        notices.push(...thread.notices);
      }
      continue;
    }
    const bus = await connectAs(component.role());
    const running = await startComponent(component, bus, config, {
      logs: logDir,
      state: stateDir,
    }, log);
    started(component.name, () => running.close());
    if (running.notice) notices.push(running.notice);
  }
  let shell: ShellConnector | undefined;
  if (shellWanted) {
    shell = await ShellConnector.start(
      await connectAs(shellConnectorRole()),
      shellOptions(config, {
        input: Deno.stdin.readable,
        output: Deno.stdout.writable,
        banner: Deno.stdin.isTerminal(),
      }, log),
    );
    const shellStarted = shell;
    started("shell connector", () => shellStarted.close());
  }

  // --- plugin reloads ------------------------------------------------------------------------
  const watcher = watchPlugins(config.plugins.dir, plugins, log);
  started("plugin watcher", () => watcher.stop());

  const monitoring = config.nats.managed ? config.nats.monitoring : "(not managed here)";
  // The metrics and dashboard addresses go into the running line; other notices (a CyTube
  // join, the dashboard's first login) are lines of their own.
  const noticeLines = notices.flatMap((notice) => notice.split("\n"));
  for (const line of noticeLines.filter((line) => !/^(metrics|dashboard) /.test(line))) {
    console.error(line);
  }
  const metricsNotice = noticeLines.find((line) => line.startsWith("metrics "));
  const metrics = metricsNotice ? `, ${metricsNotice}` : "";
  const dashboard = noticeLines.find((line) => line.startsWith("dashboard "));
  console.error(
    `Quicksilver is running: ${dashboard ? `${dashboard}, ` : ""}NATS ${natsUrl}, ` +
      `monitoring ${monitoring}${metrics}, ` +
      `logs ${relative(logPath)}. ${shell ? "Ctrl-C or /quit to stop." : "Ctrl-C to stop."}`,
  );

  // A stop signal is handled by its listener (stopAndExit); here only the shell's end.
  if (shell) {
    const why = await shell.done;
    if (!stopSignals.signal.aborted) await stopAndExit(`shell ${why}`, 0, true);
  }
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
