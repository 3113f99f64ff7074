/**
 * nats-server lifecycle: find (or provision) the binary, start it with the project's
 * `nats.conf`, wait for `/healthz`, stop it cleanly. `deno task nats|dev|test` and the test
 * harness all use this, so tests run the same configuration as production, on free ports in
 * a temp dir.
 */
import { loadOrCreateAuthority } from "@quicksilver/core";
import type { Authority } from "@quicksilver/core";
import { type Logger, silentLogger } from "@quicksilver/core";

export const REPO_ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
export const DEFAULT_CONFIG = `${REPO_ROOT}/nats.conf`;
/** The gitignored runtime state dir: JetStream store, generated auth, plugin data, logs. */
export const DEFAULT_STATE_DIR = ".rosey";

/** nats-server is missing and could not be installed; the message says how to install it. */
export class NatsServerNotFoundError extends Error {
  override name = "NatsServerNotFoundError";
}

/** nats-server did not start or did not become healthy. */
export class NatsServerStartError extends Error {
  override name = "NatsServerStartError";
}

const SEARCH_DIRS = ["/usr/sbin", "/usr/local/sbin", "/usr/local/bin", "/usr/bin", "/sbin", "/bin"];

async function isExecutable(path: string): Promise<boolean> {
  try {
    const info = await Deno.stat(path);
    return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

async function lookup(): Promise<string | undefined> {
  const explicit = Deno.env.get("NATS_SERVER_BIN");
  if (explicit) return (await isExecutable(explicit)) ? explicit : undefined;
  const path = (Deno.env.get("PATH") ?? "").split(":").filter(Boolean);
  for (const dir of [...path, ...SEARCH_DIRS]) {
    const candidate = `${dir}/nats-server`;
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function run(cmd: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return { ok: out.success, output: text };
  } catch (error) {
    return { ok: false, output: String(error) };
  }
}

const HOW_TO_INSTALL = [
  "nats-server (2.9 or newer) is needed and was not found.",
  "Install it with one of:",
  "  sudo apt-get install -y nats-server        # Debian/Ubuntu",
  "  brew install nats-server                   # macOS",
  "  go install github.com/nats-io/nats-server/v2@latest",
  "or point NATS_SERVER_BIN at the binary, then run the command again.",
].join("\n");

/**
 * Finds nats-server: `$NATS_SERVER_BIN`, `PATH`, the usual sbin dirs; else, as root with apt,
 * installs Debian's package; else throws {@linkcode NatsServerNotFoundError} saying how.
 */
export async function findNatsServer(
  options: { install?: boolean; logger?: Logger } = {},
): Promise<string> {
  const found = await lookup();
  if (found) return found;
  const log = options.logger ?? silentLogger;
  const isRoot = Deno.uid?.() === 0;
  const hasApt = await isExecutable("/usr/bin/apt-get");
  if ((options.install ?? true) && isRoot && hasApt) {
    log.info("nats-server not found; installing Debian's package (apt-get install nats-server)");
    let result = await run("apt-get", ["install", "-y", "-qq", "nats-server"]);
    if (!result.ok) {
      await run("apt-get", ["update", "-qq"]);
      result = await run("apt-get", ["install", "-y", "-qq", "nats-server"]);
    }
    const installed = await lookup();
    if (installed) return installed;
    throw new NatsServerNotFoundError(
      `${HOW_TO_INSTALL}\n(apt-get install failed: ${result.output.trim().slice(-400)})`,
    );
  }
  throw new NatsServerNotFoundError(
    isRoot || !hasApt ? HOW_TO_INSTALL : `${HOW_TO_INSTALL}\n(not root, so apt was not tried)`,
  );
}

export interface NatsServerOptions {
  /** The nats.conf to use; default the repository's. */
  configPath?: string;
  /** Working dir: relative paths in the config (state dir, include) resolve from here. */
  cwd?: string;
  /** Override the client port (`-p`); default the config's (4222). */
  port?: number;
  /** Override the monitoring port (`-m`); default the config's (8222). */
  httpPort?: number;
  /** Where the server's log goes; default `<cwd>/<stateDir>/nats-server.log`. */
  logFile?: string;
  /** Runtime state dir, relative to cwd. Default `.rosey`. */
  stateDir?: string;
  logger?: Logger;
  /** How long to wait for `/healthz`. Default 15 s. */
  readyTimeoutMs?: number;
}

/** A running nats-server. `stop()` is graceful; `kill()` is `kill -9` for failure tests. */
export class NatsServer {
  readonly binary: string;
  readonly options: Required<Omit<NatsServerOptions, "logger" | "readyTimeoutMs">>;
  readonly authority: Authority;
  #process: Deno.ChildProcess | undefined;
  #log: Logger;
  #readyTimeoutMs: number;

  private constructor(
    binary: string,
    options: NatsServer["options"],
    authority: Authority,
    log: Logger,
    readyTimeoutMs: number,
  ) {
    this.binary = binary;
    this.options = options;
    this.authority = authority;
    this.#log = log;
    this.#readyTimeoutMs = readyTimeoutMs;
  }

  /** Ensures the auth setup exists, starts the server and waits until it is healthy. */
  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    const log = options.logger ?? silentLogger;
    const binary = await findNatsServer({ logger: log });
    const cwd = options.cwd ?? REPO_ROOT;
    const stateDir = options.stateDir ?? DEFAULT_STATE_DIR;
    const absoluteState = stateDir.startsWith("/") ? stateDir : `${cwd}/${stateDir}`;
    await Deno.mkdir(absoluteState, { recursive: true, mode: 0o700 });
    const authority = await loadOrCreateAuthority(absoluteState);
    const resolved = {
      configPath: options.configPath ?? DEFAULT_CONFIG,
      cwd,
      port: options.port ?? 4222,
      httpPort: options.httpPort ?? 8222,
      logFile: options.logFile ?? `${absoluteState}/nats-server.log`,
      stateDir,
    };
    const server = new NatsServer(
      binary,
      resolved,
      authority,
      log,
      options.readyTimeoutMs ?? 15_000,
    );
    await server.#spawn();
    return server;
  }

  /** `nats://127.0.0.1:<port>` style address for clients (an IP literal: see NOTES-SANDBOX §1). */
  get url(): string {
    return `127.0.0.1:${this.options.port}`;
  }

  get monitorUrl(): string {
    return `http://127.0.0.1:${this.options.httpPort}`;
  }

  get pid(): number | undefined {
    return this.#process?.pid;
  }

  async #spawn(): Promise<void> {
    assertPortFree(this.options.port, "client");
    assertPortFree(this.options.httpPort, "monitoring");
    const args = [
      "-c",
      this.options.configPath,
      "-p",
      String(this.options.port),
      "-m",
      String(this.options.httpPort),
      "-l",
      this.options.logFile,
    ];
    // The kernel stops the server when its owner dies, however it dies (SIGKILL, Deno.exit in
    // the middle of start-up, a crash): `setpriv --pdeathsig TERM` asks for SIGTERM, nats-server's
    // graceful shutdown (JetStream flushes its store). setpriv execs the server: same pid.
    const setpriv = findSetpriv();
    const child = new Deno.Command(setpriv ?? this.binary, {
      args: setpriv ? ["--pdeathsig", "TERM", "--", this.binary, ...args] : args,
      cwd: this.options.cwd,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#process = child;
    const stderr = collect(child.stderr);
    const exited = child.status.then((status) => status);
    const deadline = Date.now() + this.#readyTimeoutMs;
    while (Date.now() < deadline) {
      const early = await Promise.race([exited, delay(50).then(() => undefined)]);
      if (early) {
        throw new NatsServerStartError(
          `nats-server exited with code ${early.code} during start-up.\n` +
            `${(await stderr).trim()}\n${await tail(this.options.logFile)}`,
        );
      }
      if (await healthy(this.monitorUrl)) {
        this.#log.info("nats-server ready", {
          url: this.url,
          monitoring: this.monitorUrl,
          pid: child.pid,
        });
        return;
      }
    }
    child.kill("SIGKILL");
    await exited;
    throw new NatsServerStartError(
      `nats-server did not report healthy on ${this.monitorUrl}/healthz within ` +
        `${this.#readyTimeoutMs} ms.\n${await tail(this.options.logFile)}`,
    );
  }

  /** Graceful stop (SIGTERM), then SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    const child = this.#process;
    if (!child) return;
    this.#process = undefined;
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }, graceMs);
    await child.status;
    clearTimeout(timer);
  }

  /** `kill -9`, for failure tests: no goodbye to clients, JetStream recovers on restart. */
  async kill(): Promise<void> {
    const child = this.#process;
    if (!child) return;
    this.#process = undefined;
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
  }

  /** Starts the server again with the same ports, config and state. */
  async restart(): Promise<void> {
    await this.stop();
    await this.#spawn();
  }

  /** Starts it again after a `kill()`. */
  async start(): Promise<void> {
    if (this.#process) return;
    await this.#spawn();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

async function healthy(monitorUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${monitorUrl}/healthz`, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

function assertPortFree(port: number, what: string): void {
  try {
    const listener = Deno.listen({ hostname: "127.0.0.1", port });
    listener.close();
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new NatsServerStartError(
        `the NATS ${what} port 127.0.0.1:${port} is already in use; stop the other server ` +
          `(another \`deno task dev\` or \`deno task nats\`?) or choose another port`,
      );
    }
    throw error;
  }
}

/** A private server in its own temp dir; `close()` stops it and removes the dir. */
export interface EphemeralNatsServer extends AsyncDisposable {
  readonly server: NatsServer;
  readonly dir: string;
  close(): Promise<void>;
}

/**
 * A private server for tests and benchmarks: the project's nats.conf copied into a fresh temp
 * dir, on free ports, with its own operator and accounts.
 */
export async function startEphemeralNatsServer(
  options: { logger?: Logger } = {},
): Promise<EphemeralNatsServer> {
  const dir = await Deno.makeTempDir({ prefix: "quicksilver-nats-" });
  await Deno.copyFile(DEFAULT_CONFIG, `${dir}/nats.conf`);
  const server = await NatsServer.start({
    configPath: `${dir}/nats.conf`,
    cwd: dir,
    port: freePort(),
    httpPort: freePort(),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const close = async () => {
    await server.stop();
    await Deno.remove(dir, { recursive: true }).catch(() => undefined);
  };
  return { server, dir, close, [Symbol.asyncDispose]: close };
}

/** A free TCP port on 127.0.0.1 (the OS picks; tiny race with other processes, fine for tests). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<string> {
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    if (text.length < 20_000) text += decoder.decode(chunk, { stream: true });
  }
  return text;
}

async function tail(file: string, lines = 15): Promise<string> {
  try {
    return (await Deno.readTextFile(file)).trim().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** util-linux's setpriv in the usual system dirs, or null (then only `stop()` ends the server). */
function findSetpriv(): string | null {
  for (const dir of ["/usr/bin", "/bin", "/usr/local/bin"]) {
    try {
      if (Deno.statSync(`${dir}/setpriv`).isFile) return `${dir}/setpriv`;
    } catch {
      // not here
    }
  }
  return null;
}
