/**
 * `deno task plugins install` with no bot running (the files are all there is): every kind of
 * tampering, unsigned or untrusted signature, collision and plain-http source is refused with its
 * reason, and nothing is left installed; the operator naming a word's owner lets it through.
 */
import assert from "node:assert/strict";
import { createPublisherKey, sha256Hex, signHash } from "@quicksilver/sandbox";
import { freePort } from "@quicksilver/testbed";
import { pluginsCli, pluginSource, type PluginSpec } from "./_index.ts";

/** A home with a rosey.yaml (no bot: nothing listens on its NATS port) and a trusted key. */
async function withHome(
  extraYaml: string,
  run: (home: string, key: { seed: string; publicKey: string }) => Promise<void>,
) {
  const home = await Deno.makeTempDir({ prefix: "quicksilver-sources-" });
  const key = createPublisherKey();
  await Deno.mkdir(`${home}/plugins`);
  await Deno.mkdir(`${home}/src`);
  await Deno.writeTextFile(
    `${home}/rosey.yaml`,
    `nats:\n  url: "127.0.0.1:${freePort()}"\n` +
      `plugins:\n  dir: ${home}/plugins\n  trust: [${key.publicKey}]\n${extraYaml}`,
  );
  try {
    await run(home, key);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

/** Writes `src/<name>.ts` and, unless `sig` is null, its `.sig` (signed with `seed`). */
async function writePlugin(
  home: string,
  spec: PluginSpec,
  sig: { seed: string; over?: string; sha?: string } | null,
): Promise<string> {
  const file = `${home}/src/${spec.name}.ts`;
  const code = pluginSource(spec);
  await Deno.writeTextFile(file, code);
  if (sig) {
    const actual = await sha256Hex(new TextEncoder().encode(code));
    const signedSha = sig.over ? await sha256Hex(new TextEncoder().encode(sig.over)) : actual;
    await Deno.writeTextFile(
      `${file}.sig`,
      JSON.stringify({ sha256: sig.sha ?? actual, ...signHash(signedSha, sig.seed) }),
    );
  }
  return file;
}

const installed = (home: string, name: string) =>
  Deno.stat(`${home}/.rosey/installed/${name}.ts`).then(() => true, () => false);

Deno.test("a file changed after it was signed is refused as tampered, even with --unsigned", async () => {
  await withHome("", async (home, key) => {
    const file = await writePlugin(home, { name: "hello", version: "1.0.0", reply: "hi" }, key);
    await Deno.writeTextFile(file, "\n// one more line\n", { append: true });
    const run = await pluginsCli(home, ["install", file, "--yes", "--unsigned"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /refused \(tampered\).*changed after it was signed/);
    assert.equal(await installed(home, "hello"), false);
  });
});

Deno.test("a signature by an untrusted key, or over other bytes, counts as unsigned", async () => {
  await withHome("", async (home, key) => {
    const stranger = createPublisherKey();
    const spec = { name: "hello", version: "1.0.0", reply: "hi" };
    const untrusted = await writePlugin(home, spec, stranger);
    let run = await pluginsCli(home, ["install", untrusted, "--yes"]);
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      new RegExp(`refused \\(unsigned\\).*${stranger.publicKey}.*plugins\\.trust`),
    );
    const forged = await writePlugin(home, spec, { seed: key.seed, over: "other bytes" });
    run = await pluginsCli(home, ["install", forged, "--yes"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /refused \(unsigned\).*signature does not match/);
    assert.equal(await installed(home, "hello"), false);
    run = await pluginsCli(home, ["install", forged, "--yes", "--unsigned"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /does NOT match the file/);
  });
});

Deno.test("plain http from another host is refused; https is what is fetched", async () => {
  await withHome("", async (home) => {
    const run = await pluginsCli(home, ["install", "http://example.com/hello.ts", "--yes"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /refused \(source\).*only https:\/\//);
  });
});

Deno.test("an alias colliding with an installed plugin's command is refused until commandOwners names the owner", async () => {
  await withHome("", async (home, key) => {
    const first = await writePlugin(home, { name: "hello", version: "1.0.0", reply: "hi" }, key);
    assert.equal((await pluginsCli(home, ["install", first, "--yes"])).code, 0);
    const copy = await writePlugin(home, {
      name: "copycat",
      version: "1.0.0",
      reply: "me too",
      commands: ["mine", "hello"],
    }, key);
    const run = await pluginsCli(home, ["install", copy, "--yes"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /refused \(collision\).*!hello \(hello's\)/);
    assert.equal(await installed(home, "copycat"), false);
    await Deno.writeTextFile(`${home}/rosey.yaml`, `router:\n  commandOwners: { hello: hello }\n`, {
      append: true,
    });
    const owned = await pluginsCli(home, ["install", copy, "--yes"]);
    assert.equal(owned.code, 0, owned.stderr);
    assert.match(owned.stdout, /!hello is also hello's; router\.commandOwners gives it to hello/);
  });
});

Deno.test("--yes approves only the hosts rosey.yaml grants, and says what it left out", async () => {
  await withHome(
    `  hello:\n    grants:\n      net: ["api.one.example:443"]\n`,
    async (home, key) => {
      const file = await writePlugin(home, {
        name: "hello",
        version: "1.0.0",
        reply: "hi",
        net: ["api.one.example:443", "api.two.example:443"],
      }, key);
      const run = await pluginsCli(home, ["install", file, "--yes"]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(
        run.stdout,
        /reach these hosts on the internet: api\.one\.example:443, api\.two/,
      );
      assert.match(run.stdout, /Not approved .*net api\.two\.example:443/);
      const record = JSON.parse(
        await Deno.readTextFile(`${home}/.rosey/installed/hello.approval.json`),
      );
      assert.deepEqual(record.approved.net, ["api.one.example:443"]);
    },
  );
});
