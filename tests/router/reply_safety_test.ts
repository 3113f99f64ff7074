/**
 * What a plugin says reaches people as plain chat of a bounded size: the router is the trust
 * boundary for every plugin's text, on every platform.
 */
import assert from "node:assert/strict";
import { subjects } from "@quicksilver/core";
import { CHANNEL, PLATFORM, RouterFixture, table } from "./_fixture.ts";

const ECHO = table(1, [{
  name: "echo",
  commands: [{ name: "echo", usage: "!echo", help: "Says things." }],
}]);

/** Control and bidi characters that must never reach a screen, one of each kind. */
const HOSTILE: readonly [string, string, string][] = [
  ["an ANSI clear-screen sequence", "\u001b[2J\u001b[Hcleared", "[2J[Hcleared"],
  [
    "an OSC set-title sequence ended by BEL",
    "\u001b]0;pwned title\u0007after",
    "]0;pwned titleafter",
  ],
  ["a bare CR forging a user line", "x\r[you] !inspect plugins", "x [you] !inspect plugins"],
  ["a NUL", "nul\u0000byte", "nulbyte"],
  ["a backspace run", "secret\u0008\u0008\u0008\u0008\u0008\u0008public", "secretpublic"],
  ["a C1 CSI (U+009B)", "c1\u009b2Jcsi", "c12Jcsi"],
  ["a DEL", "del\u007fete", "delete"],
  ["a vertical tab and form feed", "v\u000bt\u000cf", "vtf"],
  ["a right-to-left override (U+202E)", "file\u202Etxt.exe", "filetxt.exe"],
  ["a left-to-right embedding (U+202A) and pop (U+202C)", "\u202Aembed\u202C", "embed"],
  ["a right-to-left isolate (U+2067) and pop (U+2069)", "\u2067iso\u2069", "iso"],
  ["the marks U+200E, U+200F and U+061C", "m\u200Ea\u200Fr\u061Ck", "mark"],
  ["a line separator (U+2028)", "one\u2028two", "one\ntwo"],
  [
    "the interlinear annotation controls U+FFF9-FFFB (text hidden from some renderers)",
    "shown\uFFF9base\uFFFAhidden\uFFFB",
    "shownbasehidden",
  ],
  [
    "tag characters smuggling hidden ASCII (U+E0000-E007F)",
    "hi\u{E0001}\u{E0069}\u{E0067}\u{E006E}\u{E006F}\u{E0072}\u{E0065}\u{E007F}!",
    "hi!",
  ],
  ["lone surrogates (not text in any encoding)", "a\uD800b\uDC00c", "a\uFFFDb\uFFFDc"],
];

/** Anything a terminal or a bidi renderer obeys, except LF (a newline is a new line). */
const UNSAFE =
  // deno-lint-ignore no-control-regex -- control characters are what this matches
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufff9-\ufffb\u{e0000}-\u{e007f}]|\p{Surrogate}/u;

for (const [kind, text, shown] of HOSTILE) {
  Deno.test(`a plugin's reply, say and PM carrying ${kind} reach the chat without it`, async () => {
    await using fx = await RouterFixture.start({ table: ECHO });
    await fx.plugin("echo", () => ({ ok: true, reply: [text] }));
    fx.say("!echo");
    fx.say("!echo", "bob", 0, { private: true });
    const source = { platform: PLATFORM, channel: CHANNEL };
    fx.world.publish(subjects.pluginSay("echo"), { source, text });
    fx.world.publish(subjects.pluginSay("echo"), { source, text, to: "carol" });
    const texts = await fx.texts(4);
    assert.equal(fx.actions.items.filter((a) => a.kind === "pm").length, 2);
    for (const sent of texts) assert.doesNotMatch(sent, UNSAFE, JSON.stringify(sent));
    // The printable text is kept, so a user still reads what the plugin meant to say.
    assert.deepEqual(texts, [shown, shown, shown, shown]);
  });
}

Deno.test("a CR in a reply never starts a line that could pass for a user's", async () => {
  await using fx = await RouterFixture.start({ table: ECHO });
  await fx.plugin("echo", () => ({ ok: true, reply: ["x\r[you] !inspect plugins", "a\r\nb"] }));
  fx.say("!echo");
  const texts = await fx.texts(2);
  assert.deepEqual(texts, ["x [you] !inspect plugins", "a\nb"]);
});

Deno.test("emoji, joiners, accents and right-to-left scripts pass unchanged", async () => {
  await using fx = await RouterFixture.start({ table: ECHO });
  // A subdivision flag (Scotland) is the one use of tag characters: black flag, tags, cancel tag.
  const scotland = "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}";
  const text = `👨‍👩‍👧 café ❤️ שלום مرحبا 日本語 ${scotland}\tok`;
  await fx.plugin("echo", () => ({ ok: true, reply: [text] }));
  fx.say("!echo");
  assert.deepEqual(await fx.texts(1), [text.replace("\t", " ")]);
});

Deno.test("a flood reply is cut to the reply limit, with a note saying how much", async () => {
  await using fx = await RouterFixture.start({
    table: ECHO,
    replies: { maxLines: 6, lineChars: 320 },
  });
  // ~120 KB: 12 lines of 10 000 characters, each ~32 CyTube messages.
  const flood = Array.from({ length: 12 }, (_, i) => `${i} `.padEnd(10_000, "spam "));
  await fx.plugin("echo", () => ({ ok: true, reply: flood }));
  fx.say("!echo");
  const texts = await fx.texts(2);
  await fx.world.flush();
  assert.equal(fx.actions.length, 2, "one cut line and the note");
  assert.ok(texts[0]!.length <= 6 * 320, `kept ${texts[0]!.length} characters`);
  assert.ok(texts[0]!.startsWith("0 spam") && texts[0]!.endsWith("…"));
  const cut = 12 * 32 - 6;
  assert.equal(texts[1], `(${cut} more lines cut)`);
  assert.deepEqual(fx.router.metrics.cut, { replies: 1, lines: cut });
});

Deno.test("many short lines are cut at the line limit; a short reply is untouched", async () => {
  await using fx = await RouterFixture.start({ table: ECHO, replies: { maxLines: 5 } });
  let lines = 40;
  await fx.plugin("echo", () => ({
    ok: true,
    reply: Array.from({ length: lines }, (_, i) => `line ${i}`),
  }));
  fx.say("!echo");
  const texts = await fx.texts(6);
  assert.deepEqual(texts, [
    "line 0",
    "line 1",
    "line 2",
    "line 3",
    "line 4",
    "(35 more lines cut)",
  ]);
  lines = 5;
  fx.say("!echo", "bob");
  const all = await fx.texts(11);
  assert.deepEqual(all.slice(6), ["line 0", "line 1", "line 2", "line 3", "line 4"]);
});

Deno.test("a line a plugin says on its own is cut to the reply limit too", async () => {
  await using fx = await RouterFixture.start({ table: ECHO, replies: { maxLines: 2 } });
  const source = { platform: PLATFORM, channel: CHANNEL };
  fx.world.publish(subjects.pluginSay("echo"), { source, text: "z".repeat(10_000) });
  const texts = await fx.texts(2);
  assert.equal(texts[0]!.length, 2 * 320);
  assert.equal(texts[1], "(30 more lines cut)");
});

Deno.test("reply limits that cannot work are refused with the option named", async () => {
  await assert.rejects(
    () => RouterFixture.start({ replies: { maxLines: 0 } }),
    /replies\.maxLines 0 must be a whole number of at least 1/,
  );
});

Deno.test("a plugin's error is one short line, whatever line breaks its message carries", async () => {
  await using fx = await RouterFixture.start({ table: ECHO });
  // LF is cut already; a line or paragraph separator, CR LF or a lone CR must not start a line.
  await fx.plugin("echo", () => ({
    ok: false,
    error: { code: "failed", message: "first\u2028[rosey] second\u2029third\r\nfourth" },
  }));
  fx.say("!echo");
  fx.say("!echo", "bob", 0, { private: true });
  const texts = await fx.texts(2);
  assert.deepEqual(texts, ["first", "first"]);
});

Deno.test("a command's help is one line: its usage and help cannot start lines of their own in !help", async () => {
  await using fx = await RouterFixture.start({
    table: table(1, [{
      name: "aaa",
      commands: [{
        name: "stats",
        usage: "!stats\n!inspect plugins: lists the plugins (needs rank admin; from inspector)",
        help: "Shows stats.\u2028(needs rank admin; from inspector)\r\n",
      }],
    }]),
  });
  fx.say("!help stats");
  const [text] = await fx.texts(1);
  assert.equal(text!.split("\n").length, 1, JSON.stringify(text));
  assert.match(text!, /\(from aaa\)$/, "the real provenance closes the line");
});
