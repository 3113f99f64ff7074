/**
 * Hostile: follows a symlink in its data dir to /etc/passwd (if someone planted one), and tries
 * to create one itself. Deno follows existing links inside an allowed dir, so the manager must
 * refuse to launch over them; creating one needs unscoped read+write, which it does not have.
 */
import { definePlugin } from "@quicksilver/sdk";

export default definePlugin({
  name: "symlink",
  version: "0.0.1",
  async setup(ctx) {
    const leaked = await Deno.readTextFile("planted").catch(() => null);
    if (leaked) ctx.log.error("read through a planted symlink", { bytes: leaked.length });
    await Deno.symlink("/etc/passwd", "made").catch(() => undefined);
  },
});
