// deno-lint-ignore-file no-control-regex -- IRC framing (CR, LF, NUL) and CTCP (\x01) are control characters
/**
 * The bot on a real IRC server, as plain IRC users see it, once per server (InspIRCd, then
 * ngIRCd): its nick taken at connect and taken back later, a replayed backlog not answered,
 * `!roll` in the channel, a command by PM, a long answer split under 512 bytes and delivered
 * whole, a burst of 30 commands answered without a flood disconnect, the moderator shell by PM
 * for a channel operator, CTCP VERSION and PING, and a server restart followed by a rejoin.
 */
import assert from "node:assert/strict";
import { waitFor } from "@quicksilver/testing";
import { byteLength, IRC_LINE_BYTES } from "../../connectors/irc/mod.ts";
import { IrcUser } from "./_irc_user.ts";
import { BOT_NICK, CHANNEL, IrcEnv, SERVERS } from "./_env.ts";

const TAKEN_NICK = `${BOT_NICK}_`;

for (const kind of SERVERS) {
  Deno.test(`${kind}: the bot serves two plain IRC users through nick collision, bursts and a restart`, async (t) => {
    await using env = await IrcEnv.start(kind, {
      server: { history: kind === "inspircd" },
      startConnector: false,
    });
    // alice is first in the channel, so she is its operator.
    const alice = await IrcUser.connect(env.server.port, "alice");
    const bob = await IrcUser.connect(env.server.port, "bob");
    const squatter = await IrcUser.connect(env.server.port, BOT_NICK);
    let aliceNow = alice;
    try {
      await alice.join(CHANNEL);
      if (kind === "inspircd") {
        // chanhistory: the last lines are replayed, with their server-time, to whoever joins.
        await alice.send(`MODE ${CHANNEL} +H 50:3600`);
        await alice.waitLine((l) => / MODE #rosey \+H/i.test(l), "+H set");
        await alice.say(CHANNEL, "!roll 1d1 (said before the bot came)");
      }
      await bob.join(CHANNEL);
      await squatter.join(CHANNEL);
      const connector = await env.startConnector();
      const network = [...connector.networks.values()][0]!;

      await t.step("a taken nick: the bot registers under another and joins", async () => {
        assert.equal(network.state.nick, TAKEN_NICK);
        await alice.waitLine(
          (l) => l.startsWith(`:${TAKEN_NICK}!`) && / JOIN /.test(l),
          "bot JOIN",
        );
      });

      if (kind === "inspircd") {
        await t.step("a replayed backlog command is not answered", async () => {
          await waitFor(() => network.backlogSkipped >= 1, { what: "the backlog seen" });
          await alice.say(CHANNEL, "!roll 1d1");
          await waitFor(() => alice.messages(TAKEN_NICK, CHANNEL).length >= 1, {
            what: "the fresh command answered",
          });
          assert.equal(alice.messages(TAKEN_NICK, CHANNEL).length, 1);
        });
      } else {
        await t.step("!roll 1d1 is answered in the channel", async () => {
          await alice.say(CHANNEL, "!roll 1d1");
          await waitFor(() => alice.messages(TAKEN_NICK, CHANNEL).length >= 1, {
            what: "the roll in the channel",
          });
        });
      }
      assert.match(alice.messages(TAKEN_NICK, CHANNEL)[0]!.text, /alice.*1/);

      await t.step("a command by PM is answered by PM", async () => {
        await bob.say(TAKEN_NICK, "!roll 1d1");
        await waitFor(() => bob.messages(TAKEN_NICK, "bob").length >= 1, { what: "PM answer" });
        assert.match(bob.messages(TAKEN_NICK, "bob")[0]!.text, /bob.*1/);
        assert.equal(
          alice.messages(TAKEN_NICK, CHANNEL).filter((m) => /bob/.test(m.text)).length,
          0,
        );
      });

      await t.step("a long answer is split under 512 bytes and arrives whole", async () => {
        const before = alice.messages(TAKEN_NICK, CHANNEL).length;
        await alice.say(CHANNEL, "!roll 100d1000");
        await waitFor(
          () => alice.messages(TAKEN_NICK, CHANNEL).slice(before).some((m) => /= \d+/.test(m.text)),
          {
            what: "the end of the long roll",
          },
        );
        const pieces = alice.messages(TAKEN_NICK, CHANNEL).slice(before);
        assert.ok(pieces.length >= 2, `split into ${pieces.length} line(s)`);
        for (const piece of pieces) {
          assert.ok(byteLength(piece.raw) + 2 <= IRC_LINE_BYTES, piece.raw);
        }
        const whole = pieces.map((m) => m.text).join(" ");
        const dice = [...(/\[([\d, ]+)\]/.exec(whole)?.[1] ?? "").matchAll(/\d+/g)].map(Number);
        assert.equal(dice.length, 100, whole);
        const total = Number(/= (\d+)/.exec(whole)?.[1]);
        assert.equal(dice.reduce((a, b) => a + b, 0), total);
      });

      await t.step(
        "a burst of 30 commands is answered in full, the bot never disconnected",
        async () => {
          const before = alice.messages(TAKEN_NICK, CHANNEL).length;
          for (let i = 0; i < 15; i++) {
            await alice.say(CHANNEL, "!roll 1d1");
            await bob.say(CHANNEL, "!roll 1d1");
          }
          await waitFor(() => alice.messages(TAKEN_NICK, CHANNEL).length >= before + 30, {
            what: "30 answers",
            timeoutMs: 30_000,
          });
          assert.equal(network.reconnects, 0);
          assert.ok(!alice.lines.some((l) => /QUIT.*(Excess Flood|flood|RecvQ)/i.test(l)));
          assert.ok(!env.server.log.includes("Excess Flood"));
        },
      );

      await t.step("the moderator shell answers a channel operator by PM", async () => {
        await alice.say(TAKEN_NICK, "help");
        await waitFor(
          () => alice.messages(TAKEN_NICK, "alice").some((m) => /status/i.test(m.text)),
          {
            what: "the moderator shell's help by PM",
          },
        );
      });

      await t.step("CTCP VERSION and PING are answered", async () => {
        await bob.say(TAKEN_NICK, "\x01VERSION\x01");
        await bob.say(TAKEN_NICK, "\x01PING 12345\x01");
        await bob.waitLine((l) => /NOTICE bob :\x01VERSION Quicksilver/.test(l), "VERSION reply");
        await bob.waitLine((l) => /NOTICE bob :\x01PING 12345\x01/.test(l), "PING reply");
      });

      await t.step("the configured nick is taken back once free", async () => {
        await squatter.close();
        await alice.waitLine(
          (l) => l.startsWith(`:${TAKEN_NICK}!`) && / NICK :?rosey$/.test(l),
          "NICK rosey",
        );
        await waitFor(() => network.state.nick === BOT_NICK, { what: "state nick" });
      });

      await t.step("after a server restart the bot reconnects, rejoins and answers", async () => {
        await alice.close();
        await bob.close();
        await env.server.restart();
        aliceNow = await IrcUser.connect(env.server.port, "alice");
        await aliceNow.join(CHANNEL);
        // The bot is in the channel again: its JOIN (it came after alice) or NAMES (before).
        await aliceNow.waitLine(
          (l) =>
            (l.startsWith(`:${BOT_NICK}!`) && / JOIN /.test(l)) ||
            new RegExp(` 353 alice . ${CHANNEL} :.*[@+%~&]?${BOT_NICK}\\b`).test(l),
          "the bot back in the channel",
          15_000,
        );
        await aliceNow.say(CHANNEL, "!roll 1d1");
        await waitFor(() => aliceNow.messages(BOT_NICK, CHANNEL).length >= 1, {
          what: "answer after restart",
        });
        assert.equal(network.reconnects, 1);
      });
    } finally {
      await Promise.all([alice.close(), bob.close(), squatter.close(), aliceNow.close()]);
    }
  });
}
