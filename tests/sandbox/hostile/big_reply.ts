/** Hostile (or careless): answers a command with ~500 KB, over its 128 KiB message limit. */
import { definePlugin } from "@quicksilver/sdk";

export default definePlugin({
  name: "big_reply",
  version: "0.0.1",
  commands: {
    big: {
      help: "answers with 50 lines of 10,000 characters",
      handler: () => Array.from({ length: 50 }, (_, i) => `${i} ${"y".repeat(9990)}`),
    },
  },
});
