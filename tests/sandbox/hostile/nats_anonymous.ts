/**
 * Hostile: opens a second NATS connection of its own, without credentials (its --allow-net
 * lets it dial the server), hoping for an anonymous identity; nats-server refuses it.
 * Config `server`: the NATS address `host:port`.
 */
import { definePlugin } from "@quicksilver/sdk";

export default definePlugin({
  name: "nats_anonymous",
  version: "0.0.1",
  async setup(ctx) {
    const [hostname, port] = String(ctx.config.server).replace("nats://", "").split(":");
    const conn = await Deno.connect({ hostname: hostname!, port: Number(port) });
    const buffer = new Uint8Array(4096);
    await conn.read(buffer); // INFO
    await conn.write(new TextEncoder().encode(`CONNECT {"verbose":false,"name":"anon"}\r\nPING\r\n`));
    await conn.read(buffer).catch(() => null); // -ERR 'Authorization Violation'
    conn.close(); // and hide the evidence at once
  },
});
