/**
 * `deno task cluster`: a local three-node NATS cluster in the foreground, as a real deployment
 * would run it (issue 13): routes, JetStream, TLS, operator mode with the full resolver,
 * monitoring per node. Clients on 127.0.0.1:4222/4223/4224 over TLS (CA:
 * `.rosey/cluster/tls/ca.pem`),
 * monitoring on 127.0.0.1:8222/8223/8224 (`/healthz?js-enabled-only=true`), routes on
 * 6222/6223/6224. Ctrl-C (or SIGTERM) stops all three.
 *
 * Each node runs `nats-cluster.conf` (the template a deployment copies) from its own dir
 * `.rosey/cluster/n<i>/`, with its name and ports on the command line and its `auth.conf`
 * generated from the installation's authority (`.rosey/auth`, shared with `deno task start`).
 * A throwaway CA and one server certificate (127.0.0.1, localhost) are made with openssl at
 * first run under `.rosey/cluster/tls/` (gitignored, never committed). The running line names
 * every node's pid, so that a failure test can stop or kill one.
 *
 * Flags: `--home <dir>` (its own `.rosey/`), `--client-ports a,b,c`, `--monitor-ports a,b,c`,
 * `--route-ports a,b,c` (tests run on free ports).
 */
import { parseArgs } from "node:util";
import {
  createLogger,
  loadOrCreateAuthority,
  seedResolverDir,
  serverAuthConfig,
} from "@quicksilver/core";
import { findNatsServer, NatsServerNotFoundError, REPO_ROOT, waitFor } from "@quicksilver/testbed";
import { clusterNodeArgs } from "./_cluster_node.ts";

const log = createLogger({ fields: { component: "cluster" } });
const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    home: { type: "string" },
    "client-ports": { type: "string", default: "4222,4223,4224" },
    "monitor-ports": { type: "string", default: "8222,8223,8224" },
    "route-ports": { type: "string", default: "6222,6223,6224" },
  },
  strict: true,
});

function ports(flag: "client-ports" | "monitor-ports" | "route-ports"): number[] {
  const list = flags[flag].split(",").map((p) => Number(p.trim()));
  if (list.length !== 3 || list.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
    console.error(`--${flag} "${flags[flag]}": give three ports, e.g. 4222,4223,4224`);
    Deno.exit(2);
  }
  return list;
}
const clientPorts = ports("client-ports");
const monitorPorts = ports("monitor-ports");
const routePorts = ports("route-ports");

const home = flags.home ? await Deno.realPath(flags.home) : REPO_ROOT;
const stateDir = `${home}/.rosey`;
const tlsDir = `${stateDir}/cluster/tls`;

/** Runs openssl; its output goes into the error when it fails. */
async function openssl(args: string[]): Promise<void> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("openssl", { args, cwd: tlsDir, stdout: "piped", stderr: "piped" })
      .output();
  } catch (error) {
    throw new Error(
      `openssl is needed to make the cluster's throwaway CA and was not found (${error}); ` +
        `install it (apt-get install openssl) or put your own ca.pem, server-cert.pem and ` +
        `server-key.pem in ${tlsDir}`,
    );
  }
  if (!out.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
}

/**
 * The CA and the server certificate, made once. The server certificate is valid for 127.0.0.1
 * and localhost and for both server and client use (routes between nodes verify each other).
 */
async function ensureTls(): Promise<void> {
  await Deno.mkdir(tlsDir, { recursive: true, mode: 0o700 });
  const exists = await Deno.stat(`${tlsDir}/server-cert.pem`).then(() => true, () => false);
  if (exists) return;
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl([
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "ca-key.pem",
    "-out",
    "ca.pem",
    "-days",
    "3650",
    "-subj",
    "/CN=Quicksilver local cluster CA (throwaway)",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]); // deno-fmt-ignore
  await openssl([
    "req", ...ec, "-keyout", "server-key.pem", "-out", "server.csr", "-subj", "/CN=localhost",
  ]); // deno-fmt-ignore
  await Deno.writeTextFile(
    `${tlsDir}/server.ext`,
    "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n" +
      "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n",
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca-key.pem",
    "-CAcreateserial",
    "-out",
    "server-cert.pem",
    "-days",
    "825",
    "-extfile",
    "server.ext",
  ]); // deno-fmt-ignore
  for (const key of ["ca-key.pem", "server-key.pem"]) await Deno.chmod(`${tlsDir}/${key}`, 0o600);
  log.info("made a throwaway CA and server certificate", { dir: tlsDir });
}

interface Node {
  name: string;
  dir: string;
  child: Deno.ChildProcess;
  monitor: string;
}

const nodes: Node[] = [];
let stopping: Promise<void> | undefined;

/** SIGTERM to every node (nats-server's clean shutdown), SIGKILL past 10 s. */
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    await Promise.all(nodes.map(async (node) => {
      try {
        node.child.kill("SIGTERM");
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          node.child.kill("SIGKILL");
        } catch {
          // gone
        }
      }, 10_000);
      await node.child.status;
      clearTimeout(timer);
    }));
  })();
  return stopping;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => {
    log.info("stopping the cluster");
    void stopAll().then(() => Deno.exit(0));
  });
}

/**
 * Every node healthy with JetStream, and all of them agreeing on a meta leader: before that a
 * JetStream request (creating a stream) times out, though `/healthz` already answers 200.
 */
async function clusterReady(): Promise<boolean> {
  const leaders = await Promise.all(nodes.map(async (node) => {
    if (!await healthy(`${node.monitor}/healthz?js-enabled-only=true`)) return undefined;
    try {
      const jsz = await (await fetch(`${node.monitor}/jsz`, { signal: AbortSignal.timeout(1000) }))
        .json();
      return (jsz.meta_cluster?.leader as string | undefined) || undefined;
    } catch {
      return undefined;
    }
  }));
  return leaders.every((leader) => leader !== undefined && leader === leaders[0]);
}

async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

try {
  const binary = await findNatsServer({ logger: log });
  await ensureTls();
  const authority = await loadOrCreateAuthority(stateDir);
  for (const i of clientPorts.keys()) {
    const name = `n${i + 1}`;
    const dir = `${stateDir}/cluster/${name}`;
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
    await Deno.copyFile(`${REPO_ROOT}/nats-cluster.conf`, `${dir}/nats.conf`);
    await seedResolverDir(authority, `${dir}/jwt`);
    await Deno.writeTextFile(`${dir}/auth.conf`, serverAuthConfig(authority, `${dir}/jwt`));
    const args = clusterNodeArgs(dir, i, {
      client: clientPorts,
      monitor: monitorPorts,
      route: routePorts,
    });
    const child = new Deno.Command("setpriv", {
      // The kernel stops the node when this process dies, however it dies (as for dev's server).
      args: ["--pdeathsig", "TERM", "--", binary, ...args],
      cwd: dir,
      stdin: "null",
      stdout: "null",
      stderr: "inherit",
    }).spawn();
    nodes.push({ name, dir, child, monitor: `http://127.0.0.1:${monitorPorts[i]}` });
  }
  const exited = Promise.race(nodes.map((node) => node.child.status.then(() => node)));
  const ready = waitFor(clusterReady, {
    timeoutMs: 30_000,
    intervalMs: 100,
    what: "all three nodes to report healthy and agree on a JetStream leader",
  });
  const first = await Promise.race([ready.then(() => undefined), exited]);
  if (first) {
    throw new Error(`node ${first.name} exited during start-up; see ${first.dir}/nats-server.log`);
  }
  console.error(
    `NATS cluster is running: clients tls://127.0.0.1:${clientPorts.join(", :")} ` +
      `(CA ${tlsDir}/ca.pem), monitoring http://127.0.0.1:${monitorPorts.join(", :")}, ` +
      `pids ${nodes.map((node) => node.child.pid).join(", ")}. ` +
      `Ctrl-C to stop.`,
  );
  // A node that stops (killed in a failure test, crashed) is reported; the others keep running.
  await Promise.all(nodes.map(async (node) => {
    const status = await node.child.status;
    if (!stopping) {
      console.error(
        `node ${node.name} stopped (${status.signal ?? `exit ${status.code}`}); ` +
          `see ${node.dir}/nats-server.log`,
      );
    }
  }));
} catch (error) {
  await stopAll();
  console.error(error instanceof NatsServerNotFoundError ? error.message : String(error));
  Deno.exit(1);
}
