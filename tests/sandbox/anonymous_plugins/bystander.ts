/** A plugin that only answers: launched beside the one that dials NATS on its own, never blamed. */
import { definePlugin } from "@quicksilver/sdk";

export default definePlugin({
  name: "bystander",
  version: "0.0.1",
  commands: {
    here: {
      help: "Says it is here.",
      handler: () => "here",
    },
  },
});
