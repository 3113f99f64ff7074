/**
 * A stop signal at any moment of `deno task dev`, start-up included, stops everything it started
 * within seconds (issue 11, D3): before, a signal in the first second was recorded but never
 * acted on, and a second one did not help either.
 */
import { DevProcess, processesMentioning, waitFor, within } from "@quicksilver/testing";
import { freePort, REPO_ROOT } from "@quicksilver/testbed";

interface Moment {
  /** A line on dev's stderr (its log, with --no-shell) that marks the moment; null: at spawn. */
  after: string | null;
  signal: Deno.Signal;
}

const MOMENTS: Moment[] = [
  { after: null, signal: "SIGTERM" },
  { after: "nats-server ready", signal: "SIGINT" },
  { after: "plugin manager started", signal: "SIGTERM" },
  { after: "plugin process started", signal: "SIGINT" },
  { after: "plugin ready", signal: "SIGTERM" },
  { after: "Quicksilver is running", signal: "SIGINT" },
];

for (const moment of MOMENTS) {
  Deno.test({
    name: `${moment.signal} ${
      moment.after ? `after "${moment.after}"` : "right after spawn"
    } stops dev, nats-server and plugins within seconds`,
    ignore: Deno.build.os !== "linux",
    async fn() {
      const home = await Deno.makeTempDir({ prefix: "quicksilver-stop-" });
      try {
        await Deno.writeTextFile(
          `${home}/rosey.yaml`,
          `nats:\n  url: "127.0.0.1:${freePort()}"\n` +
            `  monitoring: "http://127.0.0.1:${freePort()}"\n` +
            `plugins:\n  dir: ${REPO_ROOT}/plugins\n  enabled: [dice, eightball, trivia]\n` +
            `monitoring:\n  metricsPort: 0\n` +
            // "plugin process started" is a debug line since start-up went quiet at info.
            `logging:\n  level: debug\n`,
        );
        const dev = DevProcess.spawn(home, ["--no-shell"]);
        if (moment.after) {
          const marker = moment.after;
          await waitFor(() => dev.stderr.includes(marker), {
            timeoutMs: 60_000,
            what: `"${marker}" on dev's stderr`,
          }).catch((error) => {
            dev.signal("SIGKILL");
            throw error;
          });
        }
        dev.signal(moment.signal);
        await within(dev.status, 10_000, `dev to exit after ${moment.signal}`).catch((error) => {
          dev.signal("SIGKILL");
          throw new Error(`${(error as Error).message}\n${dev.stderr}`);
        });
        await dev.close();
        // nats-server runs with `-c <home>/nats.conf`, plugins from `<home>/.rosey/plugins`.
        await waitFor(() => processesMentioning(home).length === 0, {
          timeoutMs: 5000,
          what: `no process of this instance left (${processesMentioning(home).join(", ")})`,
        });
      } finally {
        for (const pid of processesMentioning(home)) Deno.kill(pid, "SIGKILL");
        await Deno.remove(home, { recursive: true }).catch(() => undefined);
      }
    },
  });
}
