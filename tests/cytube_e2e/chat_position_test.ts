/**
 * The connector's chat position (connectors/cytube/chat_cursor.ts): CyTube replays its last 15
 * chat lines to every joining socket (src/channel/chat.js onUserPostJoin). On the first join
 * the whole replay is history; on a rejoin the replayed lines said while the bot was out are
 * answered once, and the lines it had answered are not answered again.
 */
import assert from "node:assert/strict";
import { waitFor } from "@quicksilver/testing";
import { E2e } from "./_env.ts";

const answers = (env: E2e, notation: string) =>
  env.botLines().filter((line) => line.includes(`rolled ${notation}:`)).length;

Deno.test("a first join answers none of the replayed chat, however many lines it holds", async () => {
  await using env = await E2e.start({
    withPlugin: true,
    fake: {
      users: [{ name: "alice" }],
      backlog: [
        { username: "oldtimer", msg: "!roll 2d1", ageMs: 30_000 },
        { username: "oldtimer", msg: "!roll 3d1", ageMs: 20_000 },
        { username: "alice", msg: "!roll 4d1", ageMs: 10_000 },
      ],
    },
  });
  env.fake.say("alice", "!roll 5d1");
  await waitFor(() => answers(env, "5d1") === 1, { what: "the live command answered" });
  assert.deepEqual(["2d1", "3d1", "4d1"].map((n) => answers(env, n)), [0, 0, 0]);
});

Deno.test("after a rejoin, chat said while the bot was out is answered once and older chat not again", async () => {
  await using env = await E2e.start({
    withPlugin: true,
    fake: { users: [{ name: "alice" }] },
    // Out of the channel long enough to miss chat, which CyTube then replays.
    connector: { reconnect: { initialDelayMs: 1500, maxDelayMs: 1500 } },
  });
  const { fake } = env;
  fake.say("alice", "!roll 2d1");
  await waitFor(() => answers(env, "2d1") === 1, { what: "the first command answered" });
  const sockets = fake.connections.total;
  fake.dropAllSockets();
  await waitFor(() => !fake.users.some((u) => u.name === "rosey"), { what: "the bot out" });
  fake.say("alice", "!roll 3d1");
  fake.say("alice", "!roll 4d1");
  await waitFor(() => fake.connections.total > sockets && answers(env, "4d1") === 1, {
    timeoutMs: 15_000,
    what: "the bot back, answering what it missed",
  });
  fake.say("alice", "!roll 6d1");
  await waitFor(() => answers(env, "6d1") === 1, { what: "a later command answered" });
  assert.deepEqual(["2d1", "3d1", "4d1", "6d1"].map((n) => answers(env, n)), [1, 1, 1, 1]);
});
