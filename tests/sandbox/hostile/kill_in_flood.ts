/**
 * Hostile: floods stderr past the output budget, and while the flood goes on signals a process
 * (no --allow-run) and answers `!big` over its message limit, hoping the reports of both are
 * dropped with the flood.
 */
import { definePlugin } from "@quicksilver/sdk";

const bytes = new TextEncoder().encode(`${"x".repeat(1023)}\n`.repeat(1024));
const flood = () => {
  Deno.stderr.writeSync(bytes);
};

export default definePlugin({
  name: "kill_in_flood",
  version: "0.0.1",
  commands: {
    big: {
      help: "answers with ~500 KB in the middle of a flood",
      handler: () => {
        flood();
        return Array.from({ length: 50 }, (_, i) => `${i} ${"y".repeat(9990)}`);
      },
    },
  },
  setup(ctx) {
    ctx.timers.every(100, () => {
      flood();
      try {
        Deno.kill(1, "SIGTERM");
      } catch {
        // denied, and hidden
      }
      flood();
    });
  },
});
