/**
 * The command line of one node of the local cluster (`deno task cluster`): its config, name,
 * ports, routes and log, all under its own dir. Shared by the cluster script and the tests that
 * restart one node as the script started it.
 *
 * @module
 */

/** The loopback ports of the three nodes, index i for node `n<i+1>`. */
export interface ClusterPorts {
  client: readonly number[];
  monitor: readonly number[];
  route: readonly number[];
}

/** nats-server arguments for node `i` (0-based) whose files are in `dir`. */
export function clusterNodeArgs(dir: string, i: number, ports: ClusterPorts): string[] {
  const routes = ports.route.map((port) => `nats-route://127.0.0.1:${port}`).join(",");
  return [
    "-c",
    `${dir}/nats.conf`,
    "-n",
    `rosey-${i + 1}`,
    "-a",
    "127.0.0.1",
    "-p",
    String(ports.client[i]),
    "-m",
    String(ports.monitor[i]),
    "--cluster",
    `nats://127.0.0.1:${ports.route[i]}`,
    "--routes",
    routes,
    "-l",
    `${dir}/nats-server.log`,
  ]; // deno-fmt-ignore
}
