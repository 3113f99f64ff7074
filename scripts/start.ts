/**
 * `deno task start <component>... [--only a,b] [--config rosey.yaml] [--home <dir>]`: runs just
 * the named components in this process, against NATS servers that already run (a single
 * `deno task nats`, `deno task cluster`, or a deployment's), so that each component can be its
 * own process on its own machine (issue 13). `deno task dev` stays the one-process default.
 *
 * Components: `router`, `plugins` (the plugin host), `shell` (the console chat on this
 * terminal), and every component of app/components.ts by its section key (`monitor`,
 * `chatlog`, `stats`, `moderator`, `web`, `cytube`, `irc`, `twitch`).
 *
 * Where it connects, from `rosey.yaml` or the environment (the environment wins):
 * - servers: `nats.servers` / `ROSEY_NATS_SERVERS` (comma-separated), else `nats.url`;
 * - TLS: `nats.tls` {ca, cert?, key?} / `ROSEY_NATS_TLS_CA`, `_CERT`, `_KEY` (PEM paths);
 * - credentials: `nats.credentials.<component>` / `ROSEY_NATS_CREDS_<COMPONENT>` (a `.creds`
 *   file path), else minted from this machine's `.rosey/auth` if it holds the authority.
 * A missing piece is a {@linkcode ConfigError} naming the file, key and fix (exit code 2).
 * Ctrl-C or SIGTERM stops the components in reverse start order.
 */
import { parseArgs } from "node:util";
import {
  type Authority,
  authorityPaths,
  type BusTlsFiles,
  type Component,
  ConfigError,
  createLogger,
  type Delivery,
  ensureCoreStreams,
  EventBus,
  loadOrCreateAuthority,
  type Logger,
  mintUser,
  parseScopedKeyFile,
  type ScopedSigningKey,
  type ServiceRole,
  streamAdminRole,
} from "@quicksilver/core";
import { COMPONENTS, loadConfig, type QuicksilverConfig } from "../app/mod.ts";
import { ShellConnector, shellConnectorRole } from "../connectors/shell/mod.ts";
import { REPO_ROOT } from "@quicksilver/testbed";
import { componentKey, shellOptions, startComponent } from "./_assembly.ts";
import { startPluginHost } from "./_dev_plugins.ts";
import { pluginHostRole, pluginServerAddresses } from "@quicksilver/sandbox";

const USAGE = "usage: deno task start <component>... [--only a,b] [--config rosey.yaml] " +
  "[--home <dir>]\ncomponents: router, plugins, shell, " +
  COMPONENTS.map(componentKey).filter((key) => key !== "router").join(", ");

/** Where the plain `.rosey/auth` fallback and the plugin host look for the authority. */
const LOCAL_AUTHORITY_HINT = "the machine that holds .rosey/auth/authority.nk (deno task nats " +
  "created it)";

const { values: flags, positionals } = parseArgs({
  args: Deno.args,
  options: {
    only: { type: "string" },
    config: { type: "string" },
    home: { type: "string" },
    help: { type: "boolean", short: "h", default: false },
  },
  allowPositionals: true,
  strict: true,
});
if (flags.help) {
  console.log(USAGE);
  Deno.exit(0);
}

const byKey = new Map<string, Component>(COMPONENTS.map((c) => [componentKey(c), c]));
const known = new Set(["plugins", "shell", ...byKey.keys()]);
const wanted = [...positionals, ...(flags.only ?? "").split(",")].map((s) => s.trim())
  .filter(Boolean);
const unknown = wanted.filter((name) => !known.has(name));
if (wanted.length === 0 || unknown.length > 0) {
  console.error(
    `${unknown.length ? `unknown component ${unknown.map((u) => `"${u}"`).join(", ")}\n` : ""}` +
      USAGE,
  );
  Deno.exit(2);
}

const home = flags.home ? await Deno.realPath(flags.home) : REPO_ROOT;
const stateDir = `${home}/.rosey`;
const log: Logger = createLogger({}).child({ component: "start" });
const stack: { what: string; stop: () => Promise<void> }[] = [];
let stopping: Promise<void> | undefined;

function stopAll(reason: string): Promise<void> {
  stopping ??= (async () => {
    log.info("stopping", { reason });
    for (const { what, stop } of stack.reverse()) {
      await stop().catch((error) =>
        log.warn(`${what} did not stop cleanly`, { error: String(error) })
      );
    }
  })();
  return stopping;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => void stopAll(signal).then(() => Deno.exit(0)));
}

try {
  const config = await loadConfig(flags.config, { baseDir: home });
  await run(config);
} catch (error) {
  await stopAll("start-up failed");
  console.error(error instanceof ConfigError ? error.message : `deno task start: ${error}`);
  Deno.exit(error instanceof ConfigError ? 2 : 1);
}

async function run(config: QuicksilverConfig): Promise<void> {
  const file = config.file ?? "rosey.yaml (none; built-in defaults)";
  const env = (name: string) => Deno.env.get(name)?.trim() || undefined;
  const servers = env("ROSEY_NATS_SERVERS")?.split(",").map((s) => s.trim()) ??
    config.nats.servers ?? [config.nats.url];
  const tls = await tlsFiles(config, file, env);
  let authority: Authority | undefined;
  const localAuthority = async (): Promise<Authority | undefined> => {
    try {
      await Deno.stat(authorityPaths(stateDir).secrets);
    } catch {
      return undefined;
    }
    return authority ??= await loadOrCreateAuthority(stateDir);
  };

  /** The `.creds` text of one component: config file, environment, or the local authority. */
  const credsFor = async (key: string, role: ServiceRole): Promise<string> => {
    const envName = `ROSEY_NATS_CREDS_${key.toUpperCase().replaceAll("-", "_")}`;
    const path = env(envName) ?? config.nats.credentials[key];
    if (path) {
      const where = env(envName) ? `environment ${envName}` : `nats.credentials.${key}`;
      try {
        return await Deno.readTextFile(path.startsWith("/") ? path : `${home}/${path}`);
      } catch (error) {
        throw new ConfigError(
          file,
          `nats.credentials.${key}`,
          `cannot read the credentials file "${path}" (from ${where}): ${
            (error as Error).message
          }; ` +
            `give the path of ${key}'s .creds file (deno task auth creds ${key})`,
        );
      }
    }
    const local = await localAuthority();
    if (local) return (await mintUser(local, role)).creds;
    throw new ConfigError(
      file,
      `nats.credentials.${key}`,
      `no NATS credentials for ${key}: set nats.credentials.${key} to its .creds file path ` +
        `(made by deno task auth creds ${key}), or ${envName}, or run it on ` +
        LOCAL_AUTHORITY_HINT,
    );
  };
  const connectAs = async (key: string, role: ServiceRole): Promise<EventBus> => {
    const bus = await EventBus.connect({
      servers,
      name: role.name,
      creds: await credsFor(key, role),
      ...(tls ? { tls } : {}),
      logger: log,
      connectTimeoutMs: 15_000,
    });
    stack.push({ what: `${role.name} connection`, stop: () => bus.drain() });
    return bus;
  };

  // Core streams: created by whoever may (idempotent); a process without the stream admin's
  // credentials expects them to exist already.
  if (
    config.nats.credentials["streams"] || env("ROSEY_NATS_CREDS_STREAMS") || await localAuthority()
  ) {
    const admin = await connectAs("streams", streamAdminRole());
    await ensureStreamsPatiently(admin, config.nats.delivery);
  }

  const dirs = {
    logs: config.logging.dir.startsWith("/") ? config.logging.dir : `${home}/${config.logging.dir}`,
    state: stateDir,
  };
  if (wanted.includes("plugins")) {
    // Plugins may dial exactly the configured servers (their --allow-net), so each must be an
    // IP literal: a sandboxed plugin may not look up names.
    let pluginServers: string[];
    try {
      pluginServers = pluginServerAddresses(servers);
    } catch (error) {
      throw new ConfigError(
        file,
        env("ROSEY_NATS_SERVERS") ? "ROSEY_NATS_SERVERS" : "nats.servers",
        `the plugin host's sandboxed plugins dial every server: ${(error as Error).message}`,
      );
    }
    // With the account key (this machine holds .rosey/auth) the host mints as it always did;
    // without it, with the plugin signing key and its own .creds (issue 13 point 3).
    const hostAuthority = await localAuthority();
    const signing = hostAuthority ? undefined : await pluginSigningKey(config, file, env);
    if (!hostAuthority && !signing) {
      throw new ConfigError(
        file,
        "nats.credentials.plugin-signing-key",
        `the plugin host mints its plugins' users: give it the plugin signing key ` +
          `(nats.credentials.plugin-signing-key or ROSEY_NATS_CREDS_PLUGIN_SIGNING_KEY, made by ` +
          `deno task auth plugin-host-key) and its own .creds (nats.credentials.plugins, made by ` +
          `deno task auth creds plugins), or run it on ` + LOCAL_AUTHORITY_HINT,
      );
    }
    const hostBus = signing ? await connectAs("plugins", pluginHostRole()) : undefined;
    const host = await startPluginHost({
      config,
      servers: pluginServers,
      ...(tls ? { tls } : {}),
      ...(hostAuthority ? { authority: hostAuthority } : {}),
      ...(signing && hostBus ? { pluginSigningKey: signing, bus: hostBus } : {}),
      stateDir,
      logger: log,
    });
    stack.push({ what: "plugin host", stop: () => host.stop() });
  }
  // Services before connectors (COMPONENTS is in that order), as in dev.
  for (const component of COMPONENTS) {
    const key = componentKey(component);
    if (!wanted.includes(key)) continue;
    const bus = await connectAs(key, component.role());
    const running = await startComponent(component, bus, config, dirs, log);
    stack.push({ what: component.name, stop: () => running.close() });
    if (running.notice) console.error(running.notice);
  }
  let shell: ShellConnector | undefined;
  if (wanted.includes("shell")) {
    shell = await ShellConnector.start(
      await connectAs("shell", shellConnectorRole()),
      shellOptions(config, {
        input: Deno.stdin.readable,
        output: Deno.stdout.writable,
        banner: Deno.stdin.isTerminal(),
      }, log),
    );
    const started = shell;
    stack.push({ what: "shell connector", stop: () => started.close() });
  }
  console.error(`started ${wanted.join(", ")} on ${servers.join(", ")}${tls ? " (TLS)" : ""}`);
  if (shell) {
    const why = await shell.done;
    await stopAll(`shell ${why}`);
    Deno.exit(0);
  }
}

/**
 * Creates the core streams, retrying for up to 60 s while JetStream does not answer: a cluster
 * that just started (or lost a node) answers only once its nodes agreed on a leader.
 */
async function ensureStreamsPatiently(admin: EventBus, delivery: Delivery): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (let attempt = 1;; attempt++) {
    try {
      return await ensureCoreStreams(admin, { delivery });
    } catch (error) {
      if (Date.now() > deadline || !/timeout|no responders|503/i.test(String(error))) throw error;
      log.info("JetStream not answering yet; retrying", { attempt, error: String(error) });
      await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 200 * attempt)));
    }
  }
}

/** `nats.tls` or `ROSEY_NATS_TLS_*`, each file checked to be readable. */
async function tlsFiles(
  config: QuicksilverConfig,
  file: string,
  env: (name: string) => string | undefined,
): Promise<BusTlsFiles | undefined> {
  const ca = env("ROSEY_NATS_TLS_CA") ?? config.nats.tls?.ca;
  const cert = env("ROSEY_NATS_TLS_CERT") ?? config.nats.tls?.cert;
  const key = env("ROSEY_NATS_TLS_KEY") ?? config.nats.tls?.key;
  if (!ca && !cert && !key) return undefined;
  if (!ca) {
    throw new ConfigError(file, "nats.tls.ca", "a client certificate needs the CA file too");
  }
  for (const [name, path] of Object.entries({ ca, cert, key })) {
    if (!path) continue;
    try {
      await Deno.stat(path.startsWith("/") ? path : `${home}/${path}`);
    } catch {
      throw new ConfigError(
        file,
        `nats.tls.${name}`,
        `the file "${path}" does not exist; give the PEM file's path (deno task cluster writes ` +
          `them under .rosey/cluster/tls/)`,
      );
    }
  }
  const abs = (path: string) => path.startsWith("/") ? path : `${home}/${path}`;
  return { ca: abs(ca), ...(cert ? { cert: abs(cert) } : {}), ...(key ? { key: abs(key) } : {}) };
}

/**
 * The plugin signing key file named by `ROSEY_NATS_CREDS_PLUGIN_SIGNING_KEY` or
 * `nats.credentials.plugin-signing-key` (relative to the home dir), parsed; undefined if none.
 */
async function pluginSigningKey(
  config: QuicksilverConfig,
  file: string,
  env: (name: string) => string | undefined,
): Promise<ScopedSigningKey | undefined> {
  const path = env("ROSEY_NATS_CREDS_PLUGIN_SIGNING_KEY") ??
    config.nats.credentials["plugin-signing-key"];
  if (!path) return undefined;
  const full = path.startsWith("/") ? path : `${home}/${path}`;
  let text: string;
  try {
    text = await Deno.readTextFile(full);
  } catch (error) {
    throw new ConfigError(
      file,
      "nats.credentials.plugin-signing-key",
      `cannot read the plugin signing key "${path}": ${(error as Error).message}; write it with ` +
        `deno task auth plugin-host-key --out <file> on the machine that holds .rosey/auth`,
    );
  }
  try {
    return parseScopedKeyFile(text, full);
  } catch (error) {
    throw new ConfigError(file, "nats.credentials.plugin-signing-key", (error as Error).message);
  }
}
