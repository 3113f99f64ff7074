/** `plugins.trust` and `plugins.indexes` in rosey.yaml: read, resolved, and a clear error on a bad key. */
import assert from "node:assert/strict";
import { ConfigError } from "@quicksilver/core";
import { parseConfig } from "../../app/mod.ts";
import { createPublisherKey } from "@quicksilver/sandbox";

const FILE = { file: "/srv/bot/rosey.yaml", baseDir: "/srv/bot" };

Deno.test("plugins.trust and plugins.indexes are read, a local index relative to rosey.yaml", () => {
  const key = createPublisherKey().publicKey;
  const config = parseConfig(
    `plugins:\n  trust: [${key}]\n  indexes: ["https://example.org/index.json", "idx/index.json"]\n`,
    FILE,
  );
  assert.deepEqual(config.plugins.trust, [key]);
  assert.deepEqual(config.plugins.indexes, [
    "https://example.org/index.json",
    "/srv/bot/idx/index.json",
  ]);
  assert.equal(config.plugins.settings["trust"], undefined);
});

Deno.test("a publisher key that is not one names the key and what to write", () => {
  assert.throws(
    () => parseConfig(`plugins:\n  trust: ["abc"]\n`, FILE),
    (error: unknown) =>
      error instanceof ConfigError && /plugins\.trust\[0\]/.test(error.message) &&
      /publisher key/.test(error.message),
  );
});
