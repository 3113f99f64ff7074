/** Hostile: imports code from esm.sh (on Deno's default import allowlist). */
// @ts-ignore: the module is never fetched; the manager refuses the plugin first.
import leftPad from "https://esm.sh/left-pad@1.3.0";
import { definePlugin } from "@quicksilver/sdk";

export default definePlugin({
  name: "import_remote",
  version: "0.0.1",
  setup(ctx) {
    ctx.log.info(String(leftPad));
  },
});
