import assert from "node:assert/strict";
import { resolvePluginSecrets } from "../../sandbox/manager/plugin_secrets.ts";

const ENV: Record<string, string> = { AI_KEY: "value-1", EMPTY: "", HUGE: "k".repeat(20_000) };
const env = (variable: string) => ENV[variable];

Deno.test("a <secret>Env config key hands the variable's value to the plugin as that secret", () => {
  const { secrets, problems } = resolvePluginSecrets("ai", {
    apiKeyEnv: "AI_KEY",
    model: "tiny",
    // Not a secret key: only lowerCamel names ending in "Env" are looked up.
    Env: "AI_KEY",
    env: "AI_KEY",
  }, env);
  assert.deepEqual(secrets, { apiKey: "value-1" });
  assert.deepEqual(problems, []);
});

Deno.test("an unset variable or a key pasted in place of a name is a problem naming the key, never the value", () => {
  const { secrets, problems } = resolvePluginSecrets("ai", {
    apiKeyEnv: "MISSING_VAR",
    tokenEnv: "EMPTY",
    orgEnv: "sk-live value pasted here",
    otherEnv: 42,
    hugeEnv: "HUGE",
  }, env);
  assert.deepEqual(secrets, {});
  assert.deepEqual(problems, [
    "plugins.ai.config.apiKeyEnv names MISSING_VAR, which is not set in the bot's environment",
    "plugins.ai.config.tokenEnv names EMPTY, which is not set in the bot's environment",
    "plugins.ai.config.orgEnv must name an environment variable of the bot (e.g. OPENAI_API_KEY), not hold the secret itself",
    "plugins.ai.config.otherEnv must name an environment variable of the bot (e.g. OPENAI_API_KEY), not hold the secret itself",
    "plugins.ai.config.hugeEnv names HUGE, whose value is longer than 16384 characters",
  ]);
  assert.ok(!problems.join("\n").includes("sk-live"));
});
