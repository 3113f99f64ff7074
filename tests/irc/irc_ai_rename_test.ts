/**
 * A user's name change on a real IRC server (InspIRCd): the connector turns `NICK` into
 * `user.rename`, and the sandboxed AI plugin's memory of that user follows the new nick, against
 * a local OpenAI-compatible endpoint the test starts.
 */
import assert from "node:assert/strict";
import { waitFor } from "@quicksilver/testing";
import { mockOpenAI } from "../plugins/_openai_mock.ts";
import { IrcUser } from "./_irc_user.ts";
import { CHANNEL, IrcEnv } from "./_env.ts";

Deno.test("on InspIRCd, the AI's memory of a user follows their /nick, and the old nick starts afresh", async () => {
  const mock = mockOpenAI();
  await using _endpoint = mock.server;
  await using env = await IrcEnv.start("inspircd", {
    plugins: ["ai"],
    pluginSettings: {
      ai: {
        grants: { net: [mock.host] },
        config: { baseUrl: mock.baseUrl, userCooldownMs: 0, channelPerMinute: 600 },
      },
    },
  });
  await waitFor(() => env.router.table.resolve("ai")?.running === true, {
    what: "ai running",
    timeoutMs: 20_000,
  });
  await using carol = await IrcUser.connect(env.server.port, "carol");
  await carol.join(CHANNEL);
  const answered = (to: string, pattern: RegExp) =>
    carol.waitLine(
      (l) => new RegExp(`^:rosey!\\S+ PRIVMSG ${CHANNEL} :${to}: `).test(l) && pattern.test(l),
      `the answer to ${to} matching ${pattern}`,
    );

  await carol.say(CHANNEL, "!ai my cat is called Tom");
  await answered("carol", /Tom/);
  await waitFor(async () => Array.isArray((await env.pluginStorage("ai"))["memory:carol"]), {
    what: "carol's memory on disk",
  });

  await carol.send("NICK caroline");
  await carol.waitLine((l) => /^:carol!\S+ NICK :?caroline$/.test(l), "the nick change");
  // Moved, not copied (two saves: the new key is written before the old one is deleted).
  await waitFor(async () => {
    const stored = await env.pluginStorage("ai");
    return Array.isArray(stored["memory:caroline"]) && stored["memory:carol"] === undefined;
  }, { what: "the memory moved to the new name" });

  await carol.say(CHANNEL, "!ai what is my cat called?");
  await answered("caroline", /Before, you said "my cat is called Tom"/);

  // Whoever takes the old nick next is someone else: none of caroline's exchanges.
  await using other = await IrcUser.connect(env.server.port, "carol");
  await other.join(CHANNEL);
  await other.say(CHANNEL, "!ai what is my cat called?");
  await answered("carol", /what is my cat called/);
  const asked = mock.requests.at(-1)!.body.messages.map((m) => m.content).join("\n");
  assert.ok(!asked.includes("Tom"), asked);
});
