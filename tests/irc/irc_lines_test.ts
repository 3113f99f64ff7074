// deno-lint-ignore-file no-control-regex -- IRC framing (CR, LF, NUL) and CTCP (\x01) are control characters
/**
 * The IRC protocol layer without a socket: lines split under 512 bytes without cutting a
 * UTF-8 sequence or a grapheme, channel modes as ranks, server-time backlog, CTCP answers, and
 * text that tries to smuggle a second command or a CTCP.
 */
import assert from "node:assert/strict";
import { EVENT_TYPES, type MessagePayload, RANKS } from "@quicksilver/core";
import {
  byteLength,
  IRC_LINE_BYTES,
  IrcNetworkState,
  PacingQueue,
  parseIrcLine,
  privmsgLines,
  splitIrcText,
} from "../../connectors/irc/mod.ts";

const MASK = "rosey!rosey@127.0.0.1";

Deno.test("a long text is split into lines that fit 512 bytes with the server's prefix", () => {
  const texts = [
    "word ".repeat(400),
    "x".repeat(2000),
    "é".repeat(900), // 2-byte sequences
    "日本語のテキスト".repeat(120), // 3-byte sequences, no spaces
    "👍🏽".repeat(300), // emoji + skin tone modifier: one grapheme, 8 bytes
    "👨‍👩‍👧‍👦 family ".repeat(80), // ZWJ sequence: one grapheme, 25 bytes
    "e\u0301".repeat(700), // e + combining acute: one grapheme
  ];
  for (const text of texts) {
    const lines = privmsgLines({ target: "#rosey", text, mask: MASK });
    assert.ok(lines.length > 1);
    for (const line of lines) {
      // What other clients receive: ":<mask> " + our line + CRLF.
      assert.ok(byteLength(`:${MASK} ${line}\r\n`) <= IRC_LINE_BYTES, `${byteLength(line)} bytes`);
      assert.ok(!line.includes("\uFFFD"));
    }
    const pieces = lines.map((line) => line.slice("PRIVMSG #rosey :".length));
    // Nothing lost: the pieces put together are the text (spaces at the cuts aside).
    assert.equal(pieces.join("").replace(/ /g, ""), text.replace(/ /g, ""));
    const graphemes = (s: string) => [...new Intl.Segmenter().segment(s)].map((g) => g.segment);
    const all = new Set(graphemes(text));
    for (const piece of pieces) {
      for (const g of graphemes(piece)) {
        assert.ok(all.has(g), `cut grapheme ${JSON.stringify(g)}`);
      }
    }
  }
});

Deno.test("text cannot smuggle a second IRC command or a CTCP", () => {
  const lines = privmsgLines({
    target: "#rosey",
    text: "hi\r\nQUIT :bye\x00\x01VERSION\x01 \x01DCC SEND x\x01",
    mask: MASK,
  });
  for (const line of lines) {
    assert.ok(!/[\r\0\x01]/.test(line), JSON.stringify(line));
    assert.match(line, /^PRIVMSG #rosey :/);
  }
  assert.deepEqual(lines, ["PRIVMSG #rosey :hi", "PRIVMSG #rosey :QUIT :byeVERSION DCC SEND x"]);
  const me = privmsgLines({ target: "#rosey", text: "waves", action: true, mask: MASK });
  assert.deepEqual(me, ["PRIVMSG #rosey :\x01ACTION waves\x01"]);
});

Deno.test("splitIrcText prefers spaces and never returns an empty line", () => {
  assert.deepEqual(splitIrcText("héllo wörld", 8), ["héllo", "wörld"]);
  assert.deepEqual(splitIrcText("a\n\n b \n", 10), ["a", "b"]);
  assert.throws(() => splitIrcText("x", 2), RangeError);
});

function joined(profile: "irc" | "twitch" = "irc") {
  const state = new IrcNetworkState({ profile, nick: "rosey", version: "Quicksilver test" });
  for (
    const line of [
      ":irc.test 001 rosey :Welcome",
      ":irc.test 005 rosey PREFIX=(qaohv)~&@%+ CHANMODES=beI,k,l,imnpst CASEMAPPING=rfc1459 :are supported",
      "@time=2026-11-30T12:00:00.000Z :rosey!rosey@127.0.0.1 JOIN #rosey",
      ":irc.test 353 rosey = #rosey :rosey ~owner &admin @op %half +voice plain @+both",
      ":irc.test 366 rosey #rosey :End of /NAMES list.",
    ]
  ) state.handle(parseIrcLine(line)!);
  return state;
}

Deno.test("channel prefixes are ranks: owner, admin, op, halfop, voice", () => {
  const state = joined();
  const expect: Record<string, number> = {
    owner: RANKS.owner,
    admin: RANKS.admin,
    op: RANKS.moderator,
    half: RANKS.leader,
    voice: RANKS.user,
    plain: RANKS.guest,
    both: RANKS.moderator,
  };
  for (const [nick, rank] of Object.entries(expect)) {
    assert.equal(state.rankIn("#rosey", nick), rank, nick);
  }
  const modes = state.handle(parseIrcLine(":op!o@h MODE #rosey +vo-o+k plain plain op secretkey")!);
  assert.deepEqual(
    modes.events.map((
      e,
    ) => [
      e.type,
      (e.payload as { user: { name: string }; rank: number }).user.name,
      (e.payload as { rank: number }).rank,
    ]),
    [[EVENT_TYPES.userUpdate, "plain", RANKS.moderator], [
      EVENT_TYPES.userUpdate,
      "op",
      RANKS.guest,
    ]],
  );
});

Deno.test("joining reports the bot and who is there; joins, parts, kicks, quits and nicks follow", () => {
  const state = new IrcNetworkState({ profile: "irc", nick: "rosey", version: "v" });
  state.handle(parseIrcLine(":rosey!rosey@h JOIN :#rosey")!);
  state.handle(parseIrcLine(":s 353 rosey = #rosey :@alice rosey")!);
  const end = state.handle(parseIrcLine(":s 366 rosey #rosey :End")!);
  assert.deepEqual(end.events.map((e) => e.type), [
    EVENT_TYPES.channelJoined,
    EVENT_TYPES.channelPresence,
  ]);
  assert.deepEqual(end.events[1]!.payload, { users: [{ name: "alice", rank: RANKS.moderator }] });
  const types = (line: string) => state.handle(parseIrcLine(line)!).events.map((e) => e.type);
  assert.deepEqual(types(":bob!b@h JOIN #rosey"), [EVENT_TYPES.userJoin]);
  assert.deepEqual(types(":bob!b@h NICK :bobby"), [
    EVENT_TYPES.userLeave,
    EVENT_TYPES.userJoin,
    EVENT_TYPES.userRename,
  ]);
  assert.deepEqual(types(":bobby!b@h PART #rosey :later"), [EVENT_TYPES.userLeave]);
  assert.deepEqual(types(":carol!c@h JOIN #rosey"), [EVENT_TYPES.userJoin]);
  assert.deepEqual(types(":carol!c@h QUIT :gone"), [EVENT_TYPES.userLeave]);
  assert.deepEqual(types(":alice!a@h KICK #rosey rosey :out"), [EVENT_TYPES.channelLeft]);
  assert.equal(state.channels.size, 0);
});

Deno.test("a line stamped before the bot's join (server-time) is backlog; later ones are messages", () => {
  const state = joined();
  const old = state.handle(
    parseIrcLine("@time=2026-11-30T11:59:00.000Z;msgid=1 :op!o@h PRIVMSG #rosey :!roll 1d6")!,
  );
  assert.equal(old.backlog, true);
  assert.equal(old.events.length, 0);
  const fresh = state.handle(
    parseIrcLine("@time=2026-11-30T12:00:01.000Z;msgid=2 :op!o@h PRIVMSG #rosey :!roll 1d6")!,
  );
  assert.equal(fresh.events[0]?.type, EVENT_TYPES.message);
  assert.equal(fresh.events[0]?.time, Date.parse("2026-11-30T12:00:01.000Z"));
  const action = state.handle(parseIrcLine(":op!o@h PRIVMSG #rosey :\x01ACTION waves\x01")!);
  assert.deepEqual(action.events[0]!.payload as MessagePayload, {
    user: { name: "op", rank: RANKS.moderator },
    text: "waves",
    action: true,
  });
});

Deno.test("a PM is filed under the channel where the sender ranks, addressed to the bot", () => {
  const state = joined();
  const pm = state.handle(parseIrcLine(":op!o@h PRIVMSG rosey :status")!);
  assert.equal(pm.events[0]?.type, EVENT_TYPES.privateMessage);
  assert.equal(pm.events[0]?.channel, "#rosey");
  assert.deepEqual(pm.events[0]?.payload, {
    user: { name: "op", rank: RANKS.moderator },
    text: "status",
    to: "rosey",
  });
});

Deno.test("a message to the channel's ops (@#chan) is a channel line; a PM to someone else is ignored", () => {
  const state = joined();
  const ops = state.handle(parseIrcLine(":op!o@h PRIVMSG @#rosey :help")!);
  assert.equal(ops.events[0]?.type, EVENT_TYPES.message);
  assert.equal(ops.events[0]?.channel, "#rosey");
  assert.deepEqual(state.handle(parseIrcLine(":op!o@h PRIVMSG someoneelse :help")!).events, []);
  assert.deepEqual(
    state.handle(parseIrcLine(":op!o@h PRIVMSG @#rosey :\x01VERSION\x01")!).replies,
    [],
  );
});

Deno.test("CTCP VERSION, PING, TIME and CLIENTINFO get a NOTICE; the PING token is kept, control bytes not", () => {
  const state = joined();
  const reply = (text: string) =>
    state.handle(parseIrcLine(`:bob!b@h PRIVMSG rosey :${text}`)!).replies;
  assert.deepEqual(reply("\x01VERSION\x01"), ["NOTICE bob :\x01VERSION Quicksilver test\x01"]);
  assert.deepEqual(reply("\x01PING 1700000000 123\x01"), [
    "NOTICE bob :\x01PING 1700000000 123\x01",
  ]);
  assert.match(reply("\x01TIME\x01")[0]!, /^NOTICE bob :\x01TIME .+ GMT\x01$/);
  assert.equal(reply("\x01CLIENTINFO\x01").length, 1);
  assert.deepEqual(reply("\x01DCC SEND x 1 2 3\x01"), []);
  assert.deepEqual(reply("\x01PING a\x02\x03b\x01"), ["NOTICE bob :\x01PING ab\x01"]);
  // A CTCP to a channel is not answered (one query would make every bot in it reply).
  assert.deepEqual(
    state.handle(parseIrcLine(":bob!b@h PRIVMSG #rosey :\x01VERSION\x01")!).replies,
    [],
  );
});

Deno.test("the pacing queue: a burst, then the rate; lanes take turns", async () => {
  let now = 0;
  const sent: string[] = [];
  const queue = new PacingQueue({
    pacing: { burst: 3, perSecond: 1 },
    write: (l) => sent.push(l),
    now: () => now,
  });
  queue.resume();
  queue.push("alice", ["a1", "a2", "a3", "a4"].map((line) => ({ line })));
  queue.push("bob", [{ line: "b1" }]);
  await waitUntil(() => sent.length === 3);
  assert.deepEqual(sent, ["a1", "b1", "a2"], "bob's answer is not behind all of alice's");
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(sent.length, 3, "past the burst, nothing leaves before its time");
  now += 1000;
  queue.setPacing({ burst: 3, perSecond: 1 }); // re-reads the (fake) clock
  await waitUntil(() => sent.length === 4);
  queue.close();
});

async function waitUntil(test: () => boolean) {
  const deadline = Date.now() + 5000;
  while (!test()) {
    if (Date.now() > deadline) throw new Error("condition not met in 5 s");
    await new Promise((r) => setTimeout(r, 5));
  }
}
