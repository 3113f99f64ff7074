/**
 * The plugin runtime checks messages without zod (core/events/wire_checks.ts). Each check must
 * accept exactly what its zod schema accepts and return the same value, or plugins and the core
 * would disagree about what is valid: here they meet the same valid and broken samples.
 */
import assert from "node:assert/strict";
import {
  commandExecuteCheck,
  CommandExecuteSchema,
  envelopeCheck,
  envelopeOf,
  EnvelopeSchema,
  manifestCheck,
  messageEnvelopeCheck,
  MessagePayloadSchema,
  PluginManifestSchema,
  pluginSayCheck,
  PluginSaySchema,
  type Validator,
} from "@quicksilver/core";

const source = { platform: "cytube", channel: "lobby" };
const user = { name: "alice", rank: 1 };

/** Valid samples; each is also broken in every way `mutations` knows. */
const CASES: [string, Validator<unknown>, Validator<unknown>, unknown[]][] = [
  ["envelope", EnvelopeSchema, envelopeCheck, [
    { id: "e1", type: "message", source, time: 1, payload: { any: "thing" } },
    { id: "e1", type: "message", source, time: 0, correlationId: "c", payload: null, extra: 1 },
    { id: "x".repeat(128), type: "t".repeat(64), source, time: 2 ** 52 },
  ]],
  ["message envelope", envelopeOf(MessagePayloadSchema), messageEnvelopeCheck, [
    {
      id: "m1",
      type: "message",
      source,
      time: 5,
      payload: { user, text: "!roll 1d6", action: false, to: "bot", extra: 1 },
    },
    { id: "m2", type: "message", source, time: 6, correlationId: "c", payload: { user, text: "" } },
  ]],
  ["command.execute", CommandExecuteSchema, commandExecuteCheck, [
    {
      command: "roll",
      args: ["1d6"],
      rawArgs: "1d6",
      user,
      source,
      messageId: "m1",
      deadlineMs: 5000,
    },
    {
      command: "roll",
      args: [],
      rawArgs: "",
      user: { name: "bob", rank: -1, id: "u9" },
      source,
      private: true,
      messageId: "",
      deadlineMs: 1,
      junk: "dropped",
    },
  ]],
  ["plugin.say", PluginSaySchema, pluginSayCheck, [
    { source, text: "hi" },
    { source, text: "hi", to: "alice" },
  ]],
  ["manifest", PluginManifestSchema, manifestCheck, [
    { name: "dice", version: "1.0.0" },
    {
      name: "dice",
      version: "1",
      description: "rolls",
      commands: [{ name: "roll", aliases: ["r"], usage: "!roll", help: "h", minRank: 1.5 }],
      events: ["message"],
    },
  ]],
];

const BAD_VALUES = [
  undefined,
  null,
  "",
  "x".repeat(10_001),
  -1,
  1.5,
  Number.NaN,
  Infinity,
  true,
  [],
  ["a"],
  {},
  "Bad Name!",
];

/** Every sample with one field replaced by each bad value, or removed. */
function* mutations(value: unknown, depth = 0): Generator<unknown> {
  if (typeof value !== "object" || value === null || depth > 2) return;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const { [key]: _removed, ...without } = record;
    yield without;
    for (const bad of BAD_VALUES) yield { ...record, [key]: bad };
    for (const inner of mutations(record[key], depth + 1)) yield { ...record, [key]: inner };
  }
  if (Array.isArray(value)) {
    for (const bad of BAD_VALUES) yield [...value, bad];
  }
}

for (const [name, schema, check, samples] of CASES) {
  Deno.test(`the zod-free ${name} check agrees with its zod schema`, () => {
    let compared = 0;
    for (const sample of samples) {
      for (const value of [sample, ...mutations(sample)]) {
        const expected = schema.safeParse(value);
        const actual = check.safeParse(value);
        const label = `${name}: ${JSON.stringify(value)?.slice(0, 200)}`;
        assert.equal(actual.success, expected.success, label);
        if (expected.success && actual.success) assert.deepEqual(actual.data, expected.data, label);
        if (!expected.success && !actual.success) {
          assert.ok(actual.error.issues.length > 0 && actual.error.issues[0]!.message, label);
        }
        compared++;
      }
    }
    assert.ok(compared > 50, `only ${compared} samples`);
  });
}
