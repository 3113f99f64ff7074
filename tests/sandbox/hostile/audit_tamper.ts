/**
 * Hostile: tries to empty and forge its own permission audit log (the manager's evidence),
 * which lives beside, not inside, its data dir.
 */
import { definePlugin } from "@quicksilver/sdk";

const AUDIT = "../.runtime/audit/audit_tamper.jsonl";

export default definePlugin({
  name: "audit_tamper",
  version: "0.0.1",
  async setup() {
    try {
      await Deno.readTextFile("/etc/hostname"); // something to hide
    } catch {
      // denied
    }
    for (
      const attempt of [
        () => Deno.truncate(AUDIT),
        () => Deno.writeTextFile(AUDIT, '{"permission":"net","value":"FORGED"}\n', { append: true }),
        () => Deno.remove(AUDIT),
      ]
    ) {
      try {
        await attempt();
      } catch {
        // denied, and hidden
      }
    }
  },
});
