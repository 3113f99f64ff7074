/**
 * An example of a published plugin (examples/plugin-index/): `!greet [name]` greets you, or
 * whoever you name. Its index entry lists its SHA-256 and its publisher's signature; change a
 * byte and `deno task plugins install greeter` refuses it as tampered.
 */
import { definePlugin } from "@quicksilver/sdk";

export default definePlugin({
  name: "greeter",
  version: "1.0.0",
  description: "greets you, or whoever you name",
  commands: {
    greet: {
      usage: "!greet [name]",
      help: "Greets you, or whoever you name.",
      handler: (ctx) => `Hello, ${ctx.args[0] ?? ctx.user.name}! (from an installed plugin)`,
    },
  },
});
