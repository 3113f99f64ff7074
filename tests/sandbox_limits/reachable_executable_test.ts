/**
 * `npx -y deno` keeps Deno under root's home (0700): plugins need it placed where their uid can
 * run it, and a placed copy must follow an upgrade of the source.
 */
import assert from "node:assert/strict";
import { checkPathAccess, reachableExecutable } from "../../sandbox/process/mod.ts";

const PLUGIN_ID = { uid: 61999, gid: 61999 };

async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "qs_exe_" });
  await Deno.chmod(path, 0o755);
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true });
    },
  };
}

/** `<root>/npx` (0700) holding an executable `deno` with `text` and `mode`. */
async function hiddenExecutable(root: string, text: string, mode: number): Promise<string> {
  await Deno.mkdir(`${root}/npx`, { mode: 0o700 });
  await Deno.chmod(`${root}/npx`, 0o700);
  const path = `${root}/npx/deno`;
  await Deno.writeTextFile(path, text);
  await Deno.chmod(path, mode);
  return path;
}

Deno.test("an executable behind a 0700 folder is linked where a plugin uid can run it", async () => {
  await using tmp = await tempDir();
  const source = await hiddenExecutable(tmp.path, "#!/bin/sh\necho deno\n", 0o755);
  const before = await checkPathAccess([{ path: source, access: ["execute"] }], PLUGIN_ID);
  assert.equal(before.ok, false, "the source is out of reach: the situation to fix");

  const placed = await reachableExecutable(source, { dir: `${tmp.path}/bin`, who: PLUGIN_ID });
  assert.equal(placed.problem, null);
  assert.equal(placed.path, `${tmp.path}/bin/deno`);
  assert.equal(placed.placed, "linked");
  assert.equal((await Deno.stat(placed.path)).ino, (await Deno.stat(source)).ino);
  const after = await checkPathAccess([{ path: placed.path, access: ["execute"] }], PLUGIN_ID);
  assert.deepEqual(after.problems, []);

  const again = await reachableExecutable(source, { dir: `${tmp.path}/bin`, who: PLUGIN_ID });
  assert.equal(again.placed, "reused", "a current link is kept");
});

Deno.test("a copy is made when the source is not world-executable, and replaced when the source changes", async () => {
  await using tmp = await tempDir();
  const source = await hiddenExecutable(tmp.path, "#!/bin/sh\necho 2.9.6\n", 0o700);
  const dir = `${tmp.path}/bin`;

  const first = await reachableExecutable(source, { dir, who: PLUGIN_ID });
  assert.equal(first.placed, "copied");
  assert.equal(first.problem, null);
  assert.equal((await Deno.stat(first.path)).mode! & 0o777, 0o755);
  assert.notEqual((await Deno.stat(first.path)).ino, (await Deno.stat(source)).ino);
  assert.equal(await Deno.readTextFile(first.path), "#!/bin/sh\necho 2.9.6\n");
  assert.equal((await reachableExecutable(source, { dir, who: PLUGIN_ID })).placed, "reused");

  // An upgrade of the same size: only the mtime tells it apart.
  await Deno.writeTextFile(source, "#!/bin/sh\necho 2.9.7\n");
  await Deno.utime(source, new Date(), new Date(Date.now() + 60_000));
  const upgraded = await reachableExecutable(source, { dir, who: PLUGIN_ID });
  assert.equal(upgraded.placed, "copied", "a stale copy is replaced");
  assert.equal(await Deno.readTextFile(upgraded.path), "#!/bin/sh\necho 2.9.7\n");

  // A copy left with other bytes (a different size) is replaced too.
  await Deno.chmod(upgraded.path, 0o755);
  await Deno.writeTextFile(upgraded.path, "tampered, and longer than the source");
  const fixed = await reachableExecutable(source, { dir, who: PLUGIN_ID });
  assert.equal(fixed.placed, "copied");
  assert.equal(await Deno.readTextFile(fixed.path), "#!/bin/sh\necho 2.9.7\n");
  const leftovers = [];
  for await (const entry of Deno.readDir(dir)) leftovers.push(entry.name);
  assert.deepEqual(leftovers, ["deno"], "no temporary file left behind");
});

Deno.test("an executable a plugin uid can already reach is used where it is", async () => {
  await using tmp = await tempDir();
  const path = `${tmp.path}/deno`;
  await Deno.writeTextFile(path, "#!/bin/sh\n");
  await Deno.chmod(path, 0o755);
  const result = await reachableExecutable(path, { dir: `${tmp.path}/bin`, who: PLUGIN_ID });
  assert.deepEqual(result, { path, placed: "source", problem: null });
  assert.equal(await Deno.stat(`${tmp.path}/bin`).catch(() => null), null, "nothing placed");
});
