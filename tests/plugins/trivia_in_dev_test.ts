/**
 * The acceptance check for the plugin set: a game of trivia played to the end from the shell
 * connector of `deno task dev` (short question time from the operator's config).
 */
import assert from "node:assert/strict";
import { DevProcess } from "@quicksilver/testing";
import { freePort, REPO_ROOT } from "@quicksilver/testbed";

Deno.test("a game of trivia is played to the end from the shell in `deno task dev`", async () => {
  const home = await Deno.makeTempDir({ prefix: "quicksilver-trivia-" });
  await Deno.writeTextFile(
    `${home}/rosey.yaml`,
    `nats:\n  url: "127.0.0.1:${freePort()}"\n  monitoring: "http://127.0.0.1:${freePort()}"\n` +
      `plugins:\n  dir: ${REPO_ROOT}/plugins\n  enabled: [trivia]\n` +
      `  trivia:\n    config:\n      questionSeconds: 3\n      breakSeconds: 0.2\n` +
      `monitoring:\n  metricsPort: 0\n`,
  );
  const dev = await DevProcess.start(home);
  try {
    await dev.type("!trivia start 2");
    // Answer the first question by number (right or wrong), let the second run out.
    await dev.waitForOutput(/Q1\/2/, "the first question");
    await dev.type("!a 1");
    await dev.waitForOutput(/Q2\/2[\s\S]*Time's up!/, "the second question to time out");
    await dev.waitForOutput(/Trivia over!/, "the end of the game");
    await dev.type("!trivia lb");
    await dev.waitForOutput(
      /\[bot\] (🏆 Leaderboard: 1\) you \d+|Nobody has scored yet)/,
      "the leaderboard",
    );
  } finally {
    const code = await dev.close();
    await Deno.remove(home, { recursive: true });
    assert.equal(code, 0, dev.stderr);
  }
});
