import assert from "node:assert/strict";
import {
  checkPathAccess,
  findSymlinks,
  pluginAccessTargets,
  prepareDataDir,
  removeSymlinks,
  SymlinkInDataDirError,
} from "../../sandbox/process/mod.ts";
import { canSwitchUid, skipUnless } from "./_helpers.ts";

const PLUGIN_ID = { uid: 61999, gid: 61999 };

async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "qs_data_" });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true });
    },
  };
}

Deno.test("symlinks anywhere in a data dir are found without being followed", async () => {
  await using tmp = await tempDir();
  const dir = tmp.path;
  await Deno.mkdir(`${dir}/sub/deeper`, { recursive: true });
  await Deno.writeTextFile(`${dir}/sub/ok.txt`, "fine");
  await Deno.symlink("/etc/passwd", `${dir}/link_passwd`);
  await Deno.symlink("/etc", `${dir}/sub/link_dir`);
  await Deno.symlink(`${dir}/missing`, `${dir}/sub/deeper/dangling`);
  // A loop would hang a walker that follows links.
  await Deno.symlink(dir, `${dir}/sub/loop`);
  assert.deepEqual(await findSymlinks(dir), [
    `${dir}/link_passwd`,
    `${dir}/sub/deeper/dangling`,
    `${dir}/sub/link_dir`,
    `${dir}/sub/loop`,
  ]);
  assert.equal((await removeSymlinks(dir)).length, 4);
  assert.deepEqual(await findSymlinks(dir), []);
  assert.ok((await Deno.stat("/etc/passwd")).isFile, "targets are untouched");
  assert.equal(await Deno.readTextFile(`${dir}/sub/ok.txt`), "fine");
});

Deno.test("preparing a data dir refuses symlinks by default, or removes them when asked", async () => {
  await using tmp = await tempDir();
  const dir = `${tmp.path}/data/trivia`;
  const fresh = await prepareDataDir(dir);
  assert.equal(fresh.created, true);
  assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o700);
  await Deno.symlink("/etc/passwd", `${dir}/planted`);
  await assert.rejects(() => prepareDataDir(dir), SymlinkInDataDirError);
  await assert.rejects(() => prepareDataDir(dir), /Deno follows symlinks/);
  const cleaned = await prepareDataDir(dir, { symlinks: "remove" });
  assert.deepEqual(cleaned.removedSymlinks, [`${dir}/planted`]);
  assert.equal(cleaned.created, false);
});

Deno.test("a data dir that is itself a symlink is refused", async () => {
  await using tmp = await tempDir();
  const root = tmp.path;
  await Deno.mkdir(`${root}/real`);
  await Deno.symlink(`${root}/real`, `${root}/data`);
  await assert.rejects(() => prepareDataDir(`${root}/data`), /is a symlink/);
});

Deno.test({
  name: "a data dir and its contents are handed to the plugin uid, hard-linked files excepted",
  ignore: skipUnless(canSwitchUid, "chown needs root"),
  async fn() {
    await using tmp = await tempDir();
    const root = tmp.path;
    await Deno.chmod(root, 0o755);
    const dir = `${root}/data`;
    await Deno.mkdir(`${dir}/nested`, { recursive: true });
    await Deno.writeTextFile(`${dir}/nested/state.json`, "{}");
    await Deno.writeTextFile(`${root}/outside.txt`, "not the plugin's");
    await Deno.link(`${root}/outside.txt`, `${dir}/hardlink.txt`);
    const prepared = await prepareDataDir(dir, { uid: PLUGIN_ID });
    for (const path of [dir, `${dir}/nested`, `${dir}/nested/state.json`]) {
      const info = await Deno.stat(path);
      assert.equal(info.uid, PLUGIN_ID.uid, path);
      assert.equal(info.gid, PLUGIN_ID.gid, path);
    }
    assert.deepEqual(prepared.skippedHardLinks, [`${dir}/hardlink.txt`]);
    assert.equal((await Deno.stat(`${root}/outside.txt`)).uid, 0, "outside inode keeps its owner");
    assert.deepEqual(prepared.accessProblems, []);
  },
});

Deno.test("path checks name the directory that blocks a plugin uid", async () => {
  await using tmp = await tempDir(); // makeTempDir: mode 0700, owned by us
  const root = tmp.path;
  await Deno.writeTextFile(`${root}/plugin.ts`, "");
  const info = await Deno.stat(root);
  const report = await checkPathAccess(
    [{ path: `${root}/plugin.ts`, access: ["read"], role: "plugin file" }],
    PLUGIN_ID,
  );
  if (info.uid === PLUGIN_ID.uid) return; // cannot happen as root; keeps the test honest elsewhere
  assert.equal(report.ok, false);
  assert.equal(report.problems[0]?.blockedAt, root);
  assert.match(report.problems[0]!.message, /mode 0700 .* cannot enter it.*plugin file/);
  await Deno.chmod(root, 0o755);
  await Deno.chmod(`${root}/plugin.ts`, 0o644);
  assert.equal(
    (await checkPathAccess([{ path: `${root}/plugin.ts`, access: ["read"] }], PLUGIN_ID)).ok,
    true,
  );
});

Deno.test("the deno binary is usable by a plugin uid; root's home (0700) is not", async () => {
  const targets = pluginAccessTargets({
    denoExecutable: Deno.execPath(),
    pluginFile: "/etc/hostname",
  });
  const report = await checkPathAccess(targets, PLUGIN_ID);
  assert.deepEqual(report.problems, [], `deno at ${Deno.execPath()} should be world-executable`);
  const rootHome = await Deno.stat("/root").catch(() => null);
  if (rootHome && (rootHome.mode! & 0o001) === 0) {
    const home = await checkPathAccess(
      [{ path: "/root/.cache", access: ["read", "execute"], role: "DENO_DIR" }],
      PLUGIN_ID,
    );
    assert.equal(home.ok, false);
    assert.match(home.problems[0]!.message, /^\/root is mode 07\d0 owned by uid 0/);
  }
});
