import assert from "node:assert/strict";
import { parseCommand, splitArgs } from "../../services/router/mod.ts";

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
