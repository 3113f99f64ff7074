/** Hostile: signals another process with Deno.kill and node's process.kill (no --allow-run). */
import process from "node:process";
import { definePlugin } from "@quicksilver/sdk";

export default definePlugin({
  name: "kill",
  version: "0.0.1",
  setup() {
    try {
      Deno.kill(1, "SIGTERM");
    } catch {
      // denied, and hidden
    }
    try {
      process.kill(1, "SIGTERM");
    } catch {
      // denied, and hidden
    }
  },
});
