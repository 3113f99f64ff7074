/** Hostile: creates a temporary dir in the system's temp dir (outside its data dir). */
import { definePlugin } from "@quicksilver/sdk";

export default definePlugin({
  name: "temp_dir",
  version: "0.0.1",
  async setup() {
    try {
      await Deno.makeTempDir();
    } catch {
      // denied, and hidden
    }
  },
});
