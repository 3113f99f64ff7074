import assert from "node:assert/strict";
import { parseCommand, splitArgs } from "@quicksilver/core";

Deno.test("a command line is split into a lower-cased word, args and the raw rest", () => {
  assert.deepEqual(parseCommand("!Roll 2d6   +3"), {
    command: "roll",
    args: ["2d6", "+3"],
    rawArgs: "2d6   +3",
  });
  assert.deepEqual(parseCommand("  !help"), { command: "help", args: [], rawArgs: "" });
});

Deno.test("quotes group words, are removed, and an unterminated quote takes the rest", () => {
  assert.deepEqual(splitArgs(`add "Never gonna give" 'you up' plain`), [
    "add",
    "Never gonna give",
    "you up",
    "plain",
  ]);
  assert.deepEqual(splitArgs(`say "she said \\"hi\\""`), ["say", 'she said "hi"']);
  assert.deepEqual(splitArgs(`don't stop`), ["don't", "stop"]);
  assert.deepEqual(splitArgs(`\u201ccurly quotes\u201d too`), ["curly quotes", "too"]);
  assert.deepEqual(splitArgs(`"open to the end`), ["open to the end"]);
  assert.deepEqual(splitArgs(`""`), [""]);
  assert.deepEqual(splitArgs("   "), []);
});

Deno.test("lines that are not commands are not parsed as commands", () => {
  assert.equal(parseCommand("hello !roll"), undefined);
  assert.equal(parseCommand("! roll"), undefined, "a space after the prefix");
  assert.equal(parseCommand("!!!"), undefined, "excitement");
  assert.equal(parseCommand("!?"), undefined);
  assert.equal(parseCommand("!"), undefined);
  assert.equal(parseCommand(""), undefined);
});

Deno.test("the prefix is configurable, including multi-character prefixes", () => {
  assert.equal(parseCommand("!roll", { prefix: "?" }), undefined);
  assert.equal(parseCommand("?roll 1d6", { prefix: "?" })?.command, "roll");
  assert.deepEqual(parseCommand("rosey, roll 1d6", { prefix: "rosey," }), undefined);
  assert.equal(parseCommand(">>roll 1d6", { prefix: ">>" })?.args[0], "1d6");
});

Deno.test("arguments are clipped to what a CommandExecute may carry", () => {
  const many = parseCommand(`!x ${Array.from({ length: 150 }, (_, i) => i).join(" ")}`);
  assert.equal(many?.args.length, 100);
  const long = parseCommand(`!x ${"a".repeat(3000)}`);
  assert.equal(long?.args[0]?.length, 2000);
  assert.equal(long?.rawArgs.length, 3000, "rawArgs stays untouched");
});

/** Invisible characters a copy and paste (or a phone keyboard) leaves around a command. */
const INVISIBLES: readonly [string, string][] = [
  ["U+200B zero width space", "\u200b"],
  ["U+200C zero width non-joiner", "\u200c"],
  ["U+200D zero width joiner", "\u200d"],
  ["U+200E left-to-right mark", "\u200e"],
  ["U+200F right-to-left mark", "\u200f"],
  ["U+2060 word joiner", "\u2060"],
  ["U+2061 function application", "\u2061"],
  ["U+FEFF byte order mark", "\ufeff"],
  ["U+180E mongolian vowel separator", "\u180e"],
  ["U+00AD soft hyphen", "\u00ad"],
  ["U+034F combining grapheme joiner", "\u034f"],
  ["U+061C arabic letter mark", "\u061c"],
  ["U+202A left-to-right embedding", "\u202a"],
  ["U+202E right-to-left override", "\u202e"],
  ["U+2066 left-to-right isolate", "\u2066"],
  ["U+115F hangul choseong filler", "\u115f"],
  ["U+3164 hangul filler", "\u3164"],
  ["U+FE0F variation selector-16", "\ufe0f"],
  ["U+00A0 no-break space", "\u00a0"],
  ["U+2007 figure space", "\u2007"],
  ["U+202F narrow no-break space", "\u202f"],
  ["U+3000 ideographic space", "\u3000"],
  ["U+0085 next line", "\u0085"],
  ["tab", "\t"],
];

for (const [name, ch] of INVISIBLES) {
  Deno.test(`a command preceded by ${name} is still a command`, () => {
    const expected = { command: "roll", args: ["2d6"], rawArgs: "2d6" };
    assert.deepEqual(parseCommand(`${ch}!roll 2d6`), expected, "before the prefix");
    assert.deepEqual(parseCommand(`${ch}${ch} !roll 2d6${ch}`), expected, "repeated, and after");
    if (!/\s/u.test(ch)) {
      assert.deepEqual(parseCommand(`!${ch}roll 2d6`), expected, "between prefix and word");
      assert.deepEqual(parseCommand(`!roll${ch} 2d6`), expected, "after the word");
    }
  });
}

Deno.test("a visible character before the prefix still makes a line chat, not a command", () => {
  assert.equal(parseCommand("x!roll 2d6"), undefined);
  assert.equal(parseCommand("\u2800!roll 2d6"), undefined, "braille blank is a visible cell");
});
