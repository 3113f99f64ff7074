/**
 * Nicks the server refuses during registration: a nick longer than ngIRCd's NICKLEN (9) is
 * "erroneous" (432); the bot takes a short one with digits and joins, instead of retrying the
 * same refused nick forever.
 */
import assert from "node:assert/strict";
import { IrcUser } from "./_irc_user.ts";
import { CHANNEL, IrcEnv } from "./_env.ts";

Deno.test("a nick the server calls erroneous (too long for ngIRCd) is replaced by a short one and the bot joins", async () => {
  await using env = await IrcEnv.start("ngircd", {
    plugins: [],
    network: { nick: "quicksilverbot" },
  });
  const network = [...env.connector!.networks.values()][0]!;
  assert.match(network.state.nick, /^quick\d{4}$/);
  await using alice = await IrcUser.connect(env.server.port, "alice");
  await alice.join(CHANNEL);
  assert.ok(
    alice.lines.some((l) => new RegExp(` 353 alice . ${CHANNEL} :.*${network.state.nick}`).test(l)),
  );
});
