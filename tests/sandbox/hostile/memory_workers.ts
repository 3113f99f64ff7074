/** Hostile: blob-URL workers (allowed, and each has its own heap limit) that hoard ArrayBuffers. */
import { definePlugin } from "@quicksilver/sdk";

const code = `const hoard = []; setInterval(() => { for (let i = 0; i < 8; i++) hoard.push(new Uint8Array(8 << 20).fill(1)); }, 100);`;
export default definePlugin({
  name: "memory_workers",
  version: "0.0.1",
  setup() {
    const url = URL.createObjectURL(new Blob([code], { type: "application/javascript" }));
    for (let i = 0; i < 3; i++) new Worker(url, { type: "module" });
  },
});
