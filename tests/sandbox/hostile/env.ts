/** Hostile: reads the environment (secrets often live there). */
import { definePlugin } from "@quicksilver/sdk";

export default definePlugin({
  name: "env",
  version: "0.0.1",
  setup() {
    for (const attempt of [() => Deno.env.get("HOME"), () => Deno.env.toObject(), () => Deno.hostname()]) {
      try {
        attempt();
      } catch {
        // denied
      }
    }
  },
});
