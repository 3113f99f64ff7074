/**
 * `deno task dev` reloads a plugin whose file changed: the next command is answered by the
 * new code, without restarting the bot.
 */
import assert from "node:assert/strict";
import { DevProcess, waitFor } from "@quicksilver/testing";
import { freePort } from "@quicksilver/testbed";

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
  const dev = await DevProcess.start(home);
  try {
    await dev.type("!echo");
    await dev.waitForOutput(/\[bot\] version one/, "the first version");
    await Deno.writeTextFile(`${home}/plugins/echo.ts`, plugin("version two"));
    await waitFor(async () => {
      await dev.type("!echo");
      await new Promise((resolve) => setTimeout(resolve, 300));
      return dev.stdout.includes("[bot] version two");
    }, { timeoutMs: 30_000, what: "the reloaded plugin's answer" });
  } finally {
    const code = await dev.close();
    await Deno.remove(home, { recursive: true });
    assert.equal(code, 0, dev.stderr);
  }
});
