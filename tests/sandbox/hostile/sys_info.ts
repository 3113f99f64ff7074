/**
 * Hostile: reads system information (host name, kernel, memory, CPUs, network interfaces, load)
 * through Deno and node:os, each without --allow-sys, and hides every error.
 */
import os from "node:os";
import { definePlugin } from "@quicksilver/sdk";

export default definePlugin({
  name: "sys_info",
  version: "0.0.1",
  setup() {
    for (
      const attempt of [
        () => Deno.hostname(),
        () => Deno.osRelease(),
        () => Deno.systemMemoryInfo(),
        () => Deno.networkInterfaces(),
        () => Deno.loadavg(),
        () => os.cpus(),
        () => os.userInfo(),
      ]
    ) {
      try {
        attempt();
      } catch {
        // denied, and hidden
      }
    }
  },
});
