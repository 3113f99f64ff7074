/**
 * `connectors.cytube.chatLimit`: a server whose always-on chat limit is not stock CyTube's
 * `MIN_ANTIFLOOD` (20 burst, 10 lines/s; src/channel/chat.js) gets the connector's chat at its
 * own pace. The fake server's `minAntiflood` plays such a server.
 */
import assert from "node:assert/strict";
import { startFakeCytube } from "../fake_cytube/mod.ts";
import { clientFor } from "./_helpers.ts";

const LIFTED = { burst: 1_000_000, sustained: 1_000_000 };

Deno.test("with the server's chat limit lifted, 100 lines go out at once and none is dropped", async () => {
  await using fake = await startFakeCytube({
    accounts: { bot: { password: "pw", rank: 0 } },
    minAntiflood: LIFTED,
  });
  await using client = clientFor(fake, {
    user: { name: "bot", password: "pw" },
    pacing: { serverMinimum: LIFTED },
  });
  await client.connect();
  for (let i = 0; i < 100; i++) client.chat(`line ${i}`);
  // At CyTube's stock 10 lines/s after a burst of 20 this would take 8 s.
  await fake.waitFor(() => fake.accepted("chat", "bot").length === 100, 3000, "100 lines");
  assert.deepEqual(fake.dropped, []);
  assert.deepEqual(
    fake.accepted("chat", "bot"),
    Array.from({ length: 100 }, (_, i) => `line ${i}`),
  );
});

Deno.test("a stock server's chat limit still paces the connector, dropping nothing", async () => {
  await using fake = await startFakeCytube({ accounts: { bot: { password: "pw", rank: 0 } } });
  await using client = clientFor(fake, { user: { name: "bot", password: "pw" } });
  await client.connect();
  for (let i = 0; i < 30; i++) client.chat(`line ${i}`);
  await fake.waitFor(() => fake.accepted("chat", "bot").length === 30, 5000, "30 lines");
  assert.deepEqual(fake.dropped, [], "the connector kept under MIN_ANTIFLOOD");
});
