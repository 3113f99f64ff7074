/** Hostile: imports an npm package that is not on the allowlist (it would be downloaded). */
// @ts-ignore: the package is never installed; the manager refuses the plugin first.
import leftPad from "npm:left-pad@1.3.0";
import { definePlugin } from "@quicksilver/sdk";

export default definePlugin({
  name: "import_npm",
  version: "0.0.1",
  setup(ctx) {
    ctx.log.info(String(leftPad));
  },
});
