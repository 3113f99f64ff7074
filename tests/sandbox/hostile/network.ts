/** Hostile: network other than NATS: the monitoring port, ssh, the internet, a listener, DNS. */
import { definePlugin } from "@quicksilver/sdk";

export default definePlugin({
  name: "network",
  version: "0.0.1",
  async setup() {
    for (const attempt of [
      () => fetch("http://127.0.0.1:8222/connz"),
      () => Deno.connect({ hostname: "127.0.0.1", port: 22 }),
      () => fetch("https://example.com/"),
      async () => Deno.listen({ hostname: "0.0.0.0", port: 18999 }),
      () => Deno.resolveDns("example.com", "A"),
    ]) {
      await Promise.resolve().then(attempt).catch(() => undefined);
    }
  },
});
