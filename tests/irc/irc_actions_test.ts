// deno-lint-ignore-file no-control-regex -- CTCP (\x01) is a control character
/**
 * Actions on a real InspIRCd, asked for on `rosey.platform.irc.action.<name>` as the
 * moderator service would: chat, `/me`, PM, kick, ban and topic, each refused while the bot has
 * no right to it and carried out once a channel operator gives it op; and the normalized
 * events other IRC users cause (join, leave, rank change), with `source` naming network and
 * channel.
 */
import assert from "node:assert/strict";
import {
  type ActionResult,
  ActionResultSchema,
  type Envelope,
  type EventBus,
  RANKS,
  subjects,
} from "@quicksilver/core";
import { waitFor } from "@quicksilver/testing";
import { IRC_PLATFORM } from "../../connectors/irc/mod.ts";
import { IrcUser } from "./_irc_user.ts";
import { BOT_NICK, CHANNEL, IrcEnv, roomOf } from "./_env.ts";

const ROOM = roomOf("inspircd");

Deno.test("IRC actions are refused without the right and carried out with it; events name network and channel", async () => {
  await using env = await IrcEnv.start("inspircd", { startConnector: false, plugins: [] });
  await using alice = await IrcUser.connect(env.server.port, "alice");
  await alice.join(CHANNEL); // first in: operator
  await env.startConnector();
  const bus: EventBus = await env.nats.connect("test-moderator", {
    publish: { allow: [subjects.allPlatformActions(IRC_PLATFORM)] },
    subscribe: { allow: [subjects.allEvents(), "_INBOX.>"] },
  });
  const events: Envelope[] = [];
  bus.subscribe(subjects.allEvents(), (envelope) => {
    events.push(envelope as Envelope);
  });
  await bus.flush();
  const act = (name: string, payload: Record<string, unknown>): Promise<ActionResult> =>
    bus.request(subjects.platformAction(IRC_PLATFORM, name), { channel: ROOM, ...payload }, {
      timeoutMs: 5000,
      schema: ActionResultSchema,
    });

  await using bob = await IrcUser.connect(env.server.port, "bob");
  await bob.join(CHANNEL);
  await waitFor(() => events.some((e) => e.type === "user.join"), { what: "user.join" });
  const join = events.find((e) => e.type === "user.join")!;
  assert.deepEqual(join.source, { platform: IRC_PLATFORM, channel: ROOM });
  assert.deepEqual(join.payload, { user: { name: "bob", rank: RANKS.guest } });

  const refused = await act("kick", { user: "bob", reason: "test" });
  assert.equal(refused.ok, false);
  assert.equal(!refused.ok && refused.error.code, "not_permitted");
  assert.equal((await act("topic", { topic: "hello" })).ok, false);
  const unknown = await act("queue", { media: { type: "yt", id: "x" } });
  assert.equal(!unknown.ok && unknown.error.code, "unsupported");
  const elsewhere = await act("chat", { channel: "othernet/#rosey", text: "hi" });
  assert.equal(!elsewhere.ok && elsewhere.error.code, "unknown_channel");

  assert.deepEqual(await act("chat", { text: "hello channel" }), { ok: true });
  assert.deepEqual(await act("me", { text: "waves" }), { ok: true });
  assert.deepEqual(await act("pm", { to: "bob", text: "psst" }), { ok: true });
  // A bare channel name works while only one network has it.
  assert.deepEqual(await act("chat", { channel: CHANNEL, text: "bare name" }), { ok: true });
  await bob.waitLine((l) => / PRIVMSG #rosey :hello channel$/.test(l), "chat");
  await bob.waitLine((l) => / PRIVMSG #rosey :\x01ACTION waves\x01$/.test(l), "me");
  await bob.waitLine((l) => / PRIVMSG bob :psst$/.test(l), "pm");
  await bob.waitLine((l) => / PRIVMSG #rosey :bare name$/.test(l), "bare");

  await alice.send(`MODE ${CHANNEL} +o ${BOT_NICK}`);
  await waitFor(
    () =>
      events.some((e) =>
        e.type === "user.update" &&
        (e.payload as { user: { name: string } }).user.name === BOT_NICK
      ),
    { what: "the bot's rank change" },
  );
  assert.deepEqual(await act("topic", { topic: "set by the bot" }), { ok: true });
  await alice.waitLine((l) => / TOPIC #rosey :set by the bot$/.test(l), "topic");
  assert.deepEqual(await act("kick", { user: "bob", reason: "bye" }), { ok: true });
  await alice.waitLine((l) => / KICK #rosey bob :bye$/.test(l), "kick");
  await waitFor(() => events.some((e) => e.type === "user.leave"), { what: "user.leave" });
  await bob.join(CHANNEL);
  assert.deepEqual(await act("ban", { user: "bob", reason: "gone" }), { ok: true });
  await alice.waitLine((l) => / MODE #rosey \+b :?bob!\*@\*$/.test(l), "ban mask");
  await alice.waitLine((l) => / KICK #rosey bob :gone$/.test(l), "ban kick");
  // Text that tries to add a second command stays one PRIVMSG per line.
  assert.deepEqual(await act("chat", { text: "x\r\nKICK #rosey alice :pwned" }), { ok: true });
  await alice.waitLine((l) => / PRIVMSG #rosey :KICK #rosey alice :pwned$/.test(l), "as text");
  assert.ok(!alice.lines.some((l) => / KICK #rosey alice/.test(l) && !/PRIVMSG/.test(l)));
});
