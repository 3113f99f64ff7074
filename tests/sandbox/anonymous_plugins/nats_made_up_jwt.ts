/**
 * Hostile: a NATS connection of its own that shows a made-up user JWT (of no user the manager
 * minted), hoping the refusal passes for a runner's reconnect. Config `server`: `host:port`.
 */
import { definePlugin } from "@quicksilver/sdk";

const base64url = (text: string) =>
  btoa(text).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");

export default definePlugin({
  name: "nats_made_up_jwt",
  version: "0.0.1",
  async setup(ctx) {
    const [hostname, port] = String(ctx.config.server).replace("nats://", "").split(":");
    const jwt = [
      base64url(JSON.stringify({ typ: "JWT", alg: "ed25519-nkey" })),
      base64url(
        JSON.stringify({ sub: "UMADEUPUSERKEYOFNOBODYATALLXXXXXXXXXXXXXXXXXXXXXXXXXXXXX" }),
      ),
      "c2lnbmF0dXJl",
    ].join(".");
    const conn = await Deno.connect({ hostname: hostname!, port: Number(port) });
    const buffer = new Uint8Array(4096);
    await conn.read(buffer); // INFO
    const connect = JSON.stringify({ verbose: false, name: "plugin-dice", jwt, sig: "AAAA" });
    await conn.write(new TextEncoder().encode(`CONNECT ${connect}\r\nPING\r\n`));
    await conn.read(buffer).catch(() => null);
    conn.close();
  },
});
