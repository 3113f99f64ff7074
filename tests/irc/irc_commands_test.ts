// deno-lint-ignore-file no-control-regex -- CTCP (\x01) is a control character
/**
 * The bot on real IRC servers, as plain IRC users see it: one connector on InspIRCd and ngIRCd
 * at once (a network on each), every step run on both servers side by side. Its nick taken at
 * connect and taken back later, a replayed backlog not answered (InspIRCd's chanhistory),
 * `!roll` in the channel, a command by PM, a long answer split under 512 bytes and delivered
 * whole, a burst of 30 commands answered without a flood disconnect, the moderator shell by PM
 * for a channel operator, CTCP VERSION and PING, and a server restart followed by a rejoin; each
 * answer on the network its command came from.
 */
import assert from "node:assert/strict";
import { type IrcdKind, type IrcServer, waitFor } from "@quicksilver/testing";
import { byteLength, IRC_LINE_BYTES, type IrcNetwork } from "../../connectors/irc/mod.ts";
import { IrcUser } from "./_irc_user.ts";
import { BOT_NICK, CHANNEL, IrcEnv, SERVERS } from "./_env.ts";

const TAKEN_NICK = `${BOT_NICK}_`;

interface Side {
  kind: IrcdKind;
  server: IrcServer;
  network: IrcNetwork;
  alice: IrcUser;
  bob: IrcUser;
  squatter: IrcUser;
}

Deno.test("on InspIRCd and ngIRCd, two plain IRC users are served through nick collision, bursts and a restart", async (t) => {
  await using env = await IrcEnv.start(SERVERS, {
    server: { history: true },
    startConnector: false,
  });
  const sides: Side[] = [];
  try {
    for (const server of env.servers) {
      // alice is first in the channel, so she is its operator; the squatter holds the bot's nick.
      const alice = await IrcUser.connect(server.port, "alice");
      const bob = await IrcUser.connect(server.port, "bob");
      const squatter = await IrcUser.connect(server.port, BOT_NICK);
      sides.push({ kind: server.kind, server, alice, bob, squatter, network: undefined! });
      await alice.join(CHANNEL);
      if (server.kind === "inspircd") {
        // chanhistory: the last lines are replayed, with their server-time, to whoever joins.
        await alice.send(`MODE ${CHANNEL} +H 50:3600`);
        await alice.waitLine((l) => / MODE #rosey :?\+H/i.test(l), "+H set");
        await alice.say(CHANNEL, "!roll 1d1 (said before the bot came)");
      }
      await bob.join(CHANNEL);
      await squatter.join(CHANNEL);
    }
    const connector = await env.startConnector();
    for (const side of sides) side.network = connector.networks.get(side.kind)!;
    const both = async (step: (side: Side) => Promise<void>): Promise<void> => {
      await Promise.all(sides.map((side) =>
        step(side).catch((error) => {
          throw new Error(`${side.kind}: ${(error as Error).message}`, { cause: error });
        })
      ));
    };

    await t.step(
      "a taken nick: the bot registers under another and joins",
      () =>
        both(async ({ network, alice }) => {
          assert.equal(network.state.nick, TAKEN_NICK);
          await alice.waitLine(
            (l) => l.startsWith(`:${TAKEN_NICK}!`) && / JOIN /.test(l),
            "bot JOIN",
          );
        }),
    );

    await t.step(
      "a replayed backlog command is not answered; a new one is, on its own network",
      () =>
        both(async ({ kind, network, alice }) => {
          if (kind === "inspircd") {
            await waitFor(() => network.backlogSkipped >= 1, { what: "backlog seen" });
          }
          await alice.say(CHANNEL, "!roll 1d1");
          await waitFor(() => alice.messages(TAKEN_NICK, CHANNEL).length >= 1, {
            what: "the answer",
          });
          const answers = alice.messages(TAKEN_NICK, CHANNEL);
          assert.equal(answers.length, 1);
          assert.match(answers[0]!.text, /alice.*1/);
        }),
    );

    await t.step("a command by PM is answered by PM", () =>
      both(async ({ alice, bob }) => {
        await bob.say(TAKEN_NICK, "!roll 1d1");
        await waitFor(() => bob.messages(TAKEN_NICK, "bob").length >= 1, { what: "PM answer" });
        assert.match(bob.messages(TAKEN_NICK, "bob")[0]!.text, /bob.*1/);
        assert.ok(!alice.messages(TAKEN_NICK, CHANNEL).some((m) => /bob/.test(m.text)));
      }));

    await t.step(
      "a long answer is split under 512 bytes and arrives whole",
      () =>
        both(async ({ alice }) => {
          const before = alice.messages(TAKEN_NICK, CHANNEL).length;
          await alice.say(CHANNEL, "!roll 100d1000");
          const done = () =>
            alice.messages(TAKEN_NICK, CHANNEL).slice(before).some((m) => /= \d+/.test(m.text));
          await waitFor(done, { what: "the end of the long roll" });
          const pieces = alice.messages(TAKEN_NICK, CHANNEL).slice(before);
          assert.ok(pieces.length >= 2, `split into ${pieces.length} line(s)`);
          for (const piece of pieces) {
            assert.ok(byteLength(piece.raw) + 2 <= IRC_LINE_BYTES, piece.raw);
          }
          const whole = pieces.map((m) => m.text).join(" ");
          const dice = [...(/\[([\d, ]+)\]/.exec(whole)?.[1] ?? "").matchAll(/\d+/g)].map(Number);
          assert.equal(dice.length, 100, whole);
          assert.equal(dice.reduce((a, b) => a + b, 0), Number(/= (\d+)/.exec(whole)?.[1]));
        }),
    );

    await t.step(
      "a burst of 30 commands is answered in full, the bot never disconnected",
      () =>
        both(async ({ server, network, alice, bob }) => {
          const before = alice.messages(TAKEN_NICK, CHANNEL).length;
          const lines = Array.from({ length: 15 }, () => `PRIVMSG ${CHANNEL} :!roll 1d1`);
          await Promise.all([alice.send(...lines), bob.send(...lines)]);
          await waitFor(() => alice.messages(TAKEN_NICK, CHANNEL).length >= before + 30, {
            what: "30 answers",
            timeoutMs: 30_000,
          });
          assert.equal(network.reconnects, 0);
          assert.ok(!alice.lines.some((l) => /QUIT.*(Excess Flood|flood|RecvQ)/i.test(l)));
          assert.ok(!server.log.includes("Excess Flood"));
        }),
    );

    await t.step(
      "the moderator shell answers a channel operator by PM",
      () =>
        both(async ({ alice }) => {
          await alice.say(TAKEN_NICK, "help");
          await waitFor(
            () => alice.messages(TAKEN_NICK, "alice").some((m) => /status/i.test(m.text)),
            {
              what: "the moderator shell's help by PM",
            },
          );
        }),
    );

    await t.step("CTCP VERSION and PING are answered", () =>
      both(async ({ bob }) => {
        await bob.say(TAKEN_NICK, "\x01VERSION\x01");
        await bob.say(TAKEN_NICK, "\x01PING 12345\x01");
        await bob.waitLine((l) => /NOTICE bob :\x01VERSION Quicksilver/.test(l), "VERSION reply");
        await bob.waitLine((l) => /NOTICE bob :\x01PING 12345\x01/.test(l), "PING reply");
      }));

    await t.step(
      "the configured nick is taken back once free",
      () =>
        both(async ({ network, alice, squatter }) => {
          await squatter.close();
          await alice.waitLine(
            (l) => l.startsWith(`:${TAKEN_NICK}!`) && / NICK :?rosey$/.test(l),
            "NICK rosey",
          );
          await waitFor(() => network.state.nick === BOT_NICK, { what: "state nick" });
        }),
    );

    await t.step(
      "after a server restart the bot reconnects, rejoins and answers",
      () =>
        both(async (side) => {
          await side.alice.close();
          await side.bob.close();
          await side.server.restart();
          const alice = side.alice = await IrcUser.connect(side.server.port, "alice");
          await alice.join(CHANNEL);
          // The bot is in the channel again: its JOIN (it came after alice) or NAMES (before).
          await alice.waitLine(
            (l) =>
              (l.startsWith(`:${BOT_NICK}!`) && / JOIN /.test(l)) ||
              new RegExp(` 353 alice . ${CHANNEL} :.*[@+%~&]?${BOT_NICK}\\b`).test(l),
            "the bot back in the channel",
            15_000,
          );
          await alice.say(CHANNEL, "!roll 1d1");
          await waitFor(() => alice.messages(BOT_NICK, CHANNEL).length >= 1, {
            what: "answer after restart",
          });
          assert.equal(side.network.reconnects, 1);
        }),
    );
  } finally {
    await Promise.all(sides.flatMap((s) => [s.alice.close(), s.bob.close(), s.squatter.close()]));
  }
});
