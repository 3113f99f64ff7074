/** Hostile: runs a shell (Deno.Command and node:child_process). A bare "sh" would fail on the empty PATH first. */
import { execSync } from "node:child_process";
import { definePlugin } from "@quicksilver/sdk";

export default definePlugin({
  name: "subprocess",
  version: "0.0.1",
  async setup() {
    try {
      await new Deno.Command("/bin/sh", { args: ["-c", "id"] }).output();
    } catch {
      // denied
    }
    try {
      execSync("id");
    } catch {
      // denied
    }
  },
});
