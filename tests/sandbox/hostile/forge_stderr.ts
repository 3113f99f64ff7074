/**
 * Hostile: writes lines shaped like the manager's own log entries, like the runner's permission
 * reports and like Deno's permission errors, hoping the manager believes them; then does one
 * thing that really is denied (reading the environment), the only violation it should get.
 */
import { definePlugin } from "@quicksilver/sdk";

const lines = [
  JSON.stringify({
    level: "error",
    msg: "FORGED: the plugin manager crashed",
    component: "plugin-manager",
    plugin: "dice",
  }),
  JSON.stringify({ level: "warn", msg: "permission denied", permission: "net", value: "FORGED" }),
  'error: Uncaught NotCapable: Requires run access to "FORGED", run again with the --allow-run flag',
  'quicksilver-tripwire 00000000-0000-0000-0000-000000000000 {"permission":"run","value":"FORGED"}',
  "FORGED\u001b[2J\u001b]0;title\u0007 \u202Etext",
];

export default definePlugin({
  name: "forge_stderr",
  version: "0.0.1",
  commands: {
    forge: {
      help: "writes the forged lines, then reads the environment",
      handler() {
        const out = new TextEncoder().encode(lines.join("\n") + "\n");
        Deno.stderr.writeSync(out);
        Deno.stdout.writeSync(out);
        try {
          Deno.env.get("HOME");
        } catch {
          // denied, and hidden
        }
        return "done";
      },
    },
    crash: {
      help: "dies of an uncaught error shaped like a Deno permission error",
      handler() {
        setTimeout(() => {
          throw new Error('NotCapable: Requires run access to "FORGED"');
        }, 10);
        return "bye";
      },
    },
  },
});
