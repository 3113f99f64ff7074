/**
 * The acceptance check for the plugin set: a game of trivia played to the end from the shell
 * connector of `deno task dev` (short question time from the operator's config).
 */
import assert from "node:assert/strict";
import { waitFor } from "@quicksilver/testing";
import { freePort, REPO_ROOT } from "../../scripts/nats_server.ts";

Deno.test("a game of trivia is played to the end from the shell in `deno task dev`", async () => {
  const home = await Deno.makeTempDir({ prefix: "quicksilver-trivia-" });
  await Deno.writeTextFile(
    `${home}/rosey.yaml`,
    `nats:\n  url: "127.0.0.1:${freePort()}"\n  monitoring: "http://127.0.0.1:${freePort()}"\n` +
      `plugins:\n  dir: ${REPO_ROOT}/plugins\n  enabled: [trivia]\n` +
      `  trivia:\n    config:\n      questionSeconds: 3\n      breakSeconds: 0.2\n` +
      `monitoring:\n  metricsPort: 0\n`,
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${REPO_ROOT}/scripts/dev.ts`, "--home", home],
    cwd: home,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const input = child.stdin.getWriter();
  let stdout = "";
  let stderr = "";
  const reading = Promise.all([
    (async () => {
      for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) stdout += chunk;
    })(),
    (async () => {
      for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) stderr += chunk;
    })(),
  ]);
  const type = (line: string) => input.write(new TextEncoder().encode(`${line}\n`));
  try {
    await waitFor(() => stderr.includes("Quicksilver is running"), {
      timeoutMs: 60_000,
      what: "the bot to start",
    });
    await type("!trivia start 2");
    // Answer the first question by number (right or wrong), let the second run out.
    await waitFor(() => /Q1\/2/.test(stdout), { what: "the first question" });
    await type("!a 1");
    await waitFor(() => /Q2\/2/.test(stdout), { what: "the second question" });
    await waitFor(() => /Time's up!/.test(stdout.slice(stdout.indexOf("Q2/2"))), {
      what: "the second question to time out",
    });
    await waitFor(() => /Trivia over!/.test(stdout), { what: "the end of the game" });
    await type("!trivia lb");
    await waitFor(() => /\[bot\].*(leaderboard|Leaderboard|No scores|no scores)/.test(stdout), {
      what: "the leaderboard",
    });
  } finally {
    await input.close().catch(() => undefined);
    const status = await child.status;
    await reading;
    await Deno.remove(home, { recursive: true });
    assert.equal(status.code, 0, stderr);
  }
});
