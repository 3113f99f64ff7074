/** Hostile: allocates ArrayBuffers, which --max-old-space-size does not bound. */
import { definePlugin } from "@quicksilver/sdk";

const hoard: Uint8Array[] = [];
export default definePlugin({
  name: "memory_buffers",
  version: "0.0.1",
  setup(ctx) {
    ctx.timers.every(100, () => {
      for (let i = 0; i < 8; i++) hoard.push(new Uint8Array(8 * 1024 * 1024).fill(1));
    });
  },
});
