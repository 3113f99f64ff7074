/**
 * Hostile: subscribes to the dice plugin's commands and speaks as dice.
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
  name: "other_plugin",
  version: "0.0.1",
  setup(ctx) {
    const stop = ctx.timers.every(100, () => {
      if (!socket) return;
      stop();
      socket.write("SUB rosey.commands.dice.> 9003\r\nPUB rosey.plugins.dice.say 2\r\nhi\r\n");
    });
  },
});
