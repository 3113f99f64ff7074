import assert from "node:assert/strict";
import { RANKS, subjects } from "@quicksilver/sdk";
import { PluginTestBed } from "@quicksilver/sdk/testing";
import { waitFor } from "@quicksilver/testing";
import { matchesPattern, Recorder, statsReport } from "../../plugins/inspector.ts";

const ADMIN = { user: "root", rank: RANKS.admin };

Deno.test("inspector: patterns match subjects with or without the root, or by word", () => {
  const subject = subjects.event("user.join");
  assert.ok(matchesPattern("user.*", subject));
  assert.ok(matchesPattern("events.>", subject));
  assert.ok(matchesPattern(subject, subject));
  assert.ok(matchesPattern("join", subject));
  assert.ok(!matchesPattern("message", subject));
  const rec = new Recorder();
  rec.record(subject, { type: "user.join", payload: { user: { name: "ann" } } });
  rec.paused = true;
  rec.record(subject, {});
  assert.equal(rec.total, 1);
  assert.match(statsReport(rec)[0]!, /^1 events in \d+s, 1 subjects \(recording is paused\)\.$/);
});

Deno.test("inspector with events, monitoring and heartbeats granted", async (t) => {
  await using bed = await PluginTestBed.start("plugins/inspector.ts", {
    settings: {
      grants: {
        subscribe: [subjects.allEvents(), subjects.allMonitoring(), subjects.allPluginHeartbeats()],
      },
    },
  });
  const inspect = async (args: string, as: { user: string; rank: number } = ADMIN) => {
    const result = await bed.command(`!inspect ${args}`, as);
    return { text: bed.text(result), private: result.ok && result.private === true };
  };
  await using monitor = await bed.nats.connect("monitor");

  await t.step("is for admins only", async () => {
    const result = await bed.command("!inspect events", { user: "pleb", rank: RANKS.moderator });
    assert.equal(result.ok, false);
    assert.match(bed.text(result), /not_permitted: \w+: !inspect needs rank admin\./);
  });

  await t.step("shows recent events, filtered by pattern, privately", async () => {
    bed.emit("message", { user: { name: "ann", rank: 1 }, text: "hello bus" });
    bed.emit("user.join", { user: { name: "bob", rank: 0 } });
    monitor.publish(subjects.monitoringHealth(), { component: "router", status: "ok" });
    await waitFor(async () => (await inspect("stats")).text.startsWith("3 events"), {
      what: "3 events recorded",
    });
    const all = await inspect("events");
    assert.equal(all.private, true);
    assert.match(all.text, /^Last 3 of 3 events:/);
    assert.match(all.text, /events\.message: message ann: hello bus/);
    assert.match(all.text, /monitoring\.health: router ok/);
    const joins = await inspect("events user.*");
    assert.match(
      joins.text,
      /^Last 1 of 1 events matching "user\.\*":\n.*user\.join: user\.join bob$/,
    );
  });

  await t.step("lists the plugins whose heartbeats it sees", async () => {
    const { text } = await inspect("plugins");
    assert.match(text, /^inspector: \d+ handled, 0 failed, last beat/);
  });

  await t.step("pause is remembered across a restart", async () => {
    assert.equal((await inspect("pause")).text, "Recording paused.");
    await bed.restart();
    bed.emit("message", { user: { name: "ann", rank: 1 }, text: "unseen" });
    assert.match((await inspect("stats")).text, /^0 events .*\(recording is paused\)/);
    assert.equal((await inspect("resume")).text, "Recording resumed.");
    bed.emit("message", { user: { name: "ann", rank: 1 }, text: "seen again" });
    await waitFor(async () => (await inspect("events")).text.includes("seen again"), {
      what: "event after resume",
    });
    // Same publisher, so "unseen" was delivered before "seen again": it was dropped, not late.
    assert.doesNotMatch((await inspect("events")).text, /unseen/);
    assert.deepEqual(await bed.storage(), { state: { paused: false } });
    assert.deepEqual(bed.violations, []);
  });
});

Deno.test("inspector granted only events sees nothing else", async () => {
  await using bed = await PluginTestBed.start("plugins/inspector.ts", {
    settings: { grants: { subscribe: [subjects.allEvents()] } },
  });
  await using monitor = await bed.nats.connect("monitor");
  monitor.publish(subjects.monitoringHealth(), { component: "router", status: "ok" });
  bed.emit("user.leave", { user: { name: "bob" } });
  await waitFor(
    async () => bed.text(await bed.command("!inspect events", ADMIN)).includes("user.leave"),
    {
      what: "the event",
    },
  );
  const events = bed.text(await bed.command("!inspect events", ADMIN));
  assert.doesNotMatch(events, /monitoring/);
  assert.match(
    bed.text(await bed.command("!inspect plugins", ADMIN)),
    /I can't see plugins: grant/,
  );
});
