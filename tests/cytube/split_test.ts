import assert from "node:assert/strict";
import { CYTUBE_MAX_MESSAGE_LENGTH, splitMessage } from "../../connectors/cytube/mod.ts";

Deno.test("the default limit is CyTube's 320-character cap", () => {
  assert.equal(CYTUBE_MAX_MESSAGE_LENGTH, 320);
  const chunks = splitMessage("word ".repeat(200));
  assert.ok(chunks.every((c) => c.length <= 320));
  assert.equal(chunks.join(" "), "word ".repeat(200).trim());
});

Deno.test("short text is one chunk", () => {
  assert.deepEqual(splitMessage("hello"), ["hello"]);
});

Deno.test("lines are packed up to the limit and split on line boundaries first", () => {
  const text = ["a".repeat(200), "b".repeat(200), "c".repeat(50)].join("\n");
  assert.deepEqual(splitMessage(text, { limit: 320 }), [
    "a".repeat(200),
    "b".repeat(200) + "\n" + "c".repeat(50),
  ]);
});

Deno.test("packLines false gives every line its own chunk", () => {
  assert.deepEqual(splitMessage("one\ntwo\n\nthree", { packLines: false }), [
    "one",
    "two",
    "three",
  ]);
});

Deno.test("a long line splits on word boundaries", () => {
  assert.deepEqual(splitMessage("one two three four", { limit: 9 }), ["one two", "three", "four"]);
});

Deno.test("a word longer than the limit is cut hard", () => {
  assert.deepEqual(splitMessage("abcdefghij", { limit: 4 }), ["abcd", "efgh", "ij"]);
});

Deno.test("a cut never separates a surrogate pair", () => {
  const text = "ab😀cd😀";
  const chunks = splitMessage(text, { limit: 3 });
  assert.equal(chunks.join(""), text);
  for (const chunk of chunks) {
    assert.ok(chunk.length <= 3);
    assert.ok(chunk.isWellFormed(), `chunk ${JSON.stringify(chunk)} has a lone surrogate`);
  }
});

Deno.test("the limit is a parameter (500 for the PM shell)", () => {
  const text = Array.from({ length: 30 }, (_, i) => `line ${i} ${"x".repeat(30)}`).join("\n");
  const chunks = splitMessage(text, { limit: 500 });
  assert.ok(chunks.every((c) => c.length <= 500));
  assert.equal(chunks.join("\n"), text);
  assert.ok(chunks.length < splitMessage(text, { limit: 320 }).length);
});

Deno.test("blank input gives no chunks and CRLF is normalised", () => {
  assert.deepEqual(splitMessage("  \n\t\n"), []);
  assert.deepEqual(splitMessage("a\r\nb", { packLines: false }), ["a", "b"]);
});

Deno.test("an invalid limit is a RangeError", () => {
  assert.throws(() => splitMessage("x", { limit: 1 }), RangeError);
});
