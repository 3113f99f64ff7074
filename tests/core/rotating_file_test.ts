import assert from "node:assert/strict";
import { RotatingFile } from "@quicksilver/core";

Deno.test("a rotating log never takes much more than maxBytes x (keep + 1), and keeps the newest lines", async () => {
  const dir = await Deno.makeTempDir({ prefix: "quicksilver-rotate-" });
  try {
    const path = `${dir}/bot.log`;
    const log = RotatingFile.openSync(path, { maxBytes: 10_000, keep: 3 });
    for (let i = 0; i < 5000; i++) log.writeLine(`{"n":${i},"pad":"${"x".repeat(80)}"}`);
    log.close();
    const names = [];
    let total = 0;
    for await (const entry of Deno.readDir(dir)) {
      names.push(entry.name);
      total += (await Deno.stat(`${dir}/${entry.name}`)).size;
    }
    assert.deepEqual(names.sort(), ["bot.log", "bot.log.1", "bot.log.2", "bot.log.3"]);
    assert.ok(total <= 10_000 * 4, `${total} bytes on disk`);
    for (const name of names) assert.ok((await Deno.stat(`${dir}/${name}`)).size <= 10_000);
    const last = (await Deno.readTextFile(path)).trim().split("\n").at(-1)!;
    assert.equal(JSON.parse(last).n, 4999);
    const older = (await Deno.readTextFile(`${path}.1`)).trim().split("\n");
    assert.ok(JSON.parse(older.at(-1)!).n < JSON.parse(last).n);
    // Reopening appends to the current file.
    const again = RotatingFile.openSync(path, { maxBytes: 10_000, keep: 3 });
    again.writeLine('{"n":5000}');
    again.close();
    assert.match(await Deno.readTextFile(path), /"n":5000/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a rotating log refuses a size or count that makes no sense", () => {
  assert.throws(() => RotatingFile.openSync("/tmp/x.log", { maxBytes: 0, keep: 1 }), RangeError);
  assert.throws(() => RotatingFile.openSync("/tmp/x.log", { maxBytes: 10, keep: -1 }), RangeError);
});
