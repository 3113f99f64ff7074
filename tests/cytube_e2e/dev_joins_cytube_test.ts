/**
 * The acceptance check: with a `rosey.yaml` naming a CyTube server and channel, `deno task dev`
 * joins it as a guest and answers `!help` there.
 */
import assert from "node:assert/strict";
import { within } from "@quicksilver/testing";
import { freePort, REPO_ROOT } from "@quicksilver/testbed";
import { startFakeCytube } from "../fake_cytube/mod.ts";

Deno.test("`deno task dev` with a CyTube channel in rosey.yaml joins as a guest and answers !help", async () => {
  await using fake = await startFakeCytube({ channel: "quicksilver_test" });
  const home = await Deno.makeTempDir({ prefix: "quicksilver-dev-cytube-" });
  await Deno.writeTextFile(
    `${home}/rosey.yaml`,
    [
      `nats:`,
      `  url: "127.0.0.1:${freePort()}"`,
      `  monitoring: "http://127.0.0.1:${freePort()}"`,
      `monitoring:`,
      `  metricsPort: 0`,
      `plugins:`,
      `  dir: ${REPO_ROOT}/plugins`,
      `  enabled: [dice]`,
      `connectors:`,
      `  shell:`,
      `    enabled: false`,
      `  cytube:`,
      `    enabled: true`,
      `    server: "${fake.url}"`,
      `    channel: ${fake.channel}`,
      ``,
    ].join("\n"),
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${REPO_ROOT}/scripts/dev.ts`, "--home", home, "--no-shell"],
    cwd: home,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const reading = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) stderr += decoder.decode(chunk, { stream: true });
  })();
  try {
    await fake.waitFor(
      () => fake.users.some((user) => user.name === "rosey"),
      30_000,
      "the bot to join as the guest rosey",
    );
    fake.say("alice", "!help");
    await fake.waitFor(
      () => fake.accepted("chat", "rosey").some((line) => /^Commands: .*!roll/.test(line)),
      15_000,
      "the help line in the channel",
    );
    assert.match(stderr, /Joining CyTube channel quicksilver_test/);
  } finally {
    child.kill("SIGINT");
    const status = await within(child.status, 20_000, "dev to stop");
    await reading;
    await Deno.remove(home, { recursive: true }).catch(() => {});
    assert.equal(status.code, 0, stderr);
  }
});
