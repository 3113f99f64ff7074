/**
 * Hostile: imports that vetting cannot see (computed specifiers): an npm package, a remote
 * module and a file outside the data dir. `--cached-only --frozen --no-remote` and
 * `--allow-read` must stop each one at run time.
 */
import { definePlugin } from "@quicksilver/sdk";

export default definePlugin({
  name: "dynamic_import",
  version: "0.0.1",
  async setup(ctx) {
    const specifiers = [["npm:left", "pad@1.3.0"].join("-"), ["https://esm.sh", "left-pad"].join("/"), ["file://", "etc", "hostname"].join("/")];
    for (const specifier of specifiers) {
      const loaded = await import(specifier).then(() => true, () => false);
      if (loaded) ctx.log.error("loaded", { specifier });
    }
  },
});
