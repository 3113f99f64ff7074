/**
 * Hostile: publishes a 512 KiB message on its own subject, over its 128 KiB payload limit.
 * It grabs the runner's raw NATS socket by patching node:net, so only the server's permissions
 * (from its JWT) stand in the way.
 */
import { Socket } from "node:net";
import { definePlugin } from "@quicksilver/sdk";

let socket: Socket | undefined;
const write = Socket.prototype.write;
Socket.prototype.write = function (this: Socket, ...args: unknown[]) {
  socket ??= this;
  return (write as (...a: unknown[]) => boolean).apply(this, args);
} as typeof write;

export default definePlugin({
  name: "oversize",
  version: "0.0.1",
  setup(ctx) {
    const stop = ctx.timers.every(100, () => {
      if (!socket) return;
      stop();
      socket.write(`PUB rosey.plugins.oversize.blob ${512 * 1024}\r\n${"x".repeat(512 * 1024)}\r\n`);
    });
  },
});
