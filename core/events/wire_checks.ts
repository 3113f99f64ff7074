/**
 * Zod-free checks of the messages a plugin process handles: the envelope, `CommandExecute`,
 * `PluginSay` and the plugin manifest. The plugin runtime uses these instead of the zod schemas
 * because zod costs ~9 MB of memory in every plugin process (docs/PERFORMANCE.md).
 *
 * Each check accepts exactly what its zod schema accepts and returns the same value (unknown
 * keys dropped, defaults filled in); tests/core/wire_checks_test.ts holds the two side by side
 * on valid and broken samples. The core keeps validating with the zod schemas.
 *
 * @module
 */
import { COMMAND_WORD, MAX_COMMAND_DEADLINE_MS, PLUGIN_NAME } from "./constants.ts";
import type { ValidationIssue, ValidationResult, Validator } from "./json.ts";

/** The shapes, as plain types (the zod schemas infer the same ones). */
export interface WireSource {
  platform: string;
  channel: string;
}
export interface WireUser {
  name: string;
  rank: number;
  id?: string;
}
export interface WireEnvelope {
  id: string;
  type: string;
  source: WireSource;
  time: number;
  correlationId?: string;
  payload: unknown;
}
export interface WireMessagePayload {
  user: WireUser;
  text: string;
  action?: boolean;
  to?: string;
}
export interface WireCommandExecute {
  command: string;
  args: string[];
  rawArgs: string;
  user: WireUser;
  source: WireSource;
  private?: boolean;
  messageId: string;
  deadlineMs: number;
}
export interface WirePluginSay {
  source: WireSource;
  text: string;
  to?: string;
}
export interface WireCommandSpec {
  name: string;
  aliases: string[];
  usage: string;
  help: string;
  minRank: number;
  cooldownMs: number;
}
export interface WireManifest {
  name: string;
  version: string;
  description: string;
  commands: WireCommandSpec[];
  events: string[];
}

type Path = readonly PropertyKey[];

class CheckFailed extends Error {
  readonly issue: ValidationIssue;
  constructor(path: Path, message: string) {
    super(message);
    this.issue = { path, message };
  }
}

/** Wraps a check function as a {@linkcode Validator} (zod's `safeParse` contract). */
export function validatorOf<T>(check: (value: unknown, path: Path) => T): Validator<T> {
  return {
    safeParse(value: unknown): ValidationResult<T> {
      try {
        return { success: true, data: check(value, []) };
      } catch (error) {
        if (error instanceof CheckFailed) {
          return { success: false, error: { issues: [error.issue] } };
        }
        throw error;
      }
    },
  };
}

// --- building blocks ----------------------------------------------------------------------------

function fail(path: Path, message: string): never {
  throw new CheckFailed(path, message);
}

export function objectAt(value: unknown, path: Path): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(path, "expected an object");
  }
  return value as Record<string, unknown>;
}

/** Only the keys listed may be present (zod's `strictObject`). */
export function onlyKeys(value: Record<string, unknown>, keys: readonly string[], path: Path) {
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) fail([...path, key], `unknown key "${key}"`);
  }
}

export interface StringRules {
  min?: number;
  max?: number;
  pattern?: RegExp;
  patternMessage?: string;
}

export function stringAt(value: unknown, path: Path, rules: StringRules = {}): string {
  if (typeof value !== "string") fail(path, "expected a string");
  if (rules.min !== undefined && value.length < rules.min) {
    fail(path, `expected at least ${rules.min} characters`);
  }
  if (rules.max !== undefined && value.length > rules.max) {
    fail(path, `expected at most ${rules.max} characters`);
  }
  if (rules.pattern && !rules.pattern.test(value)) {
    fail(path, rules.patternMessage ?? `must match ${rules.pattern}`);
  }
  return value;
}

export interface NumberRules {
  int?: boolean;
  min?: number;
  max?: number;
}

export function numberAt(value: unknown, path: Path, rules: NumberRules = {}): number {
  if (typeof value !== "number" || !Number.isFinite(value)) fail(path, "expected a number");
  if (rules.int && !Number.isSafeInteger(value)) fail(path, "expected an integer");
  if (rules.min !== undefined && value < rules.min) fail(path, `expected >= ${rules.min}`);
  if (rules.max !== undefined && value > rules.max) fail(path, `expected <= ${rules.max}`);
  return value;
}

export function booleanAt(value: unknown, path: Path): boolean {
  if (typeof value !== "boolean") fail(path, "expected a boolean");
  return value;
}

export function arrayAt<T>(
  value: unknown,
  path: Path,
  item: (value: unknown, path: Path) => T,
  max?: number,
): T[] {
  if (!Array.isArray(value)) fail(path, "expected an array");
  if (max !== undefined && value.length > max) fail(path, `expected at most ${max} items`);
  return value.map((entry, index) => item(entry, [...path, index]));
}

/** Sets `out[key]` from `from[key]` when the key is there (zod's `.optional()`). */
export function optional<T>(
  out: object,
  from: Record<string, unknown>,
  key: string,
  path: Path,
  check: (value: unknown, path: Path) => T,
): void {
  if (!(key in from)) return;
  (out as Record<string, unknown>)[key] = from[key] === undefined
    ? undefined
    : check(from[key], [...path, key]);
}

/** `optional` for a string of at most `max` characters. */
export function optionalString(
  out: object,
  from: Record<string, unknown>,
  key: string,
  path: Path,
  max: number,
): void {
  optional(out, from, key, path, (v, p) => stringAt(v, p, { max }));
}

// --- the shapes -----------------------------------------------------------------------------------

const SUBJECT_TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

export function sourceAt(value: unknown, path: Path): WireSource {
  const o = objectAt(value, path);
  return {
    platform: stringAt(o.platform, [...path, "platform"], {
      pattern: SUBJECT_TOKEN,
      patternMessage: "must be a subject token",
    }),
    channel: stringAt(o.channel, [...path, "channel"], { min: 1, max: 200 }),
  };
}

export function userAt(value: unknown, path: Path): WireUser {
  const o = objectAt(value, path);
  const user: WireUser = {
    name: stringAt(o.name, [...path, "name"], { min: 1, max: 100 }),
    rank: numberAt(o.rank, [...path, "rank"], { min: -1, max: 1000 }),
  };
  optionalString(user, o, "id", path, 128);
  return user;
}

export const envelopeCheck: Validator<WireEnvelope> = validatorOf((value, path) => {
  const o = objectAt(value, path);
  // zod's z.unknown() in an object: the key must be there, its value may be anything.
  if (!("payload" in o)) fail([...path, "payload"], "expected a payload");
  const envelope: WireEnvelope = {
    id: stringAt(o.id, [...path, "id"], { min: 1, max: 128 }),
    type: stringAt(o.type, [...path, "type"], { min: 1, max: 64 }),
    source: sourceAt(o.source, [...path, "source"]),
    time: numberAt(o.time, [...path, "time"], { int: true, min: 0 }),
    payload: o.payload,
  };
  optionalString(envelope, o, "correlationId", path, 128);
  return envelope;
});

/** A chat line or PM as connectors publish it (zod: `envelopeOf(MessagePayloadSchema)`). */
export const messageEnvelopeCheck: Validator<WireEnvelope & { payload: WireMessagePayload }> =
  validatorOf((value, path) => {
    const envelope = envelopeCheck.safeParse(value);
    if (!envelope.success) {
      const issue = envelope.error.issues[0]!;
      fail([...path, ...issue.path], issue.message);
    }
    const o = objectAt(envelope.data.payload, [...path, "payload"]);
    const at = [...path, "payload"];
    const payload: WireMessagePayload = {
      user: userAt(o.user, [...at, "user"]),
      text: stringAt(o.text, [...at, "text"], { max: 10_000 }),
    };
    optional(payload, o, "action", at, booleanAt);
    optionalString(payload, o, "to", at, 100);
    return { ...envelope.data, payload };
  });

export const commandExecuteCheck: Validator<WireCommandExecute> = validatorOf((value, path) => {
  const o = objectAt(value, path);
  const request: WireCommandExecute = {
    command: stringAt(o.command, [...path, "command"], { min: 1, max: 64 }),
    args: arrayAt(o.args, [...path, "args"], (v, p) => stringAt(v, p, { max: 2000 }), 100),
    rawArgs: stringAt(o.rawArgs, [...path, "rawArgs"], { max: 10_000 }),
    user: userAt(o.user, [...path, "user"]),
    source: sourceAt(o.source, [...path, "source"]),
    messageId: stringAt(o.messageId, [...path, "messageId"], { max: 128 }),
    deadlineMs: numberAt(o.deadlineMs, [...path, "deadlineMs"], {
      int: true,
      min: 1,
      max: MAX_COMMAND_DEADLINE_MS,
    }),
  };
  optional(request, o, "private", path, booleanAt);
  return request;
});

export const pluginSayCheck: Validator<WirePluginSay> = validatorOf((value, path) => {
  const o = objectAt(value, path);
  const say: WirePluginSay = {
    source: sourceAt(o.source, [...path, "source"]),
    text: stringAt(o.text, [...path, "text"], { min: 1, max: 10_000 }),
  };
  optionalString(say, o, "to", path, 100);
  return say;
});

/** `value[key]`, or `fallback` when it is undefined (zod's `.default()`). */
export function withDefault<T>(
  from: Record<string, unknown>,
  key: string,
  path: Path,
  fallback: T,
  check: (value: unknown, path: Path) => T,
): T {
  return from[key] === undefined ? fallback : check(from[key], [...path, key]);
}

function commandSpecAt(value: unknown, path: Path): WireCommandSpec {
  const o = objectAt(value, path);
  const word = (v: unknown, p: Path) => stringAt(v, p, { pattern: COMMAND_WORD });
  return {
    name: word(o.name, [...path, "name"]),
    aliases: withDefault(o, "aliases", path, [], (v, p) => arrayAt(v, p, word, 10)),
    usage: withDefault(o, "usage", path, "", (v, p) => stringAt(v, p, { max: 200 })),
    help: withDefault(o, "help", path, "", (v, p) => stringAt(v, p, { max: 500 })),
    minRank: withDefault(o, "minRank", path, 0, (v, p) => numberAt(v, p)),
    cooldownMs: withDefault(
      o,
      "cooldownMs",
      path,
      0,
      (v, p) => numberAt(v, p, { int: true, min: 0 }),
    ),
  };
}

export const manifestCheck: Validator<WireManifest> = validatorOf((value, path) => {
  const o = objectAt(value, path);
  return {
    name: stringAt(o.name, [...path, "name"], { pattern: PLUGIN_NAME }),
    version: stringAt(o.version, [...path, "version"], { max: 50 }),
    description: withDefault(o, "description", path, "", (v, p) => stringAt(v, p, { max: 500 })),
    commands: withDefault(o, "commands", path, [], (v, p) => arrayAt(v, p, commandSpecAt, 100)),
    events: withDefault(
      o,
      "events",
      path,
      [],
      (v, p) => arrayAt(v, p, (e, q) => stringAt(e, q, { max: 64 }), 20),
    ),
  };
});
