/**
 * Text from plugins and users is chat, never a CyTube command: a reply (a stored quote, an
 * echoed argument) that starts with "/" must not make the bot kick, ban or clear with its rank.
 */
import assert from "node:assert/strict";
import { subjects } from "@quicksilver/core";
import { routerRole } from "../../services/router/mod.ts";
import { BOT, E2e } from "./_env.ts";

Deno.test("a chat action that starts with / is said, not run as a CyTube command", async () => {
  await using env = await E2e.start();
  const { fake, nats } = env;
  fake.addUser("alice", 1);
  const r = routerRole();
  const router = await nats.connect(r.name, r.permissions);
  const say = (text: string) =>
    router.request(subjects.platformAction("cytube", "chat"), { channel: fake.channel, text });

  assert.deepEqual(await say("/kick alice pwned"), { ok: true });
  // A long reply whose second chunk would start with "/".
  assert.deepEqual(await say(`${"x".repeat(318)}\n/clear`), { ok: true });
  assert.deepEqual(await say("/me is not an action either"), { ok: true });

  await fake.waitFor(
    () => fake.accepted("chat", BOT.name).some((line) => line.includes("is not an action")),
    10_000,
    "the third line said",
  );
  const said = fake.accepted("chat", BOT.name);
  assert.ok(said.some((line) => line === "\u200b/kick alice pwned"), said.join(" | "));
  assert.ok(said.some((line) => line === "\u200b/clear"), "the second chunk is literal too");
  assert.ok(fake.users.some((u) => u.name === "alice"), "alice was not kicked");
});
