import assert from "node:assert/strict";
import { z } from "zod";
import {
  ChannelJoinedPayloadSchema,
  ChannelLeftPayloadSchema,
  ChatActionSchema,
  COMMAND_ERROR_CODES,
  CommandExecuteSchema,
  CommandResultSchema,
  CommandSpecSchema,
  compiledValidator,
  createEnvelope,
  decode,
  decodeEnvelope,
  encodeJson,
  type Envelope,
  envelopeOf,
  EVENT_TYPES,
  EventDecodeError,
  MediaChangePayloadSchema,
  MessagePayloadSchema,
  newEventId,
  parseJson,
  PlaylistAddPayloadSchema,
  PlaylistMovePayloadSchema,
  PlaylistRemovePayloadSchema,
  PlaylistResetPayloadSchema,
  PLUGIN_STATES,
  PluginManifestSchema,
  PluginSaySchema,
  PluginStatusSchema,
  PluginTableSchema,
  PrivateMessageActionSchema,
  RANKS,
  type Schema,
  SecurityViolationSchema,
  SourceSchema,
  UserJoinPayloadSchema,
  UserLeavePayloadSchema,
  UserRenamePayloadSchema,
  UserSchema,
  UserUpdatePayloadSchema,
  validate,
  type Validator,
} from "@quicksilver/core";

const source = { platform: "cytube", channel: "lobby" };
const alice = { name: "alice", rank: RANKS.moderator, id: "u-1" };
const media = { id: "dQw4w9WgXcQ", type: "yt", title: "A song", duration: 212, url: "https://x" };
const item = { uid: 7, media, temp: false, queuedBy: "alice" };

/** One valid, fully populated payload per schema (optional fields set, to round-trip them too). */
const samples: [string, Schema, unknown][] = [
  [EVENT_TYPES.message, MessagePayloadSchema, { user: alice, text: "!roll 2d6", action: false }],
  [EVENT_TYPES.privateMessage, MessagePayloadSchema, { user: alice, text: "hi", to: "rosey" }],
  [EVENT_TYPES.userJoin, UserJoinPayloadSchema, { user: alice }],
  [EVENT_TYPES.userLeave, UserLeavePayloadSchema, { user: { name: "alice" } }],
  [EVENT_TYPES.userRename, UserRenamePayloadSchema, { from: "alice", to: "alice_away" }],
  [EVENT_TYPES.userUpdate, UserUpdatePayloadSchema, {
    user: { name: "alice" },
    rank: 3,
    afk: true,
    muted: false,
  }],
  [EVENT_TYPES.mediaChange, MediaChangePayloadSchema, {
    media,
    uid: 7,
    queuedBy: "alice",
    paused: false,
    currentTime: 12.5,
  }],
  [EVENT_TYPES.playlistAdd, PlaylistAddPayloadSchema, { item, after: "append" }],
  [EVENT_TYPES.playlistAdd, PlaylistAddPayloadSchema, { item, after: 3 }],
  [EVENT_TYPES.playlistRemove, PlaylistRemovePayloadSchema, { uid: 7 }],
  [EVENT_TYPES.playlistMove, PlaylistMovePayloadSchema, { uid: 7, after: "prepend" }],
  [EVENT_TYPES.playlistReset, PlaylistResetPayloadSchema, { items: [item, { ...item, uid: 8 }] }],
  [EVENT_TYPES.channelJoined, ChannelJoinedPayloadSchema, { self: { name: "rosey", rank: 3 } }],
  [EVENT_TYPES.channelLeft, ChannelLeftPayloadSchema, { reason: "kicked" }],
  ["command.execute", CommandExecuteSchema, {
    command: "roll",
    args: ["2d6"],
    rawArgs: "2d6",
    user: alice,
    source,
    private: false,
    messageId: "m-1",
    deadlineMs: 5000,
  }],
  ["command.result", CommandResultSchema, { ok: true, reply: ["alice rolls 7"], private: true }],
  ["command.result", CommandResultSchema, {
    ok: false,
    error: { code: COMMAND_ERROR_CODES.invalidArgs, message: "use !roll NdM" },
  }],
  ["plugin.say", PluginSaySchema, { source, text: "tick", to: "alice" }],
  ["chat", ChatActionSchema, { channel: "lobby", text: "hello", origin: "dice" }],
  ["pm", PrivateMessageActionSchema, { channel: "lobby", text: "psst", to: "alice" }],
  ["manifest", PluginManifestSchema, {
    name: "dice",
    version: "1.0.0",
    description: "dice",
    commands: [{
      name: "roll",
      aliases: ["r"],
      usage: "!roll NdM",
      help: "Rolls dice.",
      minRank: 0,
      cooldownMs: 1000,
    }],
    events: ["user.join"],
  }],
  ["status", PluginStatusSchema, {
    name: "dice",
    state: PLUGIN_STATES.running,
    pid: 42,
    startedAt: 1,
    restarts: 0,
    reason: "started",
    violations: 0,
    cpuPercent: 1.5,
    rssBytes: 1000,
    messages: 3,
  }],
  ["table", PluginTableSchema, {
    plugins: [{ name: "dice", state: "stopped", restarts: 1, violations: 0 }],
    revision: 4,
  }],
  ["violation", SecurityViolationSchema, {
    plugin: "evil",
    kind: "nats-publish",
    detail: "rosey-ish subject",
    action: "denied",
    time: 1,
  }],
];

Deno.test("every payload survives an envelope round trip through bytes", () => {
  for (const [type, schema, payload] of samples) {
    const envelope = createEnvelope(type, source, payload, { correlationId: "c-1" });
    const bytes = encodeJson(envelope);
    const decoded = decodeEnvelope(schema, bytes);
    assert.deepEqual(decoded, envelope, type);
    // Text and already-parsed values decode the same way.
    assert.deepEqual(decodeEnvelope(schema, new TextDecoder().decode(bytes)), envelope, type);
    assert.deepEqual(decodeEnvelope(schema, JSON.parse(new TextDecoder().decode(bytes))), envelope);
  }
});

Deno.test("createEnvelope fills id and time, and keeps given ones", () => {
  const before = Date.now();
  const fresh = createEnvelope("message", source, { x: 1 });
  assert.ok(fresh.id.length > 0);
  assert.ok(fresh.time >= before && fresh.time <= Date.now());
  assert.equal("correlationId" in fresh, false);
  const fixed = createEnvelope("message", source, 1, { id: "e-1", time: 5, correlationId: "c" });
  assert.deepEqual(fixed, {
    id: "e-1",
    type: "message",
    source,
    time: 5,
    correlationId: "c",
    payload: 1,
  });
  const ids = new Set(Array.from({ length: 1000 }, () => newEventId()));
  assert.equal(ids.size, 1000, "event ids are unique");
});

Deno.test("schema defaults are filled in on decode", () => {
  const manifest = validate(PluginManifestSchema, { name: "dice", version: "1" });
  assert.deepEqual(manifest, {
    name: "dice",
    version: "1",
    description: "",
    commands: [],
    events: [],
  });
  assert.deepEqual(validate(CommandSpecSchema, { name: "roll" }), {
    name: "roll",
    aliases: [],
    usage: "",
    help: "",
    minRank: 0,
    cooldownMs: 0,
  });
});

/** Asserts that `fn` throws an EventDecodeError naming `field`. */
function assertRejects(fn: () => unknown, field: string, message?: RegExp): EventDecodeError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof EventDecodeError, `expected EventDecodeError, got ${caught}`);
  assert.equal(caught.name, "EventDecodeError");
  assert.equal(caught.field, field);
  if (field !== "(root)") assert.ok(caught.message.includes(field), caught.message);
  if (message) assert.match(caught.message, message);
  return caught;
}

Deno.test("a malformed event is rejected with an error naming the field", () => {
  const good = createEnvelope("message", source, { user: alice, text: "hi" });
  assertRejects(
    () =>
      decodeEnvelope(MessagePayloadSchema, {
        ...good,
        payload: { user: { rank: 0 }, text: "hi" },
      }),
    "payload.user.name",
    /^envelope: payload\.user\.name: /,
  );
  assertRejects(
    () => decodeEnvelope(MessagePayloadSchema, { ...good, payload: { user: alice, text: 5 } }),
    "payload.text",
  );
  assertRejects(
    () => decodeEnvelope(MessagePayloadSchema, { ...good, source: { platform: "cy.tube" } }),
    "source.platform",
    /subject token/,
  );
  assertRejects(() => decodeEnvelope(MessagePayloadSchema, { ...good, time: -1 }), "time");
  assertRejects(() => decodeEnvelope(MessagePayloadSchema, { ...good, id: "" }), "id");
  assertRejects(
    () =>
      decodeEnvelope(PlaylistResetPayloadSchema, {
        ...good,
        payload: { items: [item, { ...item, media: { ...media, duration: -1 } }] },
      }),
    "payload.items.1.media.duration",
  );
  assertRejects(
    () => validate(CommandResultSchema, { ok: false, error: { code: "oops", message: "" } }),
    "error.code",
  );
  assertRejects(
    () => validate(PluginStatusSchema, { name: "dice", state: "sleeping" }),
    "state",
  );
  // A value that is wrong as a whole names the root.
  assertRejects(() => decodeEnvelope(MessagePayloadSchema, 42), "(root)");
  assertRejects(() => validate(z.string(), 1, "greeting"), "(root)", /^greeting: \(root\): /);
  // Every issue is kept, not only the first.
  const error = assertRejects(
    () => validate(UserSchema, { name: "", rank: "high" }),
    "name",
  );
  assert.deepEqual(error.issues.map((i) => i.path), ["name", "rank"]);
});

Deno.test("bytes that are not JSON are rejected as such, never thrown raw", () => {
  for (const input of ["{not json", new TextEncoder().encode("\u0000"), ""]) {
    const error = assertRejects(() => decodeEnvelope(MessagePayloadSchema, input), "(root)");
    assert.match(error.message, /^not JSON: /);
    assert.ok(error.cause instanceof SyntaxError);
    assertRejects(() => parseJson(input), "(root)", /not JSON/);
    assertRejects(() => decode(SourceSchema, input), "(root)", /not JSON/);
  }
  assert.deepEqual(decode(SourceSchema, encodeJson(source)), source);
  assertRejects(() => decode(SourceSchema, "{}", "source"), "platform", /^source: platform: /);
});

Deno.test("envelopeOf builds one typed envelope schema per payload schema", () => {
  const schema = envelopeOf(MessagePayloadSchema);
  assert.equal(envelopeOf(MessagePayloadSchema), schema, "cached");
  assert.notEqual(envelopeOf(UserJoinPayloadSchema), schema);
  const envelope: Envelope<{ user: { name: string } }> = validate(
    envelopeOf(UserLeavePayloadSchema),
    createEnvelope("user.leave", source, { user: { name: "bob" } }),
  );
  assert.equal(envelope.payload.user.name, "bob");
});

/** Every sample with one field removed or replaced by a bad value, two levels deep. */
function* broken(value: unknown, depth = 0): Generator<unknown> {
  if (typeof value !== "object" || value === null || depth > 2) return;
  const record = value as Record<string, unknown>;
  const bad = [undefined, null, "", "x".repeat(10_001), -1, 1.5, NaN, Infinity, true, [], {}];
  for (const key of Object.keys(record)) {
    const { [key]: _removed, ...without } = record;
    yield without;
    for (const replacement of bad) yield { ...record, [key]: replacement };
    for (const inner of broken(record[key], depth + 1)) yield { ...record, [key]: inner };
  }
  if (Array.isArray(value)) { for (const extra of bad) yield [...value, extra]; }
}

Deno.test("the bus's compiled check accepts, returns and refuses exactly what its schema does", () => {
  // The bus runs z.compile's generated code (compiledValidator): it must be the schema, faster.
  let compared = 0;
  const chatLine = createEnvelope(EVENT_TYPES.message, source, {
    user: alice,
    text: "!roll 1d6",
    action: false,
    extra: "dropped",
  });
  const cases: [Schema, unknown][] = [
    ...samples.map(([_type, schema, payload]) => [schema, payload] as [Schema, unknown]),
    [envelopeOf(MessagePayloadSchema), chatLine],
    [envelopeOf(MessagePayloadSchema), { ...chatLine, correlationId: "c", unknown: 1 }],
  ];
  for (const [schema, sample] of cases) {
    const compiled = compiledValidator(schema as unknown as Validator<unknown>);
    for (const value of [sample, ...broken(sample)]) {
      const expected = z.safeParse(schema, value);
      const actual = compiled.safeParse(value);
      const label = JSON.stringify(value)?.slice(0, 200);
      assert.equal(actual.success, expected.success, label);
      if (expected.success && actual.success) assert.deepEqual(actual.data, expected.data, label);
      if (!expected.success && !actual.success) {
        assert.deepEqual(actual.error.issues, expected.error.issues, label);
      }
      compared++;
    }
  }
  assert.ok(compared > 1000, `only ${compared} samples`);
});
