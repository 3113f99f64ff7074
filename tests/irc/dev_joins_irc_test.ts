/**
 * The acceptance check on a clean setup: `deno task dev` with `connectors.irc` in rosey.yaml
 * pointing at a local InspIRCd joins the channel, answers `!help` there with the same commands
 * as in the shell, and serves the moderator shell by PM to a channel operator; the same dice
 * plugin answers on CyTube (the fake server) in the same run, each answer on its own platform.
 */
import assert from "node:assert/strict";
import { DevProcess, IrcServer, TEST_BOT_PACING, waitFor } from "@quicksilver/testing";
import { freePort, REPO_ROOT } from "@quicksilver/testbed";
import { startFakeCytube } from "../fake_cytube/mod.ts";
import { IrcUser } from "./_irc_user.ts";

Deno.test("`deno task dev` with connectors.irc joins, answers !help like the shell, and serves the moderator shell by PM", async () => {
  await using server = await IrcServer.start("inspircd");
  await using fake = await startFakeCytube({ channel: "quicksilver_irc" });
  // alice creates the channel first, so she is its operator.
  await using alice = await IrcUser.connect(server.port, "alice");
  await alice.join("#rosey");
  const home = await Deno.makeTempDir({ prefix: "quicksilver-dev-irc-" });
  const pacing = TEST_BOT_PACING.inspircd;
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
      `  enabled: [dice, eightball]`,
      `connectors:`,
      `  cytube:`,
      `    enabled: true`,
      `    server: "${fake.url}"`,
      `    channel: ${fake.channel}`,
      `  irc:`,
      `    networks:`,
      `      - name: local`,
      `        host: 127.0.0.1`,
      `        port: ${server.botPort}`,
      `        tls: false`,
      `        nick: rosey`,
      `        channels: ["#rosey"]`,
      `        pacing: { burst: ${pacing.burst}, perSecond: ${pacing.perSecond} }`,
      ``,
    ].join("\n"),
  );
  await using dev = await DevProcess.start(home);
  try {
    await alice.waitLine(
      (l) => /^:rosey!\S+ JOIN :?#rosey/.test(l),
      "the bot joining #rosey",
      30_000,
    );
    assert.match(dev.stderr, /Joining #rosey on local \(127\.0\.0\.1\) as rosey/);

    await dev.type("!help");
    await dev.waitForOutput(/\[bot\] Commands: /, "!help in the shell", 15_000);
    await alice.say("#rosey", "!help");
    await waitFor(() => alice.messages("rosey", "#rosey").some((m) => /^Commands: /.test(m.text)), {
      what: "!help on IRC",
      timeoutMs: 15_000,
    });
    const words = (text: string) => [...text.matchAll(/!([a-z0-9_-]+)/g)].map((m) => m[1]).sort();
    const shellHelp = /\[bot\] (Commands: .*)/.exec(dev.stdout)![1]!;
    const ircHelp = alice.messages("rosey", "#rosey").find((m) => /^Commands: /.test(m.text))!.text;
    assert.deepEqual(words(ircHelp), words(shellHelp));
    assert.ok(words(ircHelp).includes("roll"));

    // The moderator shell: alice is a channel operator, so `help` by PM is answered by PM.
    await alice.say("rosey", "help");
    await waitFor(() => alice.messages("rosey", "alice").some((m) => /status/i.test(m.text)), {
      what: "the moderator shell's help by PM",
      timeoutMs: 15_000,
    });

    // One plugin, two platforms, each answer where its command came from.
    await fake.waitFor(
      () => fake.users.some((user) => user.name === "rosey"),
      30_000,
      "bot on CyTube",
    );
    const ircBefore = alice.messages("rosey", "#rosey").length;
    fake.say("carol", "!roll 2d1");
    await alice.say("#rosey", "!roll 3d1");
    await fake.waitFor(
      () => fake.accepted("chat", "rosey").some((line) => /carol rolled 2d1/.test(line)),
      15_000,
      "the CyTube answer",
    );
    await waitFor(
      () =>
        alice.messages("rosey", "#rosey").slice(ircBefore).some((m) =>
          /alice rolled 3d1/.test(m.text)
        ),
      {
        what: "the IRC answer",
        timeoutMs: 15_000,
      },
    );
    assert.ok(!fake.accepted("chat", "rosey").some((line) => /alice rolled/.test(line)));
    assert.ok(!alice.messages("rosey", "#rosey").some((m) => /carol rolled/.test(m.text)));
  } finally {
    await dev.close();
    await Deno.remove(home, { recursive: true }).catch(() => {});
  }
});
