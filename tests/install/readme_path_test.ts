/**
 * The README's path for a newcomer: with the example index (examples/plugin-index/) and its
 * publisher in rosey.yaml, `deno task plugins install greeter` shows what the plugin may do,
 * asks, and the running `deno task dev` answers `!greet` within seconds.
 */
import assert from "node:assert/strict";
import { PluginIndexSchema, sha256Hex, verifySignature } from "@quicksilver/sandbox";
import { DevProcess, waitFor } from "@quicksilver/testing";
import { freePort, REPO_ROOT } from "@quicksilver/testbed";
import { pluginsCli } from "./_index.ts";

const INDEX = `${REPO_ROOT}/examples/plugin-index/index.json`;
const index = PluginIndexSchema.parse(JSON.parse(await Deno.readTextFile(INDEX)));
const greeter = index.plugins.find((p) => p.name === "greeter")!;

Deno.test("the example index's files are the bytes it lists, signed by the key the README trusts", async () => {
  const readme = await Deno.readTextFile(`${REPO_ROOT}/README.md`);
  for (const entry of index.plugins) {
    const sha = await sha256Hex(
      await Deno.readFile(`${REPO_ROOT}/examples/plugin-index/${entry.url}`),
    );
    assert.equal(
      sha,
      entry.sha256,
      `${entry.url} changed: sign it again (docs/PLUGIN-DEVELOPMENT.md)`,
    );
    assert.equal(verifySignature(sha, entry, [entry.publisher!]).kind, "trusted");
    assert.ok(readme.includes(`trust: [${entry.publisher}]`), "the README trusts the example key");
  }
});

Deno.test("a newcomer installs the example plugin into a running bot after seeing what it may do", async () => {
  const home = await Deno.makeTempDir({ prefix: "quicksilver-newcomer-" });
  await Deno.mkdir(`${home}/plugins`);
  await Deno.writeTextFile(
    `${home}/rosey.yaml`,
    `nats:\n  url: "127.0.0.1:${freePort()}"\n  monitoring: "http://127.0.0.1:${freePort()}"\n` +
      `plugins:\n  dir: ${home}/plugins\n  indexes: ["${INDEX}"]\n  trust: [${greeter.publisher}]\n` +
      `monitoring:\n  metricsPort: 0\n`,
  );
  const dev = await DevProcess.start(home);
  try {
    const started = Date.now();
    const run = await pluginsCli(home, ["install", "greeter"], { input: "y\n" });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /It will be able to:\n\s+- answer the commands !greet\n/);
    assert.match(run.stdout, /Install greeter\? \[y\/N\]/);
    assert.match(run.stdout, /it is running: try !greet/);
    await waitFor(async () => {
      await dev.type("!greet");
      await new Promise((resolve) => setTimeout(resolve, 250));
      return dev.stdout.includes("[bot] Hello, you! (from an installed plugin)");
    }, { timeoutMs: 15_000, what: "!greet answered" });
    assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
  } finally {
    const code = await dev.close();
    await Deno.remove(home, { recursive: true });
    assert.equal(code, 0, dev.stderr);
  }
});

Deno.test("answering no installs nothing", async () => {
  const home = await Deno.makeTempDir({ prefix: "quicksilver-newcomer-" });
  await Deno.writeTextFile(
    `${home}/rosey.yaml`,
    `plugins:\n  dir: ${home}/plugins\n  indexes: ["${INDEX}"]\n  trust: [${greeter.publisher}]\n`,
  );
  try {
    const run = await pluginsCli(home, [
      "install",
      "greeter",
      "--server",
      `127.0.0.1:${freePort()}`,
    ], {
      input: "n\n",
    });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /refused \(not-approved\)/);
    const left = await Deno.stat(`${home}/.rosey/installed/greeter.ts`).then(
      () => true,
      () => false,
    );
    assert.equal(left, false);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
