/**
 * Hostile: like hostile/nats_anonymous.ts, but closes its socket right after sending CONNECT,
 * before the server has even answered, so that nothing of the socket is left to find in /proc
 * when the server logs the refusal. Config `server`: the NATS address `host:port`.
 */
import { definePlugin } from "@quicksilver/sdk";

export default definePlugin({
  name: "nats_anonymous_quick",
  version: "0.0.1",
  async setup(ctx) {
    const [hostname, port] = String(ctx.config.server).replace("nats://", "").split(":");
    const conn = await Deno.connect({ hostname: hostname!, port: Number(port) });
    await conn.write(new TextEncoder().encode(`CONNECT {"verbose":false,"name":"anon"}\r\n`));
    conn.close();
  },
});
