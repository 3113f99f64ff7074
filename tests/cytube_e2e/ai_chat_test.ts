/**
 * AI chat in a CyTube channel: the fake CyTube server, the connector, nats-server, the router and
 * the sandboxed AI plugin, against a local OpenAI-compatible endpoint (tests/plugins/
 * _openai_mock.ts). CyTube cuts chat at 320 characters (calzoneman/sync src/channel/chat.js:
 * `msg.substring(0, 320)`, mirrored in tests/fake_cytube/_chat.ts): every line the bot says fits.
 */
import assert from "node:assert/strict";
import { REPO_ROOT } from "@quicksilver/testbed";
import { mockOpenAI, NATS_ANSWER } from "../plugins/_openai_mock.ts";
import { E2e } from "./_env.ts";

Deno.test("AI chat in a CyTube channel: named, asked, greeted, never a command with the bot's rank", async (t) => {
  const mock = mockOpenAI();
  await using _server = mock.server;
  await using env = await E2e.start({
    plugin: {
      file: `${REPO_ROOT}/plugins/ai.ts`,
      command: "ai",
      settings: {
        grants: { net: [mock.host] },
        config: {
          baseUrl: mock.baseUrl,
          model: "tiny",
          userCooldownMs: 0,
          greetings: { enabled: true, probability: 1 },
        },
      },
    },
  });
  const { fake } = env;
  fake.addUser("alice", 1);
  fake.addUser("bob", 1);
  const botSaid = (pattern: RegExp, what: string) =>
    fake.waitFor(() => env.botLines().some((l) => pattern.test(l)), 10_000, what);

  await t.step("a join is greeted", async () => {
    await botSaid(/alice just joined/, "alice greeted");
  });

  await t.step(
    "'rosey, what is NATS?' gets the answer in lines that fit CyTube, addressed to alice",
    async () => {
      fake.say("alice", "rosey, what is NATS?");
      await botSaid(/Quicksilver uses it as the bus/, "the answer's second line");
      const lines = env.botLines();
      const first = lines.findIndex((l) => l.startsWith("alice: NATS is a lightweight"));
      assert.ok(first >= 0, lines.join("\n"));
      const answer = lines.slice(first, first + 2);
      assert.ok(answer.every((l) => l.length <= 320), answer.join("\n"));
      assert.equal(answer.join(" "), `alice: ${NATS_ANSWER}`);
    },
  );

  await t.step("!ai in chat: the context of alice's last exchange is carried over", async () => {
    fake.say("alice", "!ai and what did I just ask?");
    await botSaid(/Before, you said "what is NATS\?"/, "the answer with context");
  });

  await t.step("an answer line starting with /kick is said literally, and bob stays", async () => {
    fake.say("alice", "!ai #kick");
    await botSaid(/\/kick bob you are out/, "the /kick line");
    const line = env.botLines().find((l) => l.includes("/kick bob"))!;
    assert.ok(!line.startsWith("/"), JSON.stringify(line));
    assert.ok(fake.users.some((u) => u.name === "bob"), "bob was kicked");
  });
});
