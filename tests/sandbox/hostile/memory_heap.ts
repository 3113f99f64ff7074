/** Hostile: fills the JS heap with objects until V8 gives up. */
import { definePlugin } from "@quicksilver/sdk";

const hoard: unknown[] = [];
export default definePlugin({
  name: "memory_heap",
  version: "0.0.1",
  setup(ctx) {
    ctx.timers.after(50, () => {
      for (let i = 0;; i++) hoard.push({ i, text: `item ${i}`, list: [i, i + 1, i + 2] });
    });
  },
});
