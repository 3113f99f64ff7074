/** Hostile: floods stderr and stdout as fast as it can (20 MiB every 100 ms) while it runs. */
import { definePlugin } from "@quicksilver/sdk";

const line = `${"x".repeat(1023)}\n`.repeat(1024);
const bytes = new TextEncoder().encode(line);
const json = new TextEncoder().encode(
  `${JSON.stringify({ level: "error", msg: "y".repeat(100) })}\n`.repeat(5000),
);

export default definePlugin({
  name: "log_flood",
  version: "0.0.1",
  setup(ctx) {
    ctx.timers.every(100, () => {
      for (let i = 0; i < 20; i++) Deno.stderr.writeSync(bytes);
      Deno.stdout.writeSync(json);
    });
  },
});
