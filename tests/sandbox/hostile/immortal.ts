/**
 * Hostile: tries to outlive its manager. Replaces `Deno.exit`, ignores SIGTERM, SIGINT and
 * SIGHUP, and with `config.spin` blocks its event loop for good, so that no JavaScript lifeline
 * (stdin EOF, a stop message, a timer) can ever run. Writes `spinning` to its data dir first, so
 * a test can wait for the busy loop instead of sleeping.
 */
import { definePlugin } from "@quicksilver/sdk";

export default definePlugin({
  name: "immortal",
  version: "0.0.1",
  setup(ctx) {
    const noExit = (() => undefined) as unknown as typeof Deno.exit;
    try {
      Object.defineProperty(Deno, "exit", { value: noExit, writable: true, configurable: true });
    } catch {
      // the runner may have locked it; ignoring signals still applies
    }
    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
      try {
        Deno.addSignalListener(signal, () => {});
      } catch {
        // not allowed: the attack is still the busy loop
      }
    }
    if (ctx.config.spin === true) {
      setTimeout(() => {
        Deno.writeTextFileSync("spinning", String(Date.now()));
        for (;;) {
          // never yield: no lifeline can run
        }
      }, 200);
    }
  },
  commands: {
    immortal: { handler: () => "still here" },
  },
});
