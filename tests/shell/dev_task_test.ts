import assert from "node:assert/strict";
import { freePort, REPO_ROOT } from "@quicksilver/testbed";

async function runDev(home: string, args: string[], stdin: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", `${REPO_ROOT}/scripts/dev.ts`, "--home", home, ...args],
    cwd: home,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin));
  await writer.close();
  const out = await child.output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("`deno task dev` with piped input answers !help and exits cleanly at EOF", async () => {
  const home = await Deno.makeTempDir({ prefix: "quicksilver-dev-" });
  try {
    const port = freePort();
    const monitor = freePort();
    const metricsPort = freePort();
    await Deno.writeTextFile(
      `${home}/rosey.yaml`,
      `nats:\n  url: "127.0.0.1:${port}"\n  monitoring: "http://127.0.0.1:${monitor}"\n` +
        `plugins:\n  dir: ${REPO_ROOT}/plugins\n` +
        `monitoring:\n  metricsPort: ${metricsPort}\n`,
    );
    const run = await runDev(home, ["--config", `${home}/rosey.yaml`], "!help\nhello\n!roll 1d1\n");
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /^\[bot\] Commands: .*!help.*!roll.* \(!help <command> for details\)$/m,
    );
    assert.match(run.stdout, /^\[bot\] .*= 1$/m, "dice answered from its sandbox");
    assert.match(run.stderr, new RegExp(`monitoring http://127\\.0\\.0\\.1:${monitor}`));
    assert.match(run.stderr, /logs .*\.rosey\/logs\/rosey\.log/);
    assert.match(run.stderr, new RegExp(`metrics http://127\\.0\\.0\\.1:${metricsPort}/metrics`));
    const log = await Deno.readTextFile(`${home}/.rosey/logs/rosey.log`);
    assert.match(log, /"msg":"stopping".*"reason":"shell eof"/);
    // nats-server was stopped: its port is free again.
    Deno.listen({ hostname: "127.0.0.1", port }).close();
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("`deno task dev` refuses a bad config with the file, key and fix, and starts nothing", async () => {
  const home = await Deno.makeTempDir({ prefix: "quicksilver-dev-" });
  try {
    await Deno.writeTextFile(`${home}/bad.yaml`, "router:\n  timeoutMs: soon\n");
    const run = await runDev(home, ["--config", `${home}/bad.yaml`], "");
    assert.equal(run.code, 2);
    assert.match(run.stderr, /bad\.yaml: router\.timeoutMs: expected a number.*got "soon"/);
    assert.equal(run.stdout, "");
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("Ctrl-C stops `deno task dev` cleanly, nats-server included", async () => {
  const home = await Deno.makeTempDir({ prefix: "quicksilver-dev-" });
  try {
    const port = freePort();
    await Deno.writeTextFile(
      `${home}/rosey.yaml`,
      `nats:\n  url: "127.0.0.1:${port}"\n  monitoring: "http://127.0.0.1:${freePort()}"\n` +
        `monitoring:\n  metricsPort: 0\n`,
    );
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", `${REPO_ROOT}/scripts/dev.ts`, "--home", home],
      cwd: home,
      stdin: "piped",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let stderr = "";
    const decoder = new TextDecoder();
    for await (const chunk of child.stderr) {
      stderr += decoder.decode(chunk, { stream: true });
      if (stderr.includes("Quicksilver is running")) {
        child.kill("SIGINT");
        break;
      }
    }
    const status = await child.status;
    await child.stdin.close();
    assert.equal(status.code, 0, stderr);
    const log = await Deno.readTextFile(`${home}/.rosey/logs/rosey.log`);
    assert.match(log, /"msg":"stopping".*"reason":"SIGINT"/);
    Deno.listen({ hostname: "127.0.0.1", port }).close();
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
