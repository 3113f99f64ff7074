/**
 * What other services can do with a CyTube channel over NATS: actions (answered with an
 * `ActionResult`), the state snapshot, and what the connector's own NATS user may not do.
 */
import assert from "node:assert/strict";
import {
  type ActionResult,
  ActionResultSchema,
  BusRequestError,
  type ChannelSnapshot,
  ChannelSnapshotSchema,
  type EventBus,
  subjects,
} from "@quicksilver/core";
import { waitFor } from "@quicksilver/testing";
import { BOT, E2e } from "./_env.ts";

function act(bus: EventBus, action: string, payload: unknown): Promise<ActionResult> {
  return bus.request(subjects.platformAction("cytube", action), payload, {
    schema: ActionResultSchema,
  });
}

function snapshot(bus: EventBus, channel: string): Promise<ChannelSnapshot> {
  return bus.request(subjects.platformState("cytube", "snapshot"), { channel }, {
    schema: ChannelSnapshotSchema,
  });
}

Deno.test("playlist actions over NATS change the CyTube playlist and the snapshot shows it", async (t) => {
  await using env = await E2e.start({
    fake: {
      users: [{ name: "alice", rank: 1 }, { name: "boss", rank: 3 }],
      playlist: [
        { id: "aaaaaaaaaaa", type: "yt", title: "First", seconds: 60 },
        { id: "bbbbbbbbbbb", type: "yt", title: "Second", seconds: 90 },
      ],
    },
  });
  const { fake, nats } = env;
  const service = await nats.connect("svc-test");
  const channel = fake.channel;
  const ids = () => fake.playlist.map((item) => item.id);
  const uidOf = (id: string) => fake.playlist.find((item) => item.id === id)!.uid;

  await t.step(
    "the snapshot lists users, self, playlist with URLs, and what is playing",
    async () => {
      const snap = await snapshot(service, channel);
      assert.equal(snap.connected, true);
      assert.deepEqual(snap.source, { platform: "cytube", channel });
      assert.deepEqual(snap.self, { name: BOT.name, rank: BOT.rank, afk: false });
      const names = snap.users.map((u) => `${u.name}:${u.rank}`).sort();
      assert.deepEqual(names, ["alice:1", "boss:3", `${BOT.name}:${BOT.rank}`].sort());
      assert.deepEqual(snap.playlist.map((item) => item.media.title), ["First", "Second"]);
      assert.equal(snap.playlist[0]!.media.url, "https://youtube.com/watch?v=aaaaaaaaaaa");
      assert.equal(snap.current?.media.id, "aaaaaaaaaaa");
      assert.ok(snap.server?.startsWith("http://127.0.0.1:"));
      assert.ok(snap.connectedSince! >= snap.startedAt);
    },
  );

  await t.step("queue, move, jump and delete are reflected in CyTube's playlist", async () => {
    assert.deepEqual(
      await act(service, "queue", { channel, media: { type: "yt", id: "ccccccccccc" } }),
      { ok: true },
    );
    await fake.waitFor(() => ids().includes("ccccccccccc"), 5000, "the queued item");
    assert.deepEqual(ids(), ["aaaaaaaaaaa", "bbbbbbbbbbb", "ccccccccccc"]);
    // The connector's state must know the new uid before it accepts actions on it.
    await waitFor(() => env.connector.client.state.playlist.length === 3, { what: "state" });

    const c = uidOf("ccccccccccc");
    assert.deepEqual(await act(service, "move", { channel, uid: c, after: "prepend" }), {
      ok: true,
    });
    await fake.waitFor(() => ids()[0] === "ccccccccccc", 5000, "the moved item first");

    const b = uidOf("bbbbbbbbbbb");
    assert.deepEqual(await act(service, "jump", { channel, uid: b }), { ok: true });
    await fake.waitFor(() => fake.currentUid === b, 5000, "the jump");

    const a = uidOf("aaaaaaaaaaa");
    assert.deepEqual(await act(service, "delete", { channel, uid: a }), { ok: true });
    await fake.waitFor(() => !ids().includes("aaaaaaaaaaa"), 5000, "the deletion");

    await waitFor(async () => {
      const snap = await snapshot(service, channel);
      return snap.playlist.map((i) => i.media.id).join() === "ccccccccccc,bbbbbbbbbbb" &&
        snap.current?.uid === b;
    }, { what: "the snapshot to show the new playlist" });
  });

  await t.step(
    "refusals say why: unknown uid, higher rank, bad payload, unknown action",
    async () => {
      assert.deepEqual(await act(service, "delete", { channel, uid: 999_999 }), {
        ok: false,
        error: { code: "failed", message: "no playlist item with uid 999999" },
      });
      const kick = await act(service, "kick", { channel, user: "boss" });
      assert.equal(kick.ok, false);
      assert.equal(!kick.ok && kick.error.code, "not_permitted");
      assert.match(!kick.ok ? kick.error.message : "", /cannot kick boss/);
      const bad = await act(service, "queue", { channel, media: { type: "yt" } });
      assert.equal(!bad.ok && bad.error.code, "invalid");
      assert.match(!bad.ok ? bad.error.message : "", /media\.id/);
      const unknown = await act(service, "explode", { channel });
      assert.equal(!unknown.ok && unknown.error.code, "invalid");
      assert.ok(env.connector.metrics.actions.get({ action: "(invalid)", result: "invalid" }) >= 2);
      // Another channel's action is the business of that channel's connector: no answer here.
      const elsewhere = await service.request(
        subjects.platformAction("cytube", "next"),
        { channel: "another_channel" },
        { timeoutMs: 500 },
      ).then(() => "answered", (error) => error instanceof BusRequestError && error.code);
      assert.equal(elsewhere, "timeout");
      // A kick of someone below the bot goes through.
      assert.deepEqual(await act(service, "kick", { channel, user: "alice", reason: "test" }), {
        ok: true,
      });
      await fake.waitFor(() => !fake.users.some((u) => u.name === "alice"), 5000, "alice kicked");
    },
  );
});

Deno.test("the connector's NATS user durable-publishes events but cannot run commands or act for other platforms", async () => {
  await using env = await E2e.start();
  const bus = env.connectorBus;
  const refused: string[] = [];
  bus.onStatus((event) => {
    if (event.type === "permission-violation") refused.push(`${event.operation} ${event.subject}`);
  });
  // JetStream publish is a publish with a reply inbox: the least-privilege user can do it.
  const ack = await bus.durable.publish(subjects.event("message"), { probe: true });
  assert.equal(ack.stream, "ROSEY_EVENTS");
  assert.equal(env.connector.events.published > 0, true, "the connector's own events landed");
  bus.publish(subjects.commandExecute("dice"), {});
  bus.subscribe(subjects.allPlatformActions("shell"), () => {});
  await waitFor(() => refused.length === 2, { what: "two refusals" });
  assert.deepEqual(refused.sort(), [
    `publish ${subjects.commandExecute("dice")}`,
    `subscription ${subjects.allPlatformActions("shell")}`,
  ]);
  assert.equal(env.connector.health.status, "ok");
});

Deno.test("chat from a muted bot is reported refused with the server's words, not as sent", async () => {
  await using env = await E2e.start();
  const { fake, nats } = env;
  const service = await nats.connect("svc-test");
  const channel = fake.channel;
  assert.deepEqual(await act(service, "chat", { channel, text: "before the mute" }), { ok: true });
  fake.mute(BOT.name);
  const muted = await act(service, "chat", { channel, text: "after the mute" });
  assert.deepEqual(muted, {
    ok: false,
    error: { code: "failed", message: "CyTube refused: You have been muted on this channel." },
  });
});

Deno.test("an action CyTube ignores in silence is reported unconfirmed, never ok", async () => {
  // src/channel/chat.js handleChatMsg drops chat below the channel's `chat` permission
  // without a word; the bot (rank 2) is below 3 here.
  await using env = await E2e.start({
    fake: { permissions: { chat: 3 } },
    connector: { actionTimeoutMs: 300 },
  });
  const service = await env.nats.connect("svc-test");
  const result = await act(service, "chat", { channel: env.fake.channel, text: "anyone?" });
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.error.code, "timeout");
  assert.match(!result.ok ? result.error.message : "", /CyTube did not confirm the chat message/);
});
