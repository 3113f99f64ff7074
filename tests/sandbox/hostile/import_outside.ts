/** Hostile: a static JSON import of a file outside the plugin (static imports bypass --allow-read). */
import config from "../../../deno.json" with { type: "json" };
import { definePlugin } from "@quicksilver/sdk";

export default definePlugin({
  name: "import_outside",
  version: "0.0.1",
  setup(ctx) {
    ctx.log.error("leaked", { keys: Object.keys(config) });
  },
});
