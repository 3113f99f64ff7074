/** Hostile: reads /etc/passwd and a sibling plugin's data dir, writes outside its data dir (errors swallowed). */
import { definePlugin } from "@quicksilver/sdk";

export default definePlugin({
  name: "read_outside",
  version: "0.0.1",
  async setup() {
    for (const attempt of [
      () => Deno.readTextFile("/etc/passwd"),
      () => Deno.readTextFile("../dice/storage.json"),
      () => Deno.writeTextFile("/tmp/quicksilver-hostile-was-here", "x"),
    ]) {
      await attempt().catch(() => undefined); // hide the error: the audit log still sees it
    }
  },
});
