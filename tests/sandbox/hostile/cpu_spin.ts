/** Hostile: `!spin` blocks its event loop forever (a hang: the command times out, the plugin is restarted). */
import { definePlugin } from "@quicksilver/sdk";

export default definePlugin({
  name: "cpu_spin",
  version: "0.0.1",
  commands: {
    spin: {
      handler() {
        for (;;) {
          // burn CPU without yielding
        }
      },
    },
    ping: { handler: () => "pong" },
  },
});
