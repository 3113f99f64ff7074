/**
 * The runner's signed report lines pass the output budget wherever the pipe reads cut them:
 * a plugin flooding its output cannot hide an attempt it made (issue 11 A4/A7). Unit test of
 * the pump (a private module of sandbox/process: the end-to-end proof is
 * redteam_reports_test.ts, this one covers every cut position).
 */
import assert from "node:assert/strict";
import { pumpLines } from "../../sandbox/process/_line_stream.ts";

const MARK = "quicksilver-tripwire 0123-token ";
const REPORT = `${MARK}{"kind":"deno-run","detail":"run kill 1"}`;

async function pump(chunks: Uint8Array[], accept: (i: number) => boolean): Promise<string[]> {
  const lines: string[] = [];
  let i = 0;
  await pumpLines(ReadableStream.from(chunks), (line) => void lines.push(line), {
    accept: () => accept(i++),
    keepPrefix: MARK,
  });
  return lines;
}

function cut(bytes: Uint8Array, ...at: number[]): Uint8Array[] {
  const bounds = [0, ...at, bytes.byteLength];
  return bounds.slice(1).map((end, k) => bytes.slice(bounds[k], end));
}

Deno.test("a report line inside refused chunks is kept, wherever the reads cut it", async () => {
  const flood = "x".repeat(300);
  const text = `${flood}\n${flood}\n${REPORT}\n${flood}\n`;
  const bytes = new TextEncoder().encode(text);
  const start = text.indexOf(MARK);
  // Every cut through the marker and the report line, into two and into three chunks.
  for (let a = start - 2; a <= start + REPORT.length + 1; a++) {
    assert.deepEqual(await pump(cut(bytes, a), () => false), [REPORT], `cut at ${a}`);
    const b = Math.min(a + 7, bytes.byteLength - 1);
    assert.deepEqual(await pump(cut(bytes, a, b), () => false), [REPORT], `cut at ${a}, ${b}`);
  }
});

Deno.test("a report line begun in an accepted chunk and ended in a refused one is kept", async () => {
  const text = `ok line\n${REPORT}\n`;
  const bytes = new TextEncoder().encode(text);
  const start = text.indexOf(MARK);
  for (let a = start + 1; a < start + REPORT.length; a++) {
    const lines = await pump(cut(bytes, a), (i) => i === 0);
    assert.deepEqual(lines, ["ok line", REPORT], `cut at ${a}`);
  }
});

Deno.test("a report line begun in a refused chunk and ended in an accepted one is kept", async () => {
  const text = `${"x".repeat(50)}\n${REPORT}\nafter\n`;
  const bytes = new TextEncoder().encode(text);
  const start = text.indexOf(MARK);
  for (let a = start + 1; a < start + REPORT.length; a++) {
    const lines = await pump(cut(bytes, a), (i) => i === 1);
    assert.deepEqual(lines, [REPORT, "after"], `cut at ${a}`);
  }
});

Deno.test("without the launch's token a line is flood like any other", async () => {
  const forged = `quicksilver-tripwire guessed ${'{"kind":"deno-run"}'}`;
  const bytes = new TextEncoder().encode(`${forged}\n`.repeat(20));
  assert.deepEqual(await pump(cut(bytes, 100, 400), () => false), []);
});
