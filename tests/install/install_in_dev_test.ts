/**
 * Installing a stranger's plugin into a running `deno task dev` (issue 18): from an index served
 * over HTTP, with the review shown first; tampered, unsigned and colliding plugins refused; an
 * update asking for a new host refused without approval; a good update switched to, a broken one
 * rolled back; removal. One bot for all steps (two cores).
 */
import assert from "node:assert/strict";
import { DevProcess, waitFor } from "@quicksilver/testing";
import { freePort } from "@quicksilver/testbed";
import { pluginsCli, TestIndex } from "./_index.ts";

/** Types `!word` until the bot answers `reply` (the router's table follows the manager's). */
async function answers(dev: DevProcess, word: string, reply: string) {
  const seen = dev.stdout.length;
  await waitFor(async () => {
    await dev.type(`!${word}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    return dev.stdout.slice(seen).includes(`[bot] ${reply}`);
  }, { timeoutMs: 20_000, what: `!${word} answered "${reply}"` });
}

Deno.test("plugins from an index are installed into a running bot after a review, and only safe ones", async (t) => {
  await using index = await TestIndex.create();
  const home = await Deno.makeTempDir({ prefix: "quicksilver-install-" });
  await Deno.mkdir(`${home}/plugins`);
  await Deno.writeTextFile(
    `${home}/rosey.yaml`,
    `nats:\n  url: "127.0.0.1:${freePort()}"\n  monitoring: "http://127.0.0.1:${freePort()}"\n` +
      `plugins:\n  dir: ${home}/plugins\n  trust: [${index.publisher}]\n` +
      `  indexes: ["${index.url}"]\n` +
      `monitoring:\n  metricsPort: 0\n`,
  );
  await index.publish({ name: "hello", version: "1.0.0", reply: "hello one" });
  const dev = await DevProcess.start(home);
  const installed = (name: string) =>
    Deno.stat(`${home}/.rosey/installed/${name}.ts`).then(() => true, () => false);
  try {
    await t.step("a signed plugin is shown, installed and answers its command", async () => {
      const started = Date.now();
      const run = await pluginsCli(home, ["install", "hello", "--yes"]);
      assert.equal(run.code, 0, run.stderr + run.stdout);
      assert.match(run.stdout, /hello 1\.0\.0/);
      assert.match(run.stdout, /It will be able to:\n\s+- answer the commands !hello/);
      assert.match(run.stdout, /reach no host on the internet/);
      assert.match(run.stdout, new RegExp(`signed by ${index.publisher} \\(trusted`));
      await answers(dev, "hello", "hello one");
      assert.ok(Date.now() - started < 30_000, "installed and answering within seconds");
    });

    await t.step(
      "a file whose SHA-256 is not the index's is refused, with the reason",
      async () => {
        await index.publish({ name: "swapped", version: "1.0.0", reply: "x" }, { tamper: true });
        const run = await pluginsCli(home, ["install", "swapped", "--yes", "--unsigned"]);
        assert.equal(run.code, 1);
        assert.match(run.stderr, /refused \(tampered\).*has SHA-256 [0-9a-f]{64}, but the index/);
        assert.equal(await installed("swapped"), false);
      },
    );

    await t.step(
      "an unsigned plugin is refused without --unsigned, installed with it",
      async () => {
        await index.publish({ name: "plain", version: "1.0.0", reply: "plain one" }, {
          unsigned: true,
        });
        const refused = await pluginsCli(home, ["install", "plain", "--yes"]);
        assert.equal(refused.code, 1);
        assert.match(refused.stderr, /refused \(unsigned\): plain is not signed.*--unsigned/);
        assert.equal(await installed("plain"), false);
        const accepted = await pluginsCli(home, ["install", "plain", "--yes", "--unsigned"]);
        assert.equal(accepted.code, 0, accepted.stderr);
        await answers(dev, "plain", "plain one");
      },
    );

    await t.step("a plugin declaring a command another plugin holds is refused", async () => {
      await index.publish({
        name: "copycat",
        version: "1.0.0",
        reply: "not hello",
        commands: ["hello"],
      });
      const run = await pluginsCli(home, ["install", "copycat", "--yes"]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /refused \(collision\).*!hello \(hello's\).*router\.commandOwners/);
      assert.equal(await installed("copycat"), false);
      await answers(dev, "hello", "hello one");
    });

    await t.step(
      "an update asking for a new host is refused without approval; the old one serves",
      async () => {
        await index.publish({
          name: "hello",
          version: "2.0.0",
          reply: "hello two",
          net: ["api.example.com:443"],
        });
        const run = await pluginsCli(home, ["update", "hello", "--yes"]);
        assert.equal(run.code, 1, run.stdout);
        assert.match(run.stdout, /new permissions: net api\.example\.com:443/);
        assert.match(run.stdout, /code: \d+ -> \d+ bytes/);
        assert.match(
          run.stderr,
          /refused \(not-approved\).*net api\.example\.com:443.*1\.0\.0 keeps running/,
        );
        // Said no on the terminal: the same.
        const declined = await pluginsCli(home, ["update", "hello"]);
        assert.equal(declined.code, 1);
        assert.match(declined.stderr, /not-approved/);
        await answers(dev, "hello", "hello one");
      },
    );

    await t.step("an update with no new permission replaces the running version", async () => {
      await index.publish({ name: "hello", version: "3.0.0", reply: "hello three" });
      const run = await pluginsCli(home, ["update", "hello", "--yes"]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /hello 1\.0\.0 -> 3\.0\.0/);
      assert.match(run.stdout, /new permissions: none/);
      await answers(dev, "hello", "hello three");
    });

    await t.step(
      "an update that fails its first start is rolled back to the running version",
      async () => {
        await index.publish({ name: "hello", version: "4.0.0", reply: "four", brokenSetup: true });
        const run = await pluginsCli(home, ["update", "hello", "--yes"]);
        assert.equal(run.code, 1, run.stdout);
        assert.match(
          run.stderr,
          /4\.0\.0 failed its first start.*rolled back to 3\.0\.0, which is running/,
        );
        await answers(dev, "hello", "hello three");
        const record = JSON.parse(
          await Deno.readTextFile(`${home}/.rosey/installed/hello.approval.json`),
        );
        assert.equal(record.version, "3.0.0");
      },
    );

    await t.step("remove stops it and deletes its file and data", async () => {
      const run = await pluginsCli(home, ["remove", "plain"]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(await installed("plain"), false);
      const list = await pluginsCli(home, ["list", "--json"]);
      const names = JSON.parse(list.stdout).plugins.map((p: { name: string }) => p.name);
      assert.ok(!names.includes("plain") && names.includes("hello"), list.stdout);
      const data = await Deno.stat(`${home}/.rosey/plugins/plain`).then(() => true, () => false);
      assert.equal(data, false);
    });
  } finally {
    const code = await dev.close();
    await Deno.remove(home, { recursive: true });
    assert.equal(code, 0, dev.stderr);
  }
});
