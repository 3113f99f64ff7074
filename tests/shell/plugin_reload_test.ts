/**
 * `deno task dev` reloads a plugin whose file changed: the next command is answered by the
 * new code, without restarting the bot.
 */
import assert from "node:assert/strict";
import { waitFor } from "@quicksilver/testing";
import { freePort, REPO_ROOT } from "../../scripts/nats_server.ts";

const plugin = (answer: string) =>
  `import { definePlugin } from "@quicksilver/sdk";\n` +
  `export default definePlugin({\n` +
  `  name: "echo",\n  version: "1.0.0",\n` +
  `  commands: { echo: { handler: () => ${JSON.stringify(answer)} } },\n});\n`;

Deno.test("a plugin file saved while `deno task dev` runs is reloaded and answers with the new code", async () => {
  const home = await Deno.makeTempDir({ prefix: "quicksilver-reload-" });
  await Deno.mkdir(`${home}/plugins`);
  await Deno.writeTextFile(`${home}/plugins/echo.ts`, plugin("version one"));
  await Deno.writeTextFile(
    `${home}/rosey.yaml`,
    `nats:\n  url: "127.0.0.1:${freePort()}"\n  monitoring: "http://127.0.0.1:${freePort()}"\n` +
      `plugins:\n  dir: ${home}/plugins\n` +
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
    await type("!echo");
    await waitFor(() => stdout.includes("[bot] version one"), { what: "the first version" });

    await Deno.writeTextFile(`${home}/plugins/echo.ts`, plugin("version two"));
    await waitFor(async () => {
      await type("!echo");
      await new Promise((resolve) => setTimeout(resolve, 300));
      return stdout.includes("[bot] version two");
    }, { timeoutMs: 30_000, what: "the reloaded plugin's answer" });
  } finally {
    await input.close().catch(() => undefined);
    const status = await child.status;
    await reading;
    await Deno.remove(home, { recursive: true });
    assert.equal(status.code, 0, stderr);
  }
});
