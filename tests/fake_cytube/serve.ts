/**
 * The fake CyTube server as its own process, for runs that drive it from outside a test
 * (`deno task chaos`): scripts may not import `tests/`, and a separate process is what a real
 * CyTube server is anyway.
 *
 * ```
 * deno run --allow-all tests/fake_cytube/serve.ts '<FakeCytubeOptions as JSON>' [bot name]
 * ```
 *
 * Line protocol, one JSON object per line:
 * - stdout, first: `{"url": "http://127.0.0.1:<port>"}` once listening.
 * - stdin: `{"say": {"user": "alice", "msg": "!roll 1d1"}}` (a chat line from a user without a
 *   socket, as {@linkcode FakeCytube.say}), `{"addUser": "alice"}`.
 * - stdout, then: `{"chat": {"from", "msg", "accepted", "reason"?, "at"}}` for every chat line
 *   or PM a bot sent ({@linkcode ChatAttempt}, `at` in ms since the epoch), in order, as soon
 *   as the server handled it; `{"open": n}` whenever the number of connected sockets changes.
 * - with a bot name: `{"unheard": msg}` for each `say` while neither a socket logged in as the bot
 *   nor an anonymous socket (a standby connector watching) is in the channel (the line reaches no
 *   bot process, except in the replay of the last 15 chat lines that CyTube sends a joiner:
 *   src/channel/chat.js keeps `this.buffer` at 15), `{"bot": true|false}` whenever the bot
 *   enters or leaves the channel, and `{"watching": n}` whenever the number of anonymous
 *   sockets in the channel changes (in a run driven from outside, only standbys join so).
 *
 * It stops when stdin closes (its parent is gone) or on SIGTERM.
 *
 * @module
 */
import { startFakeCytube } from "./server.ts";

const fake = await startFakeCytube(JSON.parse(Deno.args[0] ?? "{}"));
const bot = Deno.args[1]?.toLowerCase();
const botInChannel = () =>
  bot !== undefined && fake.users.some((u) => u.name.toLowerCase() === bot);
const watching = () => fake.connections.anonymous;
// A line said now reaches a bot process: its session, or a standby's anonymous watcher.
const heard = () => botInChannel() || watching() > 0;
const encoder = new TextEncoder();
const out = Deno.stdout.writable.getWriter();
const write = (value: unknown) => out.write(encoder.encode(`${JSON.stringify(value)}\n`));
await write({ url: fake.url });

let stopped = false;
const stop = async () => {
  if (stopped) return;
  stopped = true;
  await fake.close();
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", () => void stop());

// Reports each chat attempt as the server handles it: the fake re-checks waits after every
// frame a bot sends, so this wakes up with no polling delay.
(async () => {
  let seen = 0;
  let open = -1;
  let present: boolean | undefined;
  let watchers = -1;
  while (!stopped) {
    try {
      await fake.waitFor(
        () =>
          fake.chatAttempts.length > seen || fake.connections.open !== open ||
          watching() !== watchers ||
          (bot !== undefined && botInChannel() !== present),
        2_000_000_000,
      );
    } catch {
      return; // closed
    }
    const lines: string[] = [];
    if (bot !== undefined && botInChannel() !== present) {
      present = botInChannel();
      lines.push(JSON.stringify({ bot: present }));
    }
    if (watching() !== watchers) {
      watchers = watching();
      lines.push(JSON.stringify({ watching: watchers }));
    }
    if (fake.connections.open !== open) {
      open = fake.connections.open;
      lines.push(JSON.stringify({ open }));
    }
    for (const attempt of fake.chatAttempts.slice(seen)) {
      lines.push(JSON.stringify({ chat: attempt }));
    }
    seen = fake.chatAttempts.length;
    await out.write(encoder.encode(lines.map((line) => `${line}\n`).join("")));
  }
})();

let buffer = "";
for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
  buffer += chunk;
  let newline;
  while ((newline = buffer.indexOf("\n")) >= 0) {
    const line = buffer.slice(0, newline);
    buffer = buffer.slice(newline + 1);
    if (!line.trim()) continue;
    const command = JSON.parse(line) as { say?: { user: string; msg: string }; addUser?: string };
    if (command.say) {
      if (bot !== undefined && !heard()) await write({ unheard: command.say.msg });
      fake.say(command.say.user, command.say.msg);
    }
    if (command.addUser) fake.addUser(command.addUser);
  }
}
await stop();
