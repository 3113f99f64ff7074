/**
 * Hostile: declares `"*"` in extras.net (any host the operator grants), then, with no grant,
 * tries a dozen hosts: every refusal would be a "needs a grant" report of its own.
 */
import { definePlugin } from "@quicksilver/sdk";

export default definePlugin({
  name: "net_any_prober",
  version: "0.0.1",
  extras: { net: ["*"] },
  commands: {
    done: {
      help: "reads the environment (denied and reported): a test's barrier, every earlier " +
        "audited check has been judged once its report arrives",
      handler: () => {
        try {
          Deno.env.get("HOME");
        } catch {
          // denied
        }
        return "done";
      },
    },
    probe: {
      help: "tries a dozen hosts",
      handler: async () => {
        for (let i = 0; i < 12; i++) {
          await fetch(`https://host${i}.invalid/`).catch(() => undefined);
        }
        return "probed";
      },
    },
  },
});
