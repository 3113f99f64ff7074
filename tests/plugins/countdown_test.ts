import assert from "node:assert/strict";
import { RANKS } from "@quicksilver/sdk";
import { PluginTestBed } from "@quicksilver/sdk/testing";
import {
  type Countdown,
  formatDuration,
  nextOccurrence,
  parseAlerts,
  parseWhen,
  pastAlerts,
  tick,
} from "../../plugins/countdown.ts";

// Wednesday 2030-01-02 12:00 local time.
const NOW = new Date(2030, 0, 2, 12, 0, 0).getTime();
const MIN = 60_000;

Deno.test("countdown: reads delays, dates, weekdays and recurrences", () => {
  assert.equal(parseWhen("in 2 hours", NOW).target, NOW + 120 * MIN);
  assert.equal(parseWhen("in 1h 30m", NOW).target, NOW + 90 * MIN);
  assert.equal(parseWhen("in 45 seconds", NOW).target, NOW + 45_000);
  assert.equal(parseWhen("2030-01-03 18:30", NOW).target, new Date(2030, 0, 3, 18, 30).getTime());
  assert.equal(parseWhen("friday 19:00", NOW).target, new Date(2030, 0, 4, 19, 0).getTime());
  assert.equal(parseWhen("11:00", NOW).target, new Date(2030, 0, 3, 11, 0).getTime());
  assert.equal(parseWhen("tomorrow 9am", NOW).target, new Date(2030, 0, 3, 9, 0).getTime());
  const weekly = parseWhen("every friday 19:00", NOW);
  assert.deepEqual(weekly.recurrence, { kind: "weekly", weekday: 5, hour: 19, minute: 0 });
  assert.equal(weekly.target, new Date(2030, 0, 4, 19, 0).getTime());
  assert.equal(
    nextOccurrence(weekly.recurrence!, weekly.target),
    new Date(2030, 0, 11, 19, 0).getTime(),
  );
  assert.equal(parseWhen("every day 08:00", NOW).target, new Date(2030, 0, 3, 8, 0).getTime());
  assert.throws(() => parseWhen("2020-01-01", NOW), /already passed/);
  assert.throws(() => parseWhen("in 2 fortnights", NOW), /can't read/);
  assert.throws(() => parseWhen("every funday", NOW), /not a day of the week/);
  assert.deepEqual(parseAlerts("1, 10,5,5"), [10, 5, 1]);
  assert.throws(() => parseAlerts("0"), /whole minutes/);
  assert.equal(formatDuration(90 * MIN + 5000), "1h 30m 5s");
});

Deno.test("countdown: alerts fire once, the past is never announced, recurrences roll over", () => {
  const c: Countdown = {
    name: "party",
    source: { platform: "shell", channel: "test" },
    by: "alice",
    target: NOW + 10 * MIN,
    alerts: [10, 5, 1],
    fired: pastAlerts([10, 5, 1], NOW + 10 * MIN, NOW),
  };
  assert.deepEqual(c.fired, [10]);
  assert.deepEqual(tick(c, NOW + MIN).say, []);
  const five = tick(c, NOW + 5 * MIN);
  assert.deepEqual(five.say, ["⏳ party: T-minus 5 minutes!"]);
  assert.deepEqual(tick(five.next!, NOW + 5 * MIN + 1000).say, []);
  // Down for 3 minutes across the 1-minute alert: skipped, but the moment itself is announced.
  const end = tick(five.next!, NOW + 10 * MIN + 500);
  assert.deepEqual(end.say, ["⏰ party: it's time!"]);
  assert.equal(end.next, null);
  const weekly = {
    ...c,
    recurrence: { kind: "weekly" as const, weekday: 3, hour: 12, minute: 10 },
  };
  const rolled = tick(weekly, NOW + 10 * MIN);
  assert.equal(rolled.next!.target, new Date(2030, 0, 9, 12, 10).getTime());
  assert.deepEqual(rolled.next!.fired, []);
});

Deno.test("countdown in the sandbox", async (t) => {
  await using bed = await PluginTestBed.start("plugins/countdown.ts", {
    settings: { config: { tickMs: 200 } },
  });
  const say = async (text: string, user = "alice", rank: number = RANKS.user) =>
    bed.text(await bed.command(text, { user, rank }));

  await t.step("starts, shows and lists countdowns", async () => {
    assert.match(await say("!countdown party in 2 hours"), /^Started countdown party: in 2h/);
    assert.match(
      await say("!countdown weekly every friday 19:00"),
      /^Started countdown weekly: every friday 19:00, next in/,
    );
    assert.match(await say("!countdown party"), /^party: in (2h|1h 59m 5\ds)$/);
    const list = await say("!countdown list");
    assert.match(list, /party: in (2h|1h 59m)/);
    assert.match(list, /weekly: every friday/);
    assert.match(
      await say("!countdown party when-pigs-fly"),
      /invalid_args: I can't read "when-pigs-fly" as a time/,
    );
  });

  await t.step(
    "pause stops the clock, resume restarts it; only the owner or a moderator may",
    async () => {
      assert.match(await say("!countdown pause party", "bob"), /Only alice or a moderator/);
      assert.match(await say("!countdown pause party"), /^Paused party with (2h|1h 59m 5\ds) left/);
      assert.match(await say("!countdown party"), /paused with (2h|1h 59m)/);
      assert.match(
        await say("!countdown resume party", "mod", RANKS.moderator),
        /^Resumed: party: in (2h|1h 59m)/,
      );
      assert.match(await say("!countdown delete weekly"), /Deleted countdown "weekly"/);
      assert.match(await say("!countdown weekly"), /There is no countdown "weekly"/);
    },
  );

  await t.step("announces the moment itself on time", async () => {
    const asked = Date.now();
    await say("!countdown tea in 2 seconds");
    const said = await bed.nextSay((s) => s.text === "⏰ tea: it's time!");
    assert.deepEqual(said.source, bed.source);
    const late = Date.now() - asked;
    assert.ok(late >= 1900 && late < 4000, `fired after ${late} ms`);
  });

  await t.step("a T-minus alert set before a restart fires after it", async () => {
    assert.match(await say("!countdown launch in 63 seconds"), /^Started/);
    assert.match(await say("!countdown alerts launch 1"), /launch: alerts at T-1m/);
    await bed.restart();
    await bed.nextSay((s) => s.text === "⏳ launch: T-minus 1 minute!");
    assert.match(await say("!countdown launch"), /^launch: in (1m|5\ds)$/);
    assert.match(await say("!countdown party"), /^party: in 1h 5\dm/);
  });
});
