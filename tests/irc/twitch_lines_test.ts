/**
 * The Twitch profile on recorded Twitch chat lines (the formats of dev.twitch.tv/docs/irc:
 * tags, USERSTATE, membership JOIN/NAMES): badges become ranks, display names are used, the
 * message id threads the answer, and the bot's own moderator badge lifts its rate limit from
 * 20 to 100 messages per 30 s. Twitch cannot be reached from here, so these are unit tests.
 */
import assert from "node:assert/strict";
import { EVENT_TYPES, type MessagePayload, RANKS } from "@quicksilver/core";
import {
  IrcNetworkSchema,
  IrcNetworkState,
  PacingQueue,
  parseIrcLine,
  privmsgLines,
  TWITCH_MODERATOR_PACING,
  TWITCH_USER_PACING,
} from "../../connectors/irc/mod.ts";

const BOT = "rosey_bot";
const JOINED = [
  `:tmi.twitch.tv 001 ${BOT} :Welcome, GLHF!`,
  `:${BOT}!${BOT}@${BOT}.tmi.twitch.tv JOIN #streamer`,
  `:${BOT}.tmi.twitch.tv 353 ${BOT} = #streamer :${BOT}`,
  `:${BOT}.tmi.twitch.tv 366 ${BOT} #streamer :End of /NAMES list`,
];
const T0 = Date.parse("2026-11-30T12:00:00Z");

function privmsg(tags: string, login: string, text: string, ts = T0 + 5000) {
  return `@${tags};tmi-sent-ts=${ts} :${login}!${login}@${login}.tmi.twitch.tv PRIVMSG #streamer :${text}`;
}

function twitchState() {
  const state = new IrcNetworkState({
    profile: "twitch",
    nick: BOT,
    version: "test",
    now: () => T0,
  });
  for (const line of JOINED) state.handle(parseIrcLine(line)!);
  return state;
}

Deno.test("twitch: badges map to ranks and display names are the names users see", () => {
  const state = twitchState();
  const cases: [string, string, number][] = [
    [
      "badge-info=;badges=broadcaster/1;display-name=StreamerName;id=a1;user-id=100",
      "streamer",
      RANKS.owner,
    ],
    [
      "badge-info=;badges=moderator/1;display-name=ModPerson;id=a2;mod=1;user-id=101",
      "modperson",
      RANKS.moderator,
    ],
    [
      "badge-info=;badges=vip/1;display-name=VipOne;id=a3;mod=0;user-id=102",
      "vipone",
      RANKS.leader,
    ],
    [
      "badge-info=subscriber/14;badges=subscriber/12;display-name=Subby;id=a4;mod=0;user-id=103",
      "subby",
      RANKS.user,
    ],
    ["badge-info=;badges=;display-name=Viewer;id=a5;mod=0;user-id=104", "viewer", RANKS.guest],
    [
      "badge-info=;badges=glhf-pledge/1;display-name=\\u5c0f\\u660e;id=a6;mod=1;user-id=105",
      "xiaoming",
      RANKS.moderator,
    ],
  ];
  for (const [tags, login, rank] of cases) {
    const outcome = state.handle(parseIrcLine(privmsg(tags, login, "!roll 1d6"))!);
    const event = outcome.events[0]!;
    assert.equal(event.type, EVENT_TYPES.message);
    const payload = event.payload as MessagePayload;
    assert.equal(payload.user.rank, rank, login);
    assert.equal(payload.user.id, /user-id=(\d+)/.exec(tags)![1]);
    assert.equal(payload.text, "!roll 1d6");
    assert.equal(event.time, T0 + 5000, "tmi-sent-ts is the event time");
  }
  const names = cases.map(([tags, login]) => {
    const outcome = state.handle(parseIrcLine(privmsg(tags, login, "hi"))!);
    return (outcome.events[0]!.payload as MessagePayload).user.name;
  });
  assert.deepEqual(names.slice(0, 5), ["StreamerName", "ModPerson", "VipOne", "Subby", "Viewer"]);
});

Deno.test("twitch: an answer to a command is a reply in its thread", () => {
  const state = twitchState();
  state.handle(
    parseIrcLine(
      privmsg(
        "badges=;display-name=Viewer;id=885196de-cb67-427a-baa8-82f9b0fcd05f",
        "viewer",
        "!roll 1d6",
      ),
    )!,
  );
  const last = state.channel("#streamer")!.lastMessageId.get("viewer")!;
  assert.equal(last.id, "885196de-cb67-427a-baa8-82f9b0fcd05f");
  const [first, second] = privmsgLines({
    target: "#streamer",
    text: `viewer rolled 1d6: 4 ${"x".repeat(600)}`,
    replyParent: last.id,
    mask: `${BOT}!${BOT}@${BOT}.tmi.twitch.tv`,
    twitch: true,
  });
  assert.match(
    first!,
    /^@reply-parent-msg-id=885196de-cb67-427a-baa8-82f9b0fcd05f PRIVMSG #streamer :viewer rolled/,
  );
  assert.match(second!, /^PRIVMSG #streamer :x+$/, "only the first line is the reply");
  // A reply in a thread: the answer goes to the thread's first message.
  state.handle(
    parseIrcLine(privmsg(
      "badges=;display-name=Viewer;id=c2;reply-parent-msg-id=b1;reply-thread-parent-msg-id=root1",
      "viewer",
      "!roll 1d6",
    ))!,
  );
  assert.equal(state.channel("#streamer")!.lastMessageId.get("viewer")!.id, "root1");
});

Deno.test("twitch: a message stamped before the bot joined is backlog, not a command", () => {
  const state = new IrcNetworkState({ profile: "twitch", nick: BOT, version: "test" });
  const joinAt = Date.now();
  state.handle(
    parseIrcLine(`@tmi-sent-ts=${joinAt} :${BOT}!${BOT}@${BOT}.tmi.twitch.tv JOIN #streamer`)!,
  );
  state.handle(parseIrcLine(`:${BOT}.tmi.twitch.tv 366 ${BOT} #streamer :End`)!);
  const old = state.handle(
    parseIrcLine(privmsg("badges=;id=z", "viewer", "!roll 1d6", joinAt - 60_000))!,
  );
  assert.equal(old.backlog, true);
  assert.equal(old.events.length, 0);
});

Deno.test("twitch: the bot's moderator badge (USERSTATE) raises its limit from 20 to 100 per 30 s", async () => {
  const state = twitchState();
  const user = state.handle(
    parseIrcLine(
      "@badge-info=;badges=;color=;display-name=rosey_bot;emote-sets=0;mod=0;subscriber=0;user-type= :tmi.twitch.tv USERSTATE #streamer",
    )!,
  );
  assert.equal(user.selfBadges?.rank, RANKS.guest);
  const mod = state.handle(
    parseIrcLine(
      "@badge-info=;badges=moderator/1;color=;display-name=rosey_bot;emote-sets=0;mod=1;subscriber=0;user-type=mod :tmi.twitch.tv USERSTATE #streamer",
    )!,
  );
  assert.equal(mod.selfBadges?.rank, RANKS.moderator);
  assert.equal(state.selfRank("#streamer"), RANKS.moderator);

  // Twitch's windows, on a clock that does not move: 20 lines leave, the 21st waits 30 s.
  const now = 1_000_000;
  const sent: string[] = [];
  const queue = new PacingQueue({
    pacing: TWITCH_USER_PACING,
    write: (l) => sent.push(l),
    now: () => now,
  });
  queue.resume();
  queue.push("a", Array.from({ length: 120 }, (_, i) => ({ line: `PRIVMSG #streamer :${i}` })));
  await waitUntil(() => sent.length === 20);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(sent.length, 20, "no 21st line inside the 30 s window");
  queue.setPacing(TWITCH_MODERATOR_PACING);
  // The 20 already sent count: 80 more, not 100.
  await waitUntil(() => sent.length === 100);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(sent.length, 100);
  queue.close();
});

Deno.test("twitch: a network needs an oauth: token, and gets Twitch's host and TLS by default", () => {
  const missing = IrcNetworkSchema.safeParse({
    name: "tw",
    profile: "twitch",
    nick: BOT,
    channels: ["#streamer"],
  });
  assert.equal(missing.success, false);
  assert.match(JSON.stringify(missing.error?.issues), /oauth:/);
  const ok = IrcNetworkSchema.parse({
    name: "tw",
    profile: "twitch",
    nick: BOT,
    password: "oauth:abc",
    channels: ["#streamer"],
  });
  assert.equal(ok.host, undefined, "IrcNetwork fills in irc.chat.twitch.tv");
});

async function waitUntil(test: () => boolean) {
  const deadline = Date.now() + 5000;
  while (!test()) {
    if (Date.now() > deadline) throw new Error("condition not met in 5 s");
    await new Promise((r) => setTimeout(r, 5));
  }
}
