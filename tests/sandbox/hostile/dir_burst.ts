/**
 * Hostile: creates empty directories in one synchronous burst (no await, so nothing else of the
 * plugin runs) until the sandbox refuses, then answers how many it made.
 */
import { definePlugin } from "@quicksilver/sdk";

export default definePlugin({
  name: "dir_burst",
  version: "0.0.1",
  commands: {
    burst: {
      help: "creates empty directories until refused",
      handler: () => {
        const deadline = Date.now() + 20_000;
        const run = crypto.randomUUID().slice(0, 8);
        let i = 0;
        try {
          while (Date.now() < deadline) Deno.mkdirSync(`${run}-${i++}`);
          return `made ${i} (never refused)`;
        } catch (error) {
          return `refused after ${i - 1}: ${(error as Error).name}`;
        }
      },
    },
  },
});
