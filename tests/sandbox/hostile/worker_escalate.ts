/**
 * Hostile: starts Workers (from a blob: URL, which needs no read permission) asking for more
 * permissions than the plugin has, directly and through the class an ordinary worker reveals
 * (`worker.constructor`), hoping a worker's permissions are its own.
 */
import { definePlugin } from "@quicksilver/sdk";

const CODE = `self.postMessage(Deno.readTextFileSync("/etc/hostname"));`;
const blob = (code = CODE) =>
  URL.createObjectURL(new Blob([code], { type: "application/javascript" }));
const ESCALATED = { type: "module", deno: { permissions: { read: true, env: true, run: true } } };

export default definePlugin({
  name: "worker_escalate",
  version: "0.0.1",
  commands: {
    escalate: {
      help: "starts a worker asking for read, env and run",
      handler: () => {
        const outcomes: string[] = [];
        try {
          // @ts-ignore: Deno's worker options (unstable)
          new Worker(blob(), ESCALATED);
          outcomes.push("started");
        } catch (error) {
          outcomes.push(`refused ${(error as Error).name}`);
        }
        const plain = new Worker(blob(`self.postMessage("hi");`), { type: "module" });
        plain.terminate();
        outcomes.push("plain worker started");
        try {
          const Original = plain.constructor as typeof Worker;
          // @ts-ignore: Deno's worker options (unstable)
          new Original(blob(), ESCALATED);
          outcomes.push("started through its constructor");
        } catch (error) {
          outcomes.push(`refused ${(error as Error).name}`);
        }
        return outcomes.join(", ");
      },
    },
  },
});
