/** Test helpers: `deno task start` and `deno task cluster` as child processes of a test. */
import { findNatsServer, freePort, NatsServer, REPO_ROOT, waitFor } from "@quicksilver/testbed";
import { clusterNodeArgs } from "../../scripts/_cluster_node.ts";

/** One `scripts/start.ts` process, its output collected as it arrives. */
export class StartProcess implements AsyncDisposable {
  stdout = "";
  stderr = "";
  readonly child: Deno.ChildProcess;
  readonly #reading: Promise<unknown>;
  readonly #input: WritableStreamDefaultWriter<Uint8Array>;

  constructor(home: string, args: string[], env: Record<string, string> = {}) {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", `${REPO_ROOT}/scripts/start.ts`, "--home", home, ...args],
      cwd: home,
      env,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.child = child;
    this.#input = child.stdin.getWriter();
    this.#reading = Promise.all([
      (async () => {
        for await (const s of child.stdout.pipeThrough(new TextDecoderStream())) {
          this.stdout += s;
        }
      })(),
      (async () => {
        for await (const s of child.stderr.pipeThrough(new TextDecoderStream())) {
          this.stderr += s;
        }
      })(),
    ]);
  }

  async started(): Promise<void> {
    await waitFor(() => this.stderr.includes("started "), {
      timeoutMs: 60_000,
      what: "the component to start",
    }).catch((error) => {
      throw new Error(`${(error as Error).message}\n${this.stderr}`);
    });
  }

  type(line: string): Promise<void> {
    return this.#input.write(new TextEncoder().encode(`${line}\n`));
  }

  async exitCode(): Promise<number> {
    await this.#input.close().catch(() => undefined);
    const { code } = await this.child.status;
    await this.#reading;
    return code;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await this.exitCode();
  }
}

export async function withHome(fn: (home: string) => Promise<void>): Promise<void> {
  const home = await Deno.makeTempDir({ prefix: "quicksilver-start-" });
  try {
    await fn(home);
  } finally {
    await Deno.remove(home, { recursive: true }).catch(() => undefined);
  }
}

/**
 * A single nats-server with the repository's `nats.conf` copied into `home` (its accounts and
 * keys go there, as `deno task nats` puts them in a checkout), on free client and monitoring
 * ports. Dispose it (`await using`) to stop it.
 */
export async function startHomeNats(home: string): Promise<NatsServer> {
  await Deno.copyFile(`${REPO_ROOT}/nats.conf`, `${home}/nats.conf`);
  return await NatsServer.start({
    configPath: `${home}/nats.conf`,
    cwd: home,
    port: freePort(),
    httpPort: freePort(),
  });
}

/** `deno task cluster` on free ports in `home`, up and healthy; `close()` stops it (SIGINT). */
export class ClusterProcess implements AsyncDisposable {
  stderr = "";
  readonly child: Deno.ChildProcess;
  readonly client: number[];
  readonly monitor: number[];
  readonly route: number[];
  pids: number[] = [];
  readonly #home: string;
  readonly #reading: Promise<unknown>;
  /** Nodes started again by {@linkcode ClusterProcess.restartNode}, stopped on close. */
  readonly #restarted: Deno.ChildProcess[] = [];

  private constructor(home: string) {
    const ports = () => [freePort(), freePort(), freePort()];
    this.#home = home;
    this.client = ports();
    this.monitor = ports();
    const route = ports();
    this.route = route;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        `${REPO_ROOT}/scripts/cluster.ts`,
        "--home",
        home,
        "--client-ports",
        this.client.join(","),
        "--monitor-ports",
        this.monitor.join(","),
        "--route-ports",
        route.join(","),
      ], // deno-fmt-ignore
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.child = child;
    this.#reading = (async () => {
      for await (const s of child.stderr.pipeThrough(new TextDecoderStream())) this.stderr += s;
    })();
  }

  static async start(home: string): Promise<ClusterProcess> {
    const cluster = new ClusterProcess(home);
    await waitFor(() => cluster.stderr.includes("NATS cluster is running"), {
      timeoutMs: 60_000,
      what: "the cluster to start",
    }).catch(async (error) => {
      await cluster.close();
      throw new Error(`${(error as Error).message}\n${cluster.stderr}`);
    });
    cluster.pids = /pids (\d+), (\d+), (\d+)/.exec(cluster.stderr)!.slice(1).map(Number);
    return cluster;
  }

  /** `tls://127.0.0.1:<port>` of node `i` (0..2). */
  url(i: number): string {
    return `tls://127.0.0.1:${this.client[i]}`;
  }

  /**
   * Starts node `i` (0..2) again after it stopped, as an operator's service manager would after
   * maintenance: the same binary, config dir, name and ports as `scripts/cluster.ts` gave it (its
   * JetStream store and resolver dir are kept). Resolves once the node answers `/healthz` (its
   * streams and consumers current); the node's pid replaces the old one in `pids`.
   */
  async restartNode(i: number): Promise<void> {
    const dir = `${this.#home}/.rosey/cluster/n${i + 1}`;
    const binary = await findNatsServer();
    const child = new Deno.Command(binary, {
      args: clusterNodeArgs(dir, i, this),
      cwd: dir,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    this.#restarted.push(child);
    this.pids[i] = child.pid;
    await waitFor(async () => {
      try {
        const response = await fetch(`http://127.0.0.1:${this.monitor[i]}/healthz`, {
          signal: AbortSignal.timeout(1000),
        });
        await response.body?.cancel();
        return response.ok;
      } catch {
        return false;
      }
    }, { timeoutMs: 30_000, intervalMs: 200, what: `node n${i + 1} to be healthy again` });
  }

  async close(): Promise<void> {
    try {
      this.child.kill("SIGINT");
    } catch {
      // gone
    }
    for (const node of this.#restarted) {
      try {
        node.kill("SIGTERM");
      } catch {
        // gone
      }
      await node.status;
    }
    await this.child.status;
    await this.#reading;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
