/**
 * Issue 16's acceptance, as an operator meets it: `deno task dev`'s shell with a rosey.yaml that
 * configures `plugins.ai` against a local OpenAI-compatible endpoint the test starts.
 */
import assert from "node:assert/strict";
import { DevProcess } from "@quicksilver/testing";
import { freePort, REPO_ROOT } from "@quicksilver/testbed";
import { mockOpenAI, NATS_ANSWER } from "./_openai_mock.ts";

const KEY = "sk-dev-test-5f1c9a7e2b";

async function homeWith(ai: string): Promise<string> {
  const home = await Deno.makeTempDir({ prefix: "quicksilver-ai-" });
  await Deno.writeTextFile(
    `${home}/rosey.yaml`,
    `nats:\n  url: "127.0.0.1:${freePort()}"\n  monitoring: "http://127.0.0.1:${freePort()}"\n` +
      `plugins:\n  dir: ${REPO_ROOT}/plugins\n  enabled: [ai]\n  ai:\n${ai}` +
      `logging:\n  level: debug\nmonitoring:\n  metricsPort: 0\n`,
  );
  return home;
}

Deno.test("'rosey, what is NATS?' in the shell gets the endpoint's answer, split to fit, addressed to the user; the key is never logged", async () => {
  const mock = mockOpenAI();
  await using _server = mock.server;
  const home = await homeWith(
    `    grants:\n      net: ["${mock.host}"]\n` +
      `    config:\n      baseUrl: "${mock.baseUrl}"\n      model: tiny\n` +
      `      apiKeyEnv: AI_DEV_TEST_KEY\n`,
  );
  const dev = await DevProcess.start(home, [], { env: { AI_DEV_TEST_KEY: KEY } });
  try {
    await dev.type("rosey, what is NATS?");
    await dev.waitForOutput(
      /\[bot\] you: NATS is a lightweight[^\n]*\n[^\n]*Quicksilver uses it/,
      "the answer in two lines",
    );
    const lines = dev.stdout.split("\n").filter((l) => l.includes("[bot]"));
    const answer = lines.slice(-2).map((l) => l.replace(/^.*\[bot\] /, ""));
    assert.ok(answer.every((l) => l.length <= 320), answer.join("\n"));
    assert.equal(answer.join(" "), `you: ${NATS_ANSWER}`);
    assert.equal(mock.requests.at(-1)?.authorization, `Bearer ${KEY}`);
  } finally {
    const code = await dev.close();
    const log = await Deno.readTextFile(`${home}/.rosey/logs/rosey.log`);
    await Deno.remove(home, { recursive: true });
    assert.equal(code, 0, dev.stderr);
    assert.match(log, /plugin ready[^\n]*"plugin":"ai"/);
    // Debug level: everything the manager and the plugin log, and still no key.
    for (const where of [log, dev.stderr, dev.stdout]) assert.ok(!where.includes(KEY));
  }
});

Deno.test("with the grant missing, '!ai hi' answers the explanation every time and nothing is quarantined", async () => {
  const mock = mockOpenAI();
  await using _server = mock.server;
  const home = await homeWith(`    config:\n      baseUrl: "${mock.baseUrl}"\n`);
  const dev = await DevProcess.start(home);
  const explanation = `AI chat needs a grant the operator has not given yet: rosey.yaml ` +
    `plugins.ai.grants.net: ["${mock.host}"].`;
  try {
    // More than the kill switch's 3: a missing grant is not an attack.
    for (let i = 1; i <= 5; i++) {
      await dev.type("!ai hi");
      await dev.waitForOutput(
        new RegExp(
          `(\\[bot\\] you: ${explanation.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[^]*){${i}}`,
        ),
        `explanation #${i}`,
      );
    }
    assert.equal(mock.requests.length, 0);
  } finally {
    const code = await dev.close();
    const log = await Deno.readTextFile(`${home}/.rosey/logs/rosey.log`);
    await Deno.remove(home, { recursive: true });
    assert.equal(code, 0, dev.stderr);
    assert.doesNotMatch(log, /quarantin/i);
    assert.equal(log.match(/needs a grant; set it in rosey\.yaml/g)?.length, 1, log);
  }
});
