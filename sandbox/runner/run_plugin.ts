/**
 * The plugin process's entry. The manager generates a two-line entry file per plugin:
 *
 * ```ts
 * import { runPlugin } from "file:///…/sandbox/runner/mod.ts";
 * await runPlugin(() => import("file:///…/plugins/dice.ts"));
 * ```
 *
 * Both imports are static (analyzable), so the plugin file is loaded without `--allow-read` on
 * it, and `deno info` on the entry shows the whole graph the manager vets. The plugin module is
 * evaluated only after the launch config (with the credentials) has been read from stdin.
 */
import { createLogger, errorText, EventBus, subjects, validate } from "@quicksilver/core/client";
import { describePlugin, isPlugin, type Plugin } from "@quicksilver/sdk";
import {
  ControlSchema,
  type LaunchConfig,
  LaunchConfigSchema,
  RUNNER_CONNECTED_MARKER,
  RUNNER_EXIT,
} from "./launch_config.ts";
import { armTripwire, tripwire } from "./_tripwire.ts";
import { guardWorkers } from "./_worker_guard.ts";
import { PluginHost } from "./plugin_host.ts";

type PluginImport = () => Promise<{ default?: unknown }>;

/**
 * The runner's own exit, taken when this module is evaluated, before any plugin code loads: a
 * plugin may replace `Deno.exit` (a hostile one does, to survive its stop), and that must not
 * decide whether the runner can end. The kernel is the last word anyway (setpriv --pdeathsig).
 */
const exitProcess: (code: number) => never = Deno.exit.bind(Deno);

// A write past RLIMIT_FSIZE (the data quota's cap on one file, see sandbox/process/
// data_quota.ts) raises SIGXFSZ, whose default action kills the process; with a listener the
// write fails with "File too large (os error 27)", an error the plugin sees and can handle.
try {
  Deno.addSignalListener("SIGXFSZ", () => {});
} catch {
  // not on this platform: the kernel's limit then ends the process instead
}

/** How long a graceful stop (teardown, storage flush, NATS drain) may take before exiting anyway. */
const STOP_DEADLINE_MS = 5000;

/** Reads the launch config from stdin and runs (or describes) the plugin. Never returns. */
export async function runPlugin(load: PluginImport): Promise<never> {
  const { config, lifeline } = await readLaunchConfig();
  if (config.mode === "describe") return await describe(load);
  const log = createLogger({
    level: config.logLevel,
    format: "json",
    fields: { plugin: config.name },
  });

  const bus = await EventBus.connect({
    // Every server of the plugin host, and only those: when its node dies the client moves to
    // the next by itself (nats.js reconnects over the list). Servers the cluster announces in
    // INFO (`connect_urls`) are ignored: Deno's --allow-net names exactly what the operator
    // configured, so dialling a discovered node would be a denied dial, reported as the plugin's
    // violation (and an advertised address may not be the one the operator wants used). In the
    // operator's order, not shuffled: the first is the plugin host's nearest node.
    servers: config.servers,
    onlyListedServers: true,
    name: `plugin-${config.name}`,
    creds: config.creds,
    ...(config.tlsCa ? { tls: { caPem: config.tlsCa } } : {}),
    logger: log,
    connectTimeoutMs: 10_000,
  }).catch((error) => {
    log.error("cannot connect to NATS", { error: errorText(error) });
    return exitProcess(RUNNER_EXIT.credentialsEnded);
  });

  // The mark in the audit log between this connection's dials and any the plugin makes (it is
  // refused and audited; the plugin's code is not loaded yet, so it cannot come first).
  try {
    Deno.env.get(RUNNER_CONNECTED_MARKER);
  } catch {
    // refused, as every plugin's env access is: the audit line is what counts
  }

  let exiting = false;
  const exit = async (code: number): Promise<never> => {
    exiting = true;
    await bus.close();
    return exitProcess(code);
  };
  installTripwires(config.reportToken);
  guardWorkers();
  let plugin: Plugin;
  try {
    plugin = await loadPlugin(load, config.name);
  } catch (error) {
    log.error("not a valid plugin", { error: errorText(error) });
    return await exit(RUNNER_EXIT.invalidPlugin);
  }

  const host = new PluginHost(plugin, bus, config, log);
  let stopping: Promise<never> | undefined;
  const stop = (why: string) =>
    stopping ??= (async () => {
      // A graceful stop never hangs: with NATS gone, drain would wait for a reconnect forever.
      setTimeout(() => exitProcess(RUNNER_EXIT.ok), STOP_DEADLINE_MS);
      // The manager logs a stop it asked for; a stop of the plugin's own (lifeline, signal) is news.
      (why === "asked by the manager" ? log.debug : log.info)("stopping", { why });
      clearInterval(beat);
      await host.stop();
      await bus.drain();
      return exitProcess(RUNNER_EXIT.ok);
    })();

  bus.onStatus((event) => {
    // Expired or revoked credentials close the connection for good: exit so that the manager
    // relaunches with fresh ones (or not, if it revoked them on purpose).
    if (event.type === "closed" && !stopping && !exiting) {
      log.warn("NATS connection closed", { error: event.error ? errorText(event.error) : "none" });
      exitProcess(RUNNER_EXIT.credentialsEnded);
    }
  });
  bus.subscribe(subjects.pluginControl(config.name), (message) => {
    // Only its own manager's stop: another plugin host running this plugin stops its own.
    const mine = !message.launch || !config.launchId || message.launch === config.launchId;
    if (message.op === "stop" && mine) void stop("asked by the manager");
  }, { schema: ControlSchema });
  try {
    Deno.addSignalListener("SIGTERM", () => void stop("SIGTERM"));
  } catch (error) {
    log.warn("no SIGTERM handler", { error: errorText(error) });
  }
  // The manager holds our stdin open for as long as it lives: its end means the manager is gone.
  void lifeline.then(() => stop("the plugin manager is gone (stdin closed)"));

  try {
    await host.start();
  } catch (error) {
    log.error("setup failed", { error: errorText(error) });
    return await exit(RUNNER_EXIT.setupFailed);
  }

  let seq = 0;
  const heartbeat = () => {
    try {
      bus.publish(subjects.pluginHeartbeat(config.name), {
        name: config.name,
        seq: seq++,
        time: Date.now(),
        handled: host.handled,
        failed: host.failed,
        ...(config.launchId ? { launch: config.launchId } : {}),
      });
    } catch {
      // closed: the status listener exits
    }
  };
  await bus.flush();
  heartbeat(); // the first heartbeat tells the manager "ready"
  const beat = setInterval(heartbeat, config.heartbeatMs);
  // Beats sent while the node was gone were dropped (core NATS): the first one on the new node
  // goes out at once, so the manager's watchdog sees the gap end within the reconnect.
  bus.onStatus((event) => {
    if (event.type === "reconnected" && !stopping) heartbeat();
  });
  // debug: the manager logs "plugin ready" with the commands once the heartbeat arrives.
  log.debug("ready", { commands: Object.keys(plugin.commands ?? {}) });
  // Keep the process alive until stop() exits it.
  return await new Promise<never>(() => {});
}

/**
 * Deno's permission audit log does not record `run` checks (measured on 2.9.6: `Deno.Command`,
 * `Deno.kill` and `process.kill` leave no line), and a plugin can catch the NotCapable error.
 * Plugins never get --allow-run, so every attempt is a denial: the runner, evaluated before the
 * plugin, wraps them to report it (see _tripwire.ts: plugin code can neither forge nor silence
 * the report; the wrapped properties are frozen).
 */
function installTripwires(token: string) {
  armTripwire(token);
  // Everything a report computes is taken now: plugin code may later replace
  // String.prototype.slice, give a pid that throws when turned into text, or a URL whose href
  // getter throws, and a report that throws is a report never written.
  const sliceText = Function.prototype.call.bind(String.prototype.slice) as (
    text: string,
    start: number,
    end: number,
  ) => string;
  const report = (what: string, value: unknown) => {
    let text = "?";
    if (typeof value === "string") text = sliceText(value, 0, 200);
    else if (typeof value === "number") text = `${value}`;
    tripwire("deno-run", `run ${what}${text}`);
  };
  const OriginalCommand = Deno.Command;
  function Command(command: string | URL, options?: Deno.CommandOptions) {
    report("", command);
    return new OriginalCommand(command, options);
  }
  const originalKill = Deno.kill;
  const kill = (pid: number, signal?: Deno.Signal) => {
    report("kill ", pid);
    return originalKill(pid, signal);
  };
  freeze(Deno, "Command", Command);
  freeze(Deno, "kill", kill);
  const nodeProcess = (globalThis as { process?: { kill?: (...a: unknown[]) => unknown } }).process;
  const nodeKill = nodeProcess?.kill;
  if (nodeProcess && nodeKill) {
    freeze(nodeProcess, "kill", (pid: unknown, ...rest: unknown[]) => {
      report("kill ", pid);
      return nodeKill.call(nodeProcess, pid, ...rest);
    });
  }
}

function freeze(target: object, key: string, value: unknown) {
  try {
    Object.defineProperty(target, key, { value, writable: false, configurable: false });
  } catch {
    // already non-configurable: the denial stays a denial, only unreported
  }
}

async function describe(load: PluginImport): Promise<never> {
  try {
    const plugin = await loadPlugin(load, undefined);
    const text = JSON.stringify({ ok: true, ...describePlugin(plugin) });
    await writeAll(Deno.stdout, text + "\n");
    return exitProcess(RUNNER_EXIT.ok);
  } catch (error) {
    await writeAll(Deno.stdout, JSON.stringify({ ok: false, error: errorText(error) }) + "\n");
    return exitProcess(RUNNER_EXIT.invalidPlugin);
  }
}

async function loadPlugin(load: PluginImport, expectedName: string | undefined): Promise<Plugin> {
  const module = await load();
  const plugin = module.default;
  if (!isPlugin(plugin)) {
    throw new Error(
      "the plugin file must `export default definePlugin({...})` (imported from @quicksilver/sdk)",
    );
  }
  if (expectedName !== undefined && plugin.name !== expectedName) {
    throw new Error(`the plugin calls itself "${plugin.name}" but its file is ${expectedName}.ts`);
  }
  return plugin;
}

/**
 * The launch config is the first line on stdin. The rest of stdin is the lifeline: `lifeline`
 * resolves when it ends (the manager closed it, or died and the OS closed it).
 */
async function readLaunchConfig(): Promise<{ config: LaunchConfig; lifeline: Promise<void> }> {
  const reader = Deno.stdin.readable.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let ended = false;
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) {
      ended = true;
      break;
    }
    text += decoder.decode(value, { stream: true });
  }
  const lifeline = ended ? Promise.resolve() : (async () => {
    try {
      while (!(await reader.read()).done) { /* nothing else is sent */ }
    } catch {
      // a broken pipe is an end too
    }
  })();
  try {
    const firstLine = text.split("\n")[0] ?? "";
    return {
      config: validate(LaunchConfigSchema, JSON.parse(firstLine), "launch config"),
      lifeline,
    };
  } catch (error) {
    await writeAll(
      Deno.stderr,
      `quicksilver-runner: invalid launch config on stdin: ${errorText(error)}\n`,
    );
    return exitProcess(RUNNER_EXIT.invalidPlugin);
  }
}

async function writeAll(target: { write(p: Uint8Array): Promise<number> }, text: string) {
  let data = new TextEncoder().encode(text);
  while (data.length > 0) data = data.subarray(await target.write(data));
}
