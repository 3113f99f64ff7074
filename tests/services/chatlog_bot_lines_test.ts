/**
 * The chat log shows the bot's side of the conversation: its chat lines and its PM replies,
 * as the CyTube server delivered them, beside the lines that asked for them.
 */
import assert from "node:assert/strict";
import { waitFor } from "@quicksilver/testing";
import { BOT, ServicesEnv } from "./_env.ts";

Deno.test("chat.log has the bot's own chat lines and PM replies, not only the questions", async () => {
  await using env = await ServicesEnv.start({ fake: { users: [{ name: "mod", rank: 2 }] } });
  const chatlog = await env.startChatlog();
  const path = chatlog.chatLogPath({ platform: "cytube", channel: env.fake.channel });
  assert.equal(await env.ask("mod", "say hello from the bot"), "Sent: hello from the bot");
  const read = () => Deno.readTextFile(path).catch(() => "");
  await waitFor(async () => {
    const text = await read();
    return text.includes(`${BOT.name} -> mod: Sent: hello from the bot`) &&
      text.includes(`${BOT.name}: hello from the bot`);
  }, { what: "the bot's chat line and PM reply in chat.log" });
  const lines = (await read()).trimEnd().split("\n").map((l) => l.replace(/^\[[^\]]+\] /, ""));
  // The question, then the answers, in the order the channel saw them.
  const question = lines.indexOf("mod -> " + BOT.name + ": say hello from the bot");
  const said = lines.indexOf(`${BOT.name}: hello from the bot`);
  const reply = lines.indexOf(`${BOT.name} -> mod: Sent: hello from the bot`);
  assert.ok(question >= 0 && question < said && said < reply, lines.join("\n"));
});
