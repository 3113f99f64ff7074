/**
 * Cluster figures for `deno task bench cluster`: the chaos run's set-up without kills
 * (`scripts/chaos.ts --kill ""`), a three-node TLS cluster, the fake CyTube server and each
 * component its own `deno task start` process, with 1 router and 1 plugin host, 2 routers and 1
 * plugin host, and 2 routers and 2 plugin hosts (dice replicas), each at the given rates.
 * Latency is from the chat line typed in the fake channel to the bot's answer accepted there,
 * so it includes the connector and both CyTube hops, unlike the single-server figures (which
 * start at the normalized event).
 *
 * @module
 */
import { REPO_ROOT } from "@quicksilver/testbed";

/** One configuration at one rate. */
export interface ClusterFigure {
  routers: number;
  pluginHosts: number;
  delivery: string;
  offeredPerSecond: number;
  sent: number;
  answered: number;
  answeredTwice: number;
  p50: number | null;
  p99: number | null;
}

export const CLUSTER_TOPOLOGIES = [
  { routers: 1, pluginHosts: 1 },
  { routers: 2, pluginHosts: 1 },
  { routers: 2, pluginHosts: 2 },
] as const;

/** Runs each topology at each rate for `seconds` (at least 10), one after the other. */
export async function measureCluster(
  rates: readonly number[],
  seconds: number,
  onFigure: (figure: ClusterFigure) => void = () => {},
): Promise<ClusterFigure[]> {
  const figures: ClusterFigure[] = [];
  for (const topology of CLUSTER_TOPOLOGIES) {
    for (const rate of rates) {
      const output = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          `${REPO_ROOT}/scripts/chaos.ts`,
          "--kill",
          "",
          "--no-standby",
          "--seconds",
          String(Math.max(10, seconds)),
          "--rate",
          String(rate),
          "--routers",
          String(topology.routers),
          "--plugin-hosts",
          String(topology.pluginHosts),
        ], // deno-fmt-ignore
        cwd: REPO_ROOT,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const line = new TextDecoder().decode(output.stdout).trim().split("\n").at(-1) ?? "";
      let run;
      try {
        run = JSON.parse(line);
      } catch {
        throw new Error(
          `the cluster run (${topology.routers} routers, ${topology.pluginHosts} plugin hosts, ` +
            `${rate}/s) gave no JSON line:\n${
              new TextDecoder().decode(output.stderr).slice(-3000)
            }`,
        );
      }
      const figure: ClusterFigure = {
        ...topology,
        delivery: run.delivery,
        offeredPerSecond: rate,
        sent: run.sent,
        answered: run.answered,
        answeredTwice: run.answeredTwice,
        p50: run.latency.outside.p50,
        p99: run.latency.outside.p99,
      };
      figures.push(figure);
      onFigure(figure);
    }
  }
  return figures;
}
